"""Retention (gallring) in the domain: when a closed case expires, and what pseudonymising it keeps."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from ordning_shared.actions import ActionStatus, ImprovementAction
from ordning_shared.retention import PSEUDONYMISED_TEXT, add_years, pseudonymised_text

from ordning_deviations import domain as d
from ordning_deviations.domain import (CaseClosed, CasePseudonymised, Command, Deviation, Kind, Origin,
                                       RetentionNotExpired, RetentionPolicy, Status)

UTC = timezone.utc
REPORTED = datetime(2023, 1, 9, 8, 0, tzinfo=UTC)
# 23:30 UTC on 14 March is 00:30 on 15 March in Stockholm: the Swedish calendar day of closing is the 15th.
CLOSED = datetime(2024, 3, 14, 23, 30, tzinfo=UTC)
SECRETS = ("Anna Andersson 19450101-1234 föll", "Ringde Karin Berg", "Golvet var vått efter Lisa",
           "Ingen halkmatta", "Halkmattor överallt", "IVO 3.1.1-4711/2024", "user-42", "mas-maria")


def stockholm(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=d.STOCKHOLM)


def closed_case(kind: Kind = Kind.avvikelse, closed_at: datetime = CLOSED, origin: Origin = Origin.staff,
                serious: bool = True) -> Deviation:
    citizen = origin is Origin.citizen
    dev = Deviation.report(tenant="0138", kind=kind, unit_id="unit-1", description=SECRETS[0],
                           reported_at=REPORTED, reported_by=None if citizen else SECRETS[6], origin=origin,
                           immediate_action=None if citizen else SECRETS[1], category_id="cat-1")
    dev.receive("chef", REPORTED + timedelta(hours=1))
    dev.start_investigation("chef", REPORTED + timedelta(hours=2))
    dev.update_investigation(what_happened=SECRETS[2], why=SECRETS[3], what_must_change=SECRETS[4])
    if dev.is_lex:
        dev.decide_seriousness(serious, SECRETS[7], REPORTED + timedelta(hours=3))
        if serious:
            dev.record_ivo_report(date(2023, 1, 10), SECRETS[5], by=SECRETS[7])
    dev.complete_investigation("chef", REPORTED + timedelta(hours=4))
    dev.close("chef", closed_at, open_action_count=0)
    dev.events.clear()
    return dev


def policy(kind: Kind = Kind.avvikelse, years: int = 2) -> RetentionPolicy:
    return RetentionPolicy(kind, years)


# ---------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------

def test_default_retention_per_kind():
    assert {kind: d.retention_for(kind).years for kind in Kind} == {
        Kind.avvikelse: 2, Kind.synpunkt: 2, Kind.lex_sarah: 5, Kind.lex_maria: 5, Kind.klagomal: 5}


def test_a_tenant_policy_wins_over_the_default():
    own = {Kind.avvikelse: RetentionPolicy(Kind.avvikelse, 10)}
    assert d.retention_for(Kind.avvikelse, own).years == 10
    assert d.retention_for(Kind.klagomal, own).years == 5


@pytest.mark.parametrize("years", [0, -1, 101, 2.5, "2", True, None])
def test_a_policy_outside_1_to_100_whole_years_is_refused(years):
    with pytest.raises(ValueError, match="1 to 100"):
        RetentionPolicy(Kind.avvikelse, years)


@pytest.mark.parametrize("years", [1, 100])
def test_the_bounds_themselves_are_allowed(years):
    assert RetentionPolicy(Kind.avvikelse, years).years == years


# ---------------------------------------------------------------------------
# When a case expires: the Swedish calendar day of its last closing + the policy's years
# ---------------------------------------------------------------------------

def test_expiry_is_counted_from_the_swedish_calendar_day_of_closing():
    assert d.local_date(CLOSED) == date(2024, 3, 15)
    assert d.retention_ends_on(CLOSED, 2) == date(2026, 3, 15)


@pytest.mark.parametrize("kind", list(Kind))
def test_the_day_before_expiry_keeps_the_case_and_the_day_of_expiry_pseudonymises_it(kind):
    years = d.DEFAULT_RETENTION_YEARS[kind]
    dev = closed_case(kind)
    expiry = date(2024 + years, 3, 15)
    assert not dev.retention_expired(expiry - timedelta(days=1), d.retention_for(kind))
    assert dev.retention_expired(expiry, d.retention_for(kind))
    # the clock is the caller's: the last minute of the day before refuses, the first of the day proceeds
    with pytest.raises(RetentionNotExpired):
        dev.pseudonymise(stockholm(expiry - timedelta(days=1), 23) + timedelta(minutes=59), d.retention_for(kind))
    assert dev.description == SECRETS[0] and not dev.events
    dev.pseudonymise(stockholm(expiry, 0), d.retention_for(kind))
    assert dev.pseudonymised_at == stockholm(expiry, 0)


def test_a_closing_on_29_february_expires_on_28_february():
    closed = stockholm(date(2024, 2, 29))
    assert d.retention_ends_on(closed, 1) == date(2025, 2, 28)
    assert d.retention_ends_on(closed, 4) == date(2028, 2, 29)


@pytest.mark.parametrize("status", [Status.reported, Status.received, Status.investigating, Status.investigated])
def test_an_open_case_never_expires(status):
    dev = closed_case()
    dev.reopen("chef", CLOSED + timedelta(days=1))
    if status is Status.investigated:
        dev.complete_investigation("chef", CLOSED + timedelta(days=2))
    elif status is not Status.investigating:
        dev = Deviation.report(tenant="0138", kind=Kind.avvikelse, unit_id="u", description="x",
                               reported_at=REPORTED, reported_by="u-1")
        if status is Status.received:
            dev.receive("chef", REPORTED)
    assert dev.status is status
    far_future = date(2200, 1, 1)
    assert not dev.retention_expired(far_future, policy(years=1))
    with pytest.raises(RetentionNotExpired):
        dev.pseudonymise(stockholm(far_future), policy(years=1))


def test_a_reopened_then_closed_case_counts_from_its_last_closing():
    dev = closed_case()
    dev.reopen("chef", datetime(2025, 6, 1, 9, tzinfo=UTC))
    dev.complete_investigation("chef", datetime(2025, 6, 2, 9, tzinfo=UTC))
    dev.close("chef", datetime(2025, 6, 3, 9, tzinfo=UTC), open_action_count=0)
    assert not dev.retention_expired(date(2026, 3, 15), policy())  # the first closing's expiry
    assert not dev.retention_expired(date(2027, 6, 2), policy())
    assert dev.retention_expired(date(2027, 6, 3), policy())


def test_the_sql_cutoff_agrees_with_the_rule_on_every_day_of_four_years():
    """last_expired_closing_day (what the job's query uses) picks exactly the closings the rule expires."""
    for years in (1, 2, 5):
        today = date(2027, 1, 1)
        while today < date(2031, 1, 1):
            cutoff = d.last_expired_closing_day(today, years)
            for closed_on in (cutoff - timedelta(days=1), cutoff, cutoff + timedelta(days=1)):
                expired = add_years(closed_on, years) <= today
                assert expired is (closed_on <= cutoff), (today, years, closed_on)
            today += timedelta(days=1)


# ---------------------------------------------------------------------------
# What pseudonymising replaces and keeps
# ---------------------------------------------------------------------------

EXPIRED_AT = datetime(2031, 1, 2, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize("kind", list(Kind))
def test_pseudonymising_replaces_the_text_and_the_people_and_keeps_the_statistics(kind):
    dev = closed_case(kind)
    kept = {name: getattr(dev, name) for name in (
        "id", "tenant", "kind", "unit_id", "category_id", "origin", "status", "reported_at", "occurred_at",
        "received_at", "receipt_due", "investigation_due", "ivo_due", "closed_at")}
    investigation_dates = (dev.investigation.started_at, dev.investigation.completed_at)
    seriousness, ivo = dev.seriousness, dev.ivo_report
    version = dev.version

    dev.pseudonymise(EXPIRED_AT, d.retention_for(kind))

    assert {name: getattr(dev, name) for name in kept} == kept
    assert (dev.investigation.started_at, dev.investigation.completed_at) == investigation_dates
    assert dev.description == dev.immediate_action == PSEUDONYMISED_TEXT
    assert (dev.investigation.what_happened, dev.investigation.why, dev.investigation.what_must_change) == (
        PSEUDONYMISED_TEXT,) * 3
    assert dev.reported_by is None
    if dev.is_lex:
        assert dev.seriousness.serious is seriousness.serious is True
        assert dev.seriousness.decided_at == seriousness.decided_at and dev.seriousness.decided_by is None
        assert dev.ivo_report.reported_on == ivo.reported_on == date(2023, 1, 10)
        assert dev.ivo_report.reference == PSEUDONYMISED_TEXT and dev.ivo_report.recorded_by is None
    assert dev.pseudonymised_at == EXPIRED_AT and dev.version == version + 1
    assert not any(secret in repr(vars(dev)) for secret in SECRETS)


def test_a_lex_case_decided_not_serious_keeps_that_outcome_and_has_no_ivo_report():
    dev = closed_case(Kind.lex_maria, serious=False)
    dev.pseudonymise(EXPIRED_AT, policy(Kind.lex_maria, 5))
    assert dev.seriousness.serious is False and dev.ivo_report is None


def test_empty_text_stays_empty_so_a_reader_can_tell_removed_from_never_written():
    dev = closed_case(Kind.klagomal, origin=Origin.citizen)
    assert dev.immediate_action is None
    dev.pseudonymise(EXPIRED_AT, policy(Kind.klagomal, 5))
    assert dev.immediate_action is None and dev.description == PSEUDONYMISED_TEXT
    assert pseudonymised_text("") == "" and pseudonymised_text("  ") == "  " and pseudonymised_text("x") == (
        PSEUDONYMISED_TEXT)


@pytest.mark.parametrize("origin", list(Origin))
def test_the_pseudonymised_event_carries_ids_classifications_and_dates_only(origin):
    kind = Kind.synpunkt if origin is Origin.citizen else Kind.avvikelse
    dev = closed_case(kind, origin=origin)
    dev.pseudonymise(EXPIRED_AT, d.retention_for(kind))
    [event] = dev.events
    assert event.type == d.PSEUDONYMISED == "se.ordning.deviation.pseudonymised.v1"
    assert event.subject == dev.id and event.tenant == "0138"
    assert event.data == {"deviation_id": dev.id, "kind": kind.value, "unit_id": "unit-1", "category_id": "cat-1",
                          "status": "closed", "origin": origin.value, "reported_at": REPORTED.isoformat(),
                          "closed_at": CLOSED.isoformat(), "pseudonymised_at": EXPIRED_AT.isoformat(),
                          "version": dev.version}
    assert event.sequence == dev.version
    assert not any(secret in json.dumps(event.data) for secret in SECRETS)


def test_a_policy_of_another_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        closed_case(Kind.avvikelse).pseudonymise(EXPIRED_AT, policy(Kind.klagomal, 5))


# ---------------------------------------------------------------------------
# A pseudonymised case is final
# ---------------------------------------------------------------------------

def pseudonymised() -> Deviation:
    dev = closed_case(Kind.lex_sarah)
    dev.pseudonymise(EXPIRED_AT, policy(Kind.lex_sarah, 5))
    dev.events.clear()
    return dev


@pytest.mark.parametrize("change", [
    lambda dev: dev.reopen("chef", EXPIRED_AT),
    lambda dev: dev.change_category("cat-2"),
    lambda dev: dev.reassign_unit("unit-2"),
    lambda dev: dev.decide_seriousness(False, "chef", EXPIRED_AT),
    lambda dev: dev.record_ivo_report(date(2031, 1, 1), "IVO 1"),
    lambda dev: dev.pseudonymise(EXPIRED_AT + timedelta(days=1), policy(Kind.lex_sarah, 5)),
], ids=["reopen", "change_category", "reassign_unit", "decide_seriousness", "record_ivo_report", "pseudonymise"])
def test_a_pseudonymised_case_refuses_every_change_with_a_clear_409(change):
    dev = pseudonymised()
    before = dict(vars(dev))
    with pytest.raises(CasePseudonymised) as raised:
        change(dev)
    assert raised.value.http_status == 409 and raised.value.code == "case_pseudonymised"
    assert "gallrat" in raised.value.message and "pseudonymised" in raised.value.message
    assert dict(vars(dev)) == before and not dev.events


def test_a_pseudonymised_case_offers_no_commands_and_its_closed_guard_names_the_reason():
    dev = pseudonymised()
    assert dev.allowed_commands() == []
    assert closed_case().allowed_commands() == [Command.reopen]
    with pytest.raises(CasePseudonymised):  # a subclass-free, distinct error, not "closed; reopen it first"
        dev._guard_not_closed()
    assert not issubclass(CasePseudonymised, CaseClosed)


# ---------------------------------------------------------------------------
# Improvement actions
# ---------------------------------------------------------------------------

def test_an_action_pseudonymised_keeps_status_and_dates_and_loses_its_text_and_owner():
    action = ImprovementAction.create(tenant="0138", origin_type="deviation", origin_id="dev-1", unit_id="unit-1",
                                      title="Halkskydd hos Anna Andersson", owner="erik",
                                      due_date=date(2024, 4, 1), description="Köp mattor till Anna",
                                      at=REPORTED)
    action.complete(REPORTED + timedelta(days=3), effect_followup="Följs upp med Anna i maj")
    action.events.clear()
    kept = (action.id, action.status, action.due_date, action.created_at, action.completed_at, action.unit_id,
            action.origin_id)
    action.pseudonymise()
    assert (action.id, action.status, action.due_date, action.created_at, action.completed_at, action.unit_id,
            action.origin_id) == kept
    assert action.status is ActionStatus.done
    assert (action.title, action.owner, action.description, action.effect_followup) == (PSEUDONYMISED_TEXT,) * 4
    assert action.version == 3 and not action.events

    empty = ImprovementAction.create(tenant="0138", origin_type="deviation", origin_id="dev-1", unit_id="u",
                                     title="t", owner="o", due_date=date(2024, 4, 1), at=REPORTED)
    empty.pseudonymise()
    assert empty.description == "" and empty.effect_followup == ""


# ---------------------------------------------------------------------------
# A case rejected at intake (spam, a duplicate) holds text too, and ends when rejected
# ---------------------------------------------------------------------------

def rejected_case(rejected_at: datetime = CLOSED) -> Deviation:
    dev = Deviation.report(tenant="0138", kind=Kind.klagomal, unit_id="unit-1", description=SECRETS[0],
                           reported_at=REPORTED, reported_by=SECRETS[6], category_id="cat-1")
    dev.reject(by="chef", at=rejected_at, reason="other", open_action_count=0, note=SECRETS[1])
    dev.events.clear()
    return dev


def test_a_rejected_case_expires_counted_from_its_rejection_and_loses_its_note():
    dev = rejected_case()
    ends = add_years(d.local_date(CLOSED), 5)
    assert dev.ended_at == CLOSED
    assert not dev.retention_expired(ends - timedelta(days=1), policy(Kind.klagomal, 5))
    assert dev.retention_expired(ends, policy(Kind.klagomal, 5))
    dev.pseudonymise(EXPIRED_AT, policy(Kind.klagomal, 5))
    assert (dev.description, dev.rejection.note, dev.reported_by) == (PSEUDONYMISED_TEXT, PSEUDONYMISED_TEXT, None)
    assert dev.rejection.reason is d.RejectionReason.other and dev.status is Status.rejected
    [event] = dev.events
    assert event.data["closed_at"] is None and not any(secret in json.dumps(event.data) for secret in SECRETS)
