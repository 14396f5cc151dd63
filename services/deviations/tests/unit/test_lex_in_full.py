"""Issue 14 in the domain: which reclassifications are allowed, what they remove, the outcome lists and `serious`,
jäv, the informing's rules, and gallring of the new text and people."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from ordning_deviations import domain as d
from ordning_deviations.domain import Kind, Origin

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def case(kind=Kind.avvikelse, origin=Origin.staff, reporter="anna") -> d.Deviation:
    dev = d.Deviation.report(tenant="0138", kind=kind, unit_id="u1", description="x", reported_at=T0,
                             reported_by=reporter if origin is Origin.staff else None, origin=origin)
    dev.receive("chef", at(1))
    dev.start_investigation("chef", at(2))
    return dev


A, SARAH, MARIA, K = Kind.avvikelse, Kind.lex_sarah, Kind.lex_maria, Kind.klagomal
EXPECTED = {(A, SARAH), (A, MARIA), (K, SARAH), (K, MARIA), (SARAH, A), (SARAH, K), (SARAH, MARIA), (MARIA, A),
            (MARIA, K), (MARIA, SARAH)}


@pytest.mark.parametrize("source", list(Kind))
@pytest.mark.parametrize("target", list(Kind))
def test_the_allowed_reclassifications_are_exactly_the_table(source, target):
    dev = case(source)
    if (source, target) in EXPECTED:
        dev.reclassify(target, "new_facts", by="k", at=at(3), policy=d.DEFAULT_DEADLINES[target])
        assert dev.kind is target and dev.reclassification.previous_kind is source
        assert dev.status is d.Status.investigating and dev.version == 4
    else:
        with pytest.raises(d.ReclassificationNotAllowed):
            dev.reclassify(target, "new_facts", by="k", at=at(3), policy=d.DEFAULT_DEADLINES[target])
        assert dev.kind is source and dev.version == 3


def test_the_new_deadlines_count_from_the_reclassification_in_working_days():
    dev = case(Kind.klagomal)
    friday = datetime(2026, 3, 6, 12, tzinfo=timezone.utc)
    policy = d.DeadlinePolicy(Kind.lex_sarah, receipt_days=1, investigation_days=5, ivo_report_days=2)
    dev.reclassify(Kind.lex_sarah, "investigation_finding", by="k", at=friday, policy=policy)
    # the IVO deadline ("snarast") runs from the seriousness decision, in calendar days (issue 14 item 4)
    assert (dev.receipt_due, dev.investigation_due, dev.ivo_due) == (date(2026, 3, 9), date(2026, 3, 13), None)


def test_a_citizens_case_becomes_lex_and_back_but_never_an_avvikelse_and_other_needs_a_note():
    dev = case(Kind.klagomal, origin=Origin.citizen)
    with pytest.raises(d.InvalidReclassification):
        dev.reclassify(Kind.lex_maria, "other", by="k", at=at(3), policy=d.DEFAULT_DEADLINES[Kind.lex_maria])
    with pytest.raises(d.InvalidReclassification):
        dev.reclassify(Kind.lex_maria, "because", by="k", at=at(3), policy=d.DEFAULT_DEADLINES[Kind.lex_maria])
    dev.reclassify(Kind.lex_maria, "other", by="k", at=at(3), policy=d.DEFAULT_DEADLINES[Kind.lex_maria],
                   note="Anhörig ringde")
    with pytest.raises(d.ReclassificationNotAllowed):
        dev.reclassify(Kind.avvikelse, "new_facts", by="k", at=at(3), policy=d.DEFAULT_DEADLINES[Kind.avvikelse])
    dev.reclassify(Kind.klagomal, "new_facts", by="k", at=at(4), policy=d.DEFAULT_DEADLINES[Kind.klagomal])
    assert dev.kind is Kind.klagomal and dev.ivo_due is None and dev.origin is Origin.citizen


@pytest.mark.parametrize("kind", sorted(d.LEX_KINDS))
def test_serious_follows_from_the_outcome_and_the_other_list_is_refused(kind):
    other = Kind.lex_maria if kind is Kind.lex_sarah else Kind.lex_sarah
    for outcome, serious in d.LEX_OUTCOMES[kind].items():
        dev = case(kind)
        dev.decide_seriousness(None, "chef-2", at(3), outcome=outcome, motivering="Skäl", delegation_reference="p. 4")
        assert (dev.seriousness.serious, dev.seriousness.outcome) == (serious, outcome)
        assert dev.events[-1].data["outcome"] == outcome and dev.events[-1].data["serious"] is serious
    dev = case(kind)
    for outcome in d.LEX_OUTCOMES[other]:
        with pytest.raises(d.InvalidOutcome):
            dev.decide_seriousness(None, "chef-2", at(3), outcome=outcome, motivering="Skäl")
    with pytest.raises(d.InvalidOutcome):  # serious given as well must agree
        dev.decide_seriousness(False, "chef-2", at(3), outcome=next(o for o, s in d.LEX_OUTCOMES[kind].items() if s),
                               motivering="Skäl")
    with pytest.raises(d.InvalidOutcome):
        dev.decide_seriousness(None, "chef-2", at(3), outcome=next(iter(d.LEX_OUTCOMES[kind])), motivering=" ")
    assert dev.seriousness is None


def test_the_reporter_and_the_involved_staff_are_disqualified():
    dev = case(Kind.lex_sarah, reporter="frida")
    dev.name_involved_staff(["olle", " olle ", "per"])
    assert dev.involved_staff == ("olle", "per")
    for who in ("frida", "olle", "per"):
        with pytest.raises(d.Disqualified) as refused:
            dev.decide_seriousness(None, who, at(3), outcome="missforhallande", motivering="Skäl")
        assert refused.value.http_status == 403
    assert dev.seriousness is None
    dev.decide_seriousness(None, "fredrik", at(3), outcome="missforhallande", motivering="Skäl")
    assert dev.seriousness.decided_by == "fredrik"


def test_leaving_lex_removes_the_decision_and_the_informing_and_changing_law_keeps_the_informing():
    dev = case(Kind.lex_sarah)
    dev.decide_seriousness(None, "f", at(3), outcome="inte_missforhallande", motivering="Skäl")
    dev.record_informing("k", at(3), not_informed_reason="declined")
    dev.reclassify(Kind.lex_maria, "wrong_kind_reported", by="k", at=at(4), policy=d.DEFAULT_DEADLINES[Kind.lex_maria])
    assert dev.seriousness is None and dev.informing is not None
    assert (dev.events[-1].data["seriousness_cleared"], dev.events[-1].data["informing_cleared"]) == (True, False)
    dev.reclassify(Kind.avvikelse, "new_facts", by="k", at=at(4), policy=d.DEFAULT_DEADLINES[Kind.avvikelse])
    assert dev.informing is None and dev.events[-1].data["informing_cleared"] is True


def test_the_informing_is_one_answer_or_the_other_within_its_days():
    dev = case(Kind.lex_maria)
    refused = [
        {"informed_on": date(2026, 3, 2), "method": "phone", "recipient": "narstaende",
         "not_informed_reason": "declined"},
        {"informed_on": date(2026, 3, 3), "method": "phone", "recipient": "narstaende"},  # tomorrow at at(3)
        {"informed_on": date(2026, 3, 1), "method": "phone", "recipient": "narstaende"},  # before the report
        {"informed_on": date(2026, 3, 2), "method": "pigeon", "recipient": "narstaende"},
        {"informed_on": date(2026, 3, 2), "method": "phone", "recipient": "neighbour"},
        {"not_informed_reason": "other"},
        {"not_informed_reason": "forgot"},
        {},
    ]
    for fields in refused:
        with pytest.raises(d.InvalidInforming):
            dev.record_informing("k", at(3), **fields)
    assert dev.informing is None
    dev.record_informing("k", at(3), informed_on=date(2026, 3, 2), method="in_person", recipient="person_concerned",
                         view="Hon vill byta enhet")
    assert dev.informing.informed and dev.informing.view == "Hon vill byta enhet"
    assert "Hon vill byta enhet" not in str(dev.events[-1].data)
    with pytest.raises(d.InformingNotApplicable):
        case(Kind.avvikelse).record_informing("k", at(3), not_informed_reason="declined")


def test_closing_waits_for_the_informing_only_where_the_policy_requires_it():
    dev = case(Kind.lex_maria)
    dev.decide_seriousness(None, "m", at(3), outcome="ingen_vardskada", motivering="Skäl")
    dev.investigation.what_happened = dev.investigation.why = dev.investigation.what_must_change = "x"
    dev.complete_investigation("k", at(4))
    dev.informing_required = True
    allowed, blocked = dev.command_options()
    assert d.Command.close not in allowed and [(b.command, b.code) for b in blocked] == [(d.Command.close,
                                                                                          "informing_required")]
    dev.informing_required = False
    assert d.Command.close in dev.allowed_commands()


def test_gallring_removes_the_new_text_and_people_and_keeps_the_codes():
    dev = case(Kind.lex_sarah)
    dev.reclassify(Kind.lex_maria, "other", by="k", at=at(3), policy=d.DEFAULT_DEADLINES[Kind.lex_maria],
                   note="Anhörig ringde")
    dev.decide_seriousness(None, "m", at(3), outcome="vardskada", motivering="Skäl nog", delegation_reference="p. 4")
    dev.record_informing("k", at(3), not_informed_reason="other", note="Utomlands")
    dev.name_involved_staff(["olle"])
    dev.investigation.what_happened = dev.investigation.why = dev.investigation.what_must_change = "x"
    dev.complete_investigation("k", at(4))
    dev.informing_required = True
    dev.close("k", at(5), open_action_count=0)
    dev.pseudonymise(at(24 * 366 * 6), d.retention_for(dev.kind))
    assert dev.seriousness.outcome == "vardskada" and dev.seriousness.motivering == d.PSEUDONYMISED_TEXT
    assert dev.informing.not_informed_reason == "other" and dev.informing.note == d.PSEUDONYMISED_TEXT
    assert dev.informing.recorded_by is None and dev.reclassification.by is None
    assert dev.reclassification.note == d.PSEUDONYMISED_TEXT and dev.involved_staff == ()


def test_a_lex_policy_refuses_what_is_no_delegation():
    for roles, level, reference in ((frozenset(), "administration", "p. 1"),
                                    (frozenset({"medarbetare"}), "administration", "p. 1"),
                                    (frozenset({"mas"}), "planet", "p. 1"), (frozenset({"mas"}), None, " ")):
        with pytest.raises(d.InvalidSetting):
            d.LexPolicy(Kind.lex_maria, roles, level, reference)
    with pytest.raises(d.InvalidSetting):
        d.LexPolicy(Kind.avvikelse, frozenset({"mas"}), None, "p. 1")
    assert d.lex_policy_for(Kind.lex_sarah).decider_roles == {"forvaltningschef"}
    assert d.lex_policy_for(Kind.avvikelse) is None
