"""The tenant's code lists in the domain (issue 14): the defaults are the lists the code always had, a tenant's
edit is checked whole, and the case's commands take the tenant's list (its active codes, the record's own code,
the needs_note and serious flags)."""
from __future__ import annotations

from datetime import date

import pytest

from ordning_deviations import code_lists as cls
from ordning_deviations import domain as d
from ordning_deviations.domain import Kind

from .test_lex_in_full import at, case


def entries(name: str) -> list[dict]:
    return [{"code": e.code, "label_sv": e.label_sv, "active": e.active, "needs_note": e.needs_note,
             "serious": e.serious} for e in cls.default_list(name).entries]


def test_the_defaults_are_the_lists_the_code_had_with_their_codes_labels_and_flags():
    lists = cls.defaults()
    assert tuple(lists) == cls.LIST_NAMES and len(lists) == 12
    assert {e.code: e.label_sv for e in lists["informing_methods"].entries} == d.INFORMING_METHODS
    assert {e.code: e.label_sv for e in lists["reclassification_reasons"].entries} == d.RECLASSIFICATION_REASONS
    assert {e.code: e.serious for e in lists["lex_maria_outcomes"].entries} == d.LEX_OUTCOMES[Kind.lex_maria]
    assert {e.code: e.label_sv for e in lists["contact_channels"].entries} == {
        c.value: label for c, label in d.CONTACT_CHANNEL_LABELS_SV.items()}
    assert [e.code for e in lists["not_informed_reasons"].entries if e.needs_note] == ["other"]
    assert not any(e.needs_note for e in lists["root_cause_categories"].entries)
    assert all(lst.version == 0 and lst.default for lst in lists.values())
    with pytest.raises(cls.UnknownCodeList):
        cls.default_list("favourite_colours")


def test_a_tenants_rows_make_its_list_in_their_order_and_a_retired_code_keeps_its_label():
    class Row:
        def __init__(self, code, label, active, position):
            self.list_name, self.code, self.label_sv, self.active, self.position = "analysis_methods", code, label, \
                active, position
            self.needs_note, self.serious = False, None

    lists = cls.code_lists([Row("other", "annan", False, 1), Row("mto", "MTO-analys", True, 0)],
                           {"analysis_methods": 3})
    methods = lists["analysis_methods"]
    assert [e.code for e in methods.entries] == ["mto", "other"] and methods.version == 3
    assert list(methods.choices()) == ["mto"] and list(methods.choices("other")) == ["mto", "other"]
    assert methods.label("other") == "annan" and methods.label(None) is None
    assert lists["informing_methods"].default  # the lists without rows stay the defaults


@pytest.mark.parametrize("change, message", [
    (lambda es: [], "minst en kod"),
    (lambda es: es + [dict(es[0])], "två gånger"),
    (lambda es: [{**es[0], "label_sv": " "}] + es[1:], "Benämningen saknas"),
    (lambda es: [{**es[0], "label_sv": "x" * 101}] + es[1:], "högst 100"),
    (lambda es: [{**es[0], "label_sv": "per\ttelefon"}] + es[1:], "styrtecken"),
    (lambda es: [{**es[0], "label_sv": "per\u202etelefon"}] + es[1:], "styrtecken"),
    (lambda es: [{**es[0], "code": "Per Telefon"}] + es[1:], "högst 40 tecken"),
    (lambda es: [{**es[0], "code": "x" * 41}] + es[1:], "högst 40 tecken"),
    (lambda es: es[1:], "tas aldrig bort"),
    (lambda es: [{**e, "active": False} for e in es], "minst en kod måste vara aktiv"),
    (lambda es: [{**es[0], "needs_note": True}] + es[1:], "needs_note gäller inte"),
    (lambda es: [{**es[0], "serious": False}] + es[1:], "serious gäller inte"),
])
def test_a_bad_edit_of_a_list_is_refused_naming_what_is_wrong(change, message):
    with pytest.raises(cls.InvalidCodeList) as refusal:
        cls.check_entries(cls.default_list("informing_methods"), change(entries("informing_methods")))
    assert message.lower() in refusal.value.sv.lower() and refusal.value.extra["errors"]["json"]


@pytest.mark.parametrize("serious", [True, False])
def test_an_outcome_list_keeps_an_active_serious_and_an_active_not_serious_outcome(serious):
    current = cls.default_list("lex_sarah_outcomes")
    with pytest.raises(cls.InvalidCodeList):
        cls.check_entries(current, [{**e, "serious": serious} for e in entries("lex_sarah_outcomes")])
    # retiring every outcome of one side is the same
    with pytest.raises(cls.InvalidCodeList):
        cls.check_entries(current, [{**e, "active": e["serious"] is serious} for e in entries("lex_sarah_outcomes")])
    with pytest.raises(cls.InvalidCodeList):
        cls.check_entries(current, [{**e, "serious": None} for e in entries("lex_sarah_outcomes")])


