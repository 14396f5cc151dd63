"""Rules, pure: matching an event, refusing what is not in the catalogue, and where their recipients are looked
for (the unit, its verksamhetsområde or förvaltning, a person the payload names)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ordning_notify import domain as d

T = "0138"
NOW = datetime(2026, 5, 12, 8, 30, tzinfo=timezone.utc)
REPORTED = "se.ordning.deviation.reported.v1"
# e1 (unit) < v (division) < f (administration) < n (board)
CHAIN = [("e1", "unit"), ("v", "division"), ("f", "administration"), ("n", "board")]


def reported(kind: str, unit="e1") -> dict:
    return {"deviation_id": "d1", "kind": kind, "unit_id": unit, "status": "reported"}


def defaults() -> dict[str, d.Rule]:
    return {rule.default_key: rule for rule in d.default_rules(T, NOW)}


def matching(event_type: str, data: dict) -> list[str]:
    return [key for key, rule in defaults().items() if rule.matches(event_type, data)]


@pytest.mark.parametrize("kind, rule", [("avvikelse", "case_reported"), ("klagomal", "case_reported"),
                                        ("synpunkt", "case_reported"), ("lex_sarah", "lex_sarah_reported"),
                                        ("lex_maria", "lex_maria_reported")])
def test_every_reported_case_matches_exactly_one_default_rule(kind, rule):
    assert matching(REPORTED, reported(kind)) == [rule]


def test_other_event_types_match_no_deviation_rule():
    assert matching("se.ordning.deviation.received.v1", reported("lex_sarah")) == []


def test_lex_sarah_looks_for_the_enhetschef_at_the_unit_and_the_chiefs_at_the_levels_above():
    people, lookups = d.recipient_lookups(defaults()["lex_sarah_reported"], reported("lex_sarah"), CHAIN)
    assert people == []
    assert lookups == [d.RoleLookup("enhetschef", "e1"), d.RoleLookup("verksamhetschef", "v"),
                       d.RoleLookup("forvaltningschef", "f")]


def test_a_level_missing_above_the_unit_starts_the_search_at_the_unit():
    # an enhet straight under its förvaltning: no verksamhetsområde, the nearest verksamhetschef above it is asked
    chain = [("e3", "unit"), ("f2", "administration"), ("n", "board")]
    _, lookups = d.recipient_lookups(defaults()["lex_sarah_reported"], reported("lex_sarah", "e3"), chain)
    assert [lookup.start_unit for lookup in lookups] == ["e3", "e3", "f2"]


def test_a_unit_the_org_tree_does_not_know_is_still_searched_from_itself():
    _, lookups = d.recipient_lookups(defaults()["lex_sarah_reported"], reported("lex_sarah", "x"), [])
    assert {lookup.start_unit for lookup in lookups} == {"x"}


def test_lex_maria_reaches_mas_and_mar_from_the_unit_upwards():
    _, lookups = d.recipient_lookups(defaults()["lex_maria_reported"], reported("lex_maria"), CHAIN)
    assert [(lookup.role, lookup.start_unit) for lookup in lookups] == [("enhetschef", "e1"), ("mas", "e1"),
                                                                        ("mar", "e1")]


def test_an_escalated_risk_reaches_the_forvaltningschef_of_the_receiving_level():
    rule = defaults()["risk_escalated"]
    data = {"risk_id": "r", "unit_id": "e1", "from_unit_id": "e1", "to_unit_id": "f"}
    assert rule.matches("se.ordning.risk.risk_escalated.v1", data)
    _, lookups = d.recipient_lookups(rule, data, [("f", "administration"), ("n", "board")])
    assert lookups == [d.RoleLookup("forvaltningschef", "f")]


def test_a_payload_recipient_is_the_person_named_and_nobody_without_one():
    rule = d.rule_from_fields(tenant=T, event_type="se.ordning.role.assigned.v1", notice_kind="case_reported",
                              recipients=[{"payload": "user_id"}])
    assert d.recipient_lookups(rule, {"user_id": "sub-1", "unit_id": "e1"}, CHAIN) == (["sub-1"], [])
    assert d.recipient_lookups(rule, {"user_id": None, "unit_id": "e1"}, CHAIN) == ([], [])
    assert d.recipient_lookups(rule, {"user_id": "  ", "unit_id": "e1"}, CHAIN) == ([], [])


def test_a_tenant_wide_recipient_is_looked_for_everywhere():
    rule = d.rule_from_fields(tenant=T, event_type=REPORTED, notice_kind="case_reported",
                              recipients=[{"role": "kvalitetsutvecklare", "at": "tenant"}])
    assert d.recipient_lookups(rule, reported("avvikelse"), CHAIN)[1] == [
        d.RoleLookup("kvalitetsutvecklare", None, tenant_wide=True)]


def test_conditions_all_hold_and_compare_types_strictly():
    rule = d.rule_from_fields(tenant=T, event_type="se.ordning.deviation.closed.v1", notice_kind="case_reported",
                              recipients=[{"role": "enhetschef"}],
                              conditions=[{"field": "serious", "in": [True]}, {"field": "kind", "in": ["lex_sarah"]}])
    closed = "se.ordning.deviation.closed.v1"
    assert rule.matches(closed, {"serious": True, "kind": "lex_sarah"})
    assert not rule.matches(closed, {"serious": 1, "kind": "lex_sarah"})  # 1 is no boolean
    assert not rule.matches(closed, {"serious": True, "kind": "avvikelse"})
    assert not rule.matches(closed, {"kind": "lex_sarah"})  # a field missing holds nothing
    rule.enabled = False
    assert not rule.matches(closed, {"serious": True, "kind": "lex_sarah"})


@pytest.mark.parametrize("parts, problem", [
    ({"event_type": "se.ordning.deviation.exploded.v1"}, d.UnknownEventType),
    ({"event_type": "x" * 10_000}, d.UnknownEventType),
    ({"recipients": [{"role": "kung"}]}, d.UnknownRole),
    ({"recipients": [{"role": "processagare"}]}, d.UnknownRole),  # a process role, held at no unit
    ({"recipients": []}, d.InvalidRule),
    ({"recipients": [{"payload": "deviation_id"}]}, d.InvalidRule),  # names no person
    ({"conditions": [{"field": "reporter_name", "in": ["x"]}]}, d.InvalidRule),
    ({"unit_field": "category_id"}, d.InvalidRule),
    ({"notice_kind": "gossip"}, d.InvalidRule),
])
def test_a_rule_with_an_unknown_part_is_refused(parts, problem):
    base = {"event_type": REPORTED, "notice_kind": "case_reported", "recipients": [{"role": "enhetschef"}]}
    with pytest.raises(problem) as refused:
        d.rule_from_fields(tenant=T, **{**base, **parts})
    document = refused.value.document()
    assert document["pointer"].startswith("/")
    for value in parts.values():  # where it is wrong is named, never the value (it may be anything)
        if isinstance(value, str):
            assert value not in repr(document)


def test_changing_a_rule_checks_it_whole_and_counts_the_version():
    rule = defaults()["case_reported"]
    changed = d.changed_rule(rule, enabled=False)
    assert (changed.id, changed.version, changed.enabled, changed.recipients) == (rule.id, 2, False, rule.recipients)
    with pytest.raises(d.UnknownRole):
        d.changed_rule(rule, recipients=[{"role": "kung"}])


def test_subjects_and_links_lead_to_the_owning_service_pages():
    assert d.subject_of(REPORTED, reported("lex_sarah"), "d1") == ("deviation", "d1")
    assert d.link_of("deviation", "d1", {}) == "/arenden/d1"
    action = {"action_id": "a1", "origin_type": "deviation", "origin_id": "d9"}
    assert d.subject_of("se.ordning.action.created.v1", action, "a1") == ("action", "a1")
    assert d.link_of("action", "a1", action) == "/arenden/d9"
    escalated = {"risk_id": "r1", "analysis_id": "an1"}
    assert d.subject_of("se.ordning.risk.risk_escalated.v1", escalated, "r1") == ("risk", "r1")
    assert d.subject_of("se.ordning.document.review_due.v1", {"document_id": "doc"}, "doc") == ("document", "doc")
