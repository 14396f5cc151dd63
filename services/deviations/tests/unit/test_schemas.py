"""Request schemas: unknown fields rejected, strings bounded, the anonymity rule."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

from ordning_deviations.domain import IllegalTransition, InvalidReport, OpenActionsRemain
from ordning_deviations.schemas import (CategorySchema, DeadlinePolicySchema, IvoReportSchema, ListArgsSchema,
                                        PublicFeedbackSchema, ReportDeviationSchema, TransitionSchema)
from ordning_deviations.service import Forbidden, NotFound, Stale

GOOD = {"kind": "avvikelse", "unit_id": "6f1d3c1e-2b7a-4c55-9a37-0c1f0e2d9b10", "description": "Fallolycka"}


def test_report_minimal_is_enough():
    assert ReportDeviationSchema().load(GOOD) == GOOD


@pytest.mark.parametrize("change", [
    {"extra": 1}, {"kind": "other"}, {"description": ""}, {"description": "x" * 10_001},
    {"unit_id": "u" * 37}, {"unit_id": "not-a-uuid"}, {"immediate_action": "x" * 10_001}, {"occurred_at": "igår"}, {"kind": None},
])
def test_report_rejects(change):
    with pytest.raises(ValidationError):
        ReportDeviationSchema().load({**GOOD, **change})


def test_report_missing_description():
    with pytest.raises(ValidationError) as error:
        ReportDeviationSchema().load({"kind": "avvikelse", "unit_id": "6f1d3c1e-2b7a-4c55-9a37-0c1f0e2d9b10"})
    assert "description" in error.value.messages


def test_naive_occurred_at_is_taken_as_utc():
    loaded = ReportDeviationSchema().load({**GOOD, "occurred_at": "2026-01-02T03:04:05"})
    assert loaded["occurred_at"].tzinfo is not None


def test_public_feedback_contact_forbidden_when_anonymous():
    base = {"kind": "klagomal", "unit_id": "6f1d3c1e-2b7a-4c55-9a37-0c1f0e2d9b10", "description": "x", "anonymous": True}
    assert PublicFeedbackSchema().load(base)["anonymous"] is True
    with pytest.raises(ValidationError) as error:
        PublicFeedbackSchema().load({**base, "contact": {"name": "Sven"}})
    assert "contact" in error.value.messages
    named = PublicFeedbackSchema().load({**base, "anonymous": False, "contact": {"email": "s@example.se"}})
    assert named["contact"]["email"] == "s@example.se"


@pytest.mark.parametrize("change", [
    {"kind": "lex_sarah"}, {"kind": "avvikelse"}, {"contact": {"email": "nope"}, "anonymous": False},
    {"contact": {"phone": "1" * 41}, "anonymous": False}, {"contact": {"x": 1}, "anonymous": False},
])
def test_public_feedback_rejects(change):
    with pytest.raises(ValidationError):
        PublicFeedbackSchema().load({"kind": "klagomal", "unit_id": "6f1d3c1e-2b7a-4c55-9a37-0c1f0e2d9b10", "description": "x", "anonymous": True,
                                     **change})


def test_transition_and_ivo():
    assert TransitionSchema().load({"command": "close"}) == {"command": "close"}
    with pytest.raises(ValidationError):
        TransitionSchema().load({"command": "explode"})
    with pytest.raises(ValidationError):
        IvoReportSchema().load({"reported_on": "2026-01-01", "reference": "x" * 101})


def test_list_args_bounds():
    args = ListArgsSchema().load({})
    assert args["limit"] == 50 and args["offset"] == 0 and args["mine"] is False
    with pytest.raises(ValidationError):
        ListArgsSchema().load({"limit": 201})
    with pytest.raises(ValidationError):
        ListArgsSchema().load({"status": ["nope"]})


def test_category_and_policy():
    assert CategorySchema().load({"name": "Fall"}) == {"name": "Fall", "kinds": [], "active": True}
    with pytest.raises(ValidationError):
        CategorySchema().load({"name": "Fall", "kinds": ["nope"]})
    with pytest.raises(ValidationError):
        DeadlinePolicySchema().load({"receipt_days": "2", "investigation_days": 5})


def test_each_error_declares_its_status_title_and_code():
    assert (IllegalTransition.http_status, IllegalTransition.title, IllegalTransition.code) == (
        409, "Conflict", "illegal_transition")
    assert (InvalidReport.http_status, InvalidReport.title) == (422, "Unprocessable Content")
    assert OpenActionsRemain.http_status == 409
    assert (NotFound.http_status, Forbidden.http_status, Stale.http_status) == (404, 403, 412)
    assert (Stale.title, Stale.code) == ("Precondition Failed", "stale_etag")