def test_a_good_edit_relabels_retires_and_adds():
    edited = entries("reclassification_reasons")
    edited[0]["label_sv"] = "  nya fakta  "
    edited[1]["active"] = False
    edited.append({"code": "ivo_begaran", "label_sv": "IVO begärde det", "needs_note": True})
    checked = cls.check_entries(cls.default_list("reclassification_reasons"), edited)
    assert checked.entries[0].label_sv == "nya fakta" and not checked.entries[1].active
    assert checked.entries[-1] == cls.Entry("ivo_begaran", "IVO begärde det", True, True, None)


def _choices(name: str, change) -> dict:
    current = cls.default_list(name)
    return cls.check_entries(current, change(entries(name))).choices()


def test_the_decision_takes_the_seriousness_of_the_tenants_outcome():
    outcomes = _choices("lex_sarah_outcomes", lambda es: [
        {**e, "serious": False} if e["code"] == "patagligt_risk_for_missforhallande" else e for e in es]
        + [{"code": "brist_i_tillsyn", "label_sv": "brist i tillsynen", "serious": True}])
    dev = case(Kind.lex_sarah)
    dev.decide_seriousness(None, "f", at(3), outcome="brist_i_tillsyn", motivering="Skäl", outcomes=outcomes)
    assert dev.seriousness.serious is True and dev.events[-1].data["serious"] is True
    dev.decide_seriousness(None, "f", at(4), outcome="patagligt_risk_for_missforhallande", motivering="Skäl",
                           outcomes=outcomes)
    assert dev.seriousness.serious is False and dev.events[-1].data["outcome"] == "patagligt_risk_for_missforhallande"
    with pytest.raises(d.InvalidOutcome):  # serious given must agree with the tenant's flag
        dev.decide_seriousness(False, "f", at(5), outcome="brist_i_tillsyn", motivering="Skäl", outcomes=outcomes)


def test_a_retired_informing_method_is_refused_and_a_tenants_reason_needs_its_note():
    lists = {"informing_methods": _choices("informing_methods", lambda es: [
                 {**e, "active": e["code"] != "letter"} for e in es] + [{"code": "sms", "label_sv": "per sms"}]),
             "not_informed_reasons": _choices("not_informed_reasons", lambda es: [
                 {**e, "needs_note": e["code"] in ("other", "unable")} for e in es])}
    dev = case(Kind.lex_maria)
    with pytest.raises(d.InvalidInforming):
        dev.record_informing("k", at(3), informed_on=date(2026, 3, 2), method="letter", recipient="narstaende",
                             lists=lists)
    dev.record_informing("k", at(3), informed_on=date(2026, 3, 2), method="sms", recipient="narstaende", lists=lists)
    assert dev.informing.method == "sms" and dev.events[-1].data["method"] == "sms"
    with pytest.raises(d.InvalidInforming):
        dev.record_informing("k", at(3), not_informed_reason="unable", lists=lists)
    dev.record_informing("k", at(3), not_informed_reason="unable", note="Dement", lists=lists)
    assert dev.informing.not_informed_reason == "unable"


def test_a_tenants_own_codes_of_the_ivo_steps_and_complaints_are_plain_codes_in_events():
    categories = _choices("root_cause_categories", lambda es: es + [{"code": "natt", "label_sv": "natten"}])
    dev = case(Kind.lex_maria)
    dev.record_event_analysis("handelseanalys", [], [{"category": "natt", "text": "Ensam nattpersonal"}],
                              date(2026, 3, 2), today=date(2026, 3, 2), categories=categories)
    assert dev.event_analysis.root_causes[0].category == "natt"
    assert dev.events[-1].data["root_cause_categories"] == ["natt"]
    with pytest.raises(d.InvalidIvoStep):
        dev.record_event_analysis("handelseanalys", [], [{"category": "dag", "text": "x"}], None,
                                  today=date(2026, 3, 2), categories=categories)
    # a default code stays its enum member (the code that had them keeps working)
    dev.record_event_analysis("handelseanalys", [], [{"category": "routines", "text": "x"}], None,
                              today=date(2026, 3, 2), categories=categories)
    assert dev.event_analysis.root_causes[0].category is d.RootCauseCategory.routines

    channels = _choices("contact_channels", lambda es: [{**e, "active": e["code"] != "visit"} for e in es]
                        + [{"code": "sms", "label_sv": "sms"}])
    complaint = case(Kind.klagomal)
    with pytest.raises(d.InvalidInput):
        complaint.record_complainant("narstaende", "visit", at(3), channels=channels)
    complaint.record_complainant("narstaende", "sms", at(3), channels=channels)
    assert complaint.complaint_channel == "sms" and complaint.events[-1].data["channel"] == "sms"
