"""The classification beside the category (classification.py), as plain Python: the händelsetyper as defaults overlaid
by a tenant's rows, the consequence scale of a matrix version, and the commands on a case with their events."""
from __future__ import annotations

from collections import namedtuple
from datetime import datetime, timezone

import pytest

from ordning_deviations import classification as cl
from ordning_deviations import domain as d

Row = namedtuple("Row", "code label retired version")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def case() -> d.Deviation:
    return d.Deviation.report(tenant="0138", kind=d.Kind.avvikelse, unit_id="unit-1", description="Föll",
                              reported_at=T0, reported_by="anna")


def test_the_common_terms_are_every_tenants_defaults_in_their_order():
    listed = cl.event_types([])
    assert [t.code for t in listed] == list(cl.DEFAULT_EVENT_TYPE_CODES)
    assert {"fall", "lakemedel", "vard_och_behandling", "bemotande", "informationsoverforing", "dokumentation",
            "hot_och_vald", "medicinteknisk_produkt", "smitta_hygien", "kost_nutrition", "tvang_begransning",
            "forsvunnen_avvikit", "ovrigt"} == set(cl.DEFAULT_EVENT_TYPE_CODES)
    assert all(t.default and t.version == 0 and not t.retired for t in listed)
    assert all(cl.EVENT_TYPE_CODE.match(code) for code in cl.DEFAULT_EVENT_TYPE_CODES)


def test_a_tenants_rows_rename_and_retire_defaults_and_add_its_own_after_them():
    rows = [Row("fall", "Fallolycka", False, 1), Row("ovrigt", "Övrigt", True, 2), Row("trycksar", "Trycksår", False, 1),
            Row("aaa_egen", "Annat eget", False, 1)]
    listed = cl.event_types(rows)
    assert listed[0] == cl.EventType("fall", "Fallolycka", False, False, 1)
    assert [t.code for t in listed[-2:]] == ["aaa_egen", "trycksar"]  # the tenant's own, by label
    assert cl.event_type_of(rows, "ovrigt").retired is True


def test_a_retired_or_unknown_type_is_refused_unless_the_case_has_it_already():
    rows = [Row("fall", "Fall", True, 1)]
    for code in ("fall", "okand"):
        with pytest.raises(cl.UnknownEventType):
            cl.require_event_type(rows, code)
    assert cl.require_event_type(rows, "fall", current="fall") == "fall"
    assert cl.require_event_type(rows, "lakemedel") == "lakemedel"
    assert cl.require_event_type(rows, "  ") is None and cl.require_event_type(rows, None) is None


@pytest.mark.parametrize("label, code", [("Hot och våld", "hot_och_vald"), ("Trycksår", "trycksar"),
                                         ("  Fall -- ute!  ", "fall_ute"), ("3 steg", "typ_3_steg"),
                                         ("Ö" * 60, "o" * 40)])
def test_a_code_is_made_from_a_label(label, code):
    assert cl.code_of(label) == code and cl.check_event_type_code(code) == code


@pytest.mark.parametrize("code", ["", "Fall", "hot och våld", "1fall", "a" * 41, None, 3])
def test_a_code_that_is_not_one_is_refused(code):
    with pytest.raises(cl.InvalidEventType):
        cl.check_event_type_code(code)


def test_the_scale_of_a_matrix_version_and_its_labels():
    assert cl.DEFAULT_SCALE.labels == ("Mindre", "Måttlig", "Betydande", "Katastrofal")
    assert cl.DEFAULT_SCALE.label(3) == "Betydande" and cl.DEFAULT_SCALE.label(5) is None
    wide = cl.scale_of(2, [{"value": n, "label": f"K{n}"} for n in range(1, 6)])
    assert (wide.version, wide.labels, wide.default) == (2, ("K1", "K2", "K3", "K4", "K5"), False)
    assert wide.steps()[4] == {"value": 5, "label": "K5"}
    for bad in (None, [], [{"value": 1}, {"value": 2}], [{"value": n} for n in (1, 3, 2)],
                [{"value": n} for n in range(1, 7)], ["Mindre", "Måttlig", "Betydande"]):
        assert cl.scale_of(2, bad) is None


def test_the_commands_change_the_case_with_events_of_codes_and_numbers():
    dev = case()
    cl.change_event_type(dev, "fall")
    cl.change_event_type(dev, "fall")  # the same again: nothing
    cl.score_consequence(dev, 4, cl.DEFAULT_SCALE)
    cl.change_place(dev, "place-1")
    cl.score_consequence(dev, None, cl.DEFAULT_SCALE)
    assert [e.type for e in dev.events[1:]] == [d.EVENT_TYPE_CHANGED, d.CONSEQUENCE_SCORED, d.PLACE_CHANGED,
                                                d.CONSEQUENCE_SCORED]
    assert dev.events[2].data["consequence_score"] == 4 and dev.events[2].data["matrix_version"] == 1
    assert dev.events[4].data["consequence_score"] is None and dev.events[4].data["matrix_version"] is None
    assert (dev.event_type, dev.place_id, dev.consequence_score, dev.version) == ("fall", "place-1", None, 5)


@pytest.mark.parametrize("score", [0, 5, -1, True, 2.5, "3"])
def test_a_score_off_the_scale_is_refused_and_changes_nothing(score):
    dev = case()
    with pytest.raises(cl.InvalidConsequenceScore):
        cl.score_consequence(dev, score, cl.DEFAULT_SCALE)
    assert dev.consequence_score is None and len(dev.events) == 1


def test_a_closed_or_rejected_case_is_not_classified():
    dev = case()
    dev.reject("chef", T0, d.RejectionReason.spam, open_action_count=0)
    for change in (lambda: cl.change_event_type(dev, "fall"), lambda: cl.change_place(dev, "p"),
                   lambda: cl.score_consequence(dev, 1, cl.DEFAULT_SCALE)):
        with pytest.raises(d.CaseClosed):
            change()


def test_the_report_names_the_type_and_place_in_its_event():
    dev = d.Deviation.report(tenant="0138", kind=d.Kind.avvikelse, unit_id="unit-1", description="Föll",
                             reported_at=T0, reported_by="anna", event_type="fall", place_id="place-1")
    assert (dev.events[0].data["event_type"], dev.events[0].data["place_id"]) == ("fall", "place-1")
    assert case().events[0].data["event_type"] is None
