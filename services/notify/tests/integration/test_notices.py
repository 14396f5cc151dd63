"""Events give notices by the tenant's rules: a lex Sarah report reaches the enhetschef, verksamhetschef and
förvaltningschef of its unit once each; a person's inbox is their own."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from ordning_shared import events
from ordning_shared.actions import ImprovementAction

from .conftest import A, B, CHEF_E1, CHEF_EB, FCHEF_F, STAFF_E1, U, VCHEF_V, reported_event_body, role_event_body

pytestmark = pytest.mark.integration
N = "/api/v1/notices"


def test_a_lex_sarah_report_reaches_the_three_chiefs_of_its_unit_once_each(env):
    env.feed_roles()
    body = reported_event_body(A, "e1", "lex_sarah")
    assert env.feed(body) == "processed"
    assert env.feed(body) == "duplicate"
    given = env.notices_of(tenant=A)
    assert sorted((n.recipient, n.kind) for n in given) == [
        ("erik", "lex_sarah_reported"), ("frida", "lex_sarah_reported"), ("vera", "lex_sarah_reported")]
    for who in (CHEF_E1, VCHEF_V, FCHEF_F):
        page = env.client.get(N, headers=env.auth(*who)).get_json()
        assert [(n["kind"], n["unit_name"], n["read"]) for n in page["items"]] == [
            ("lex_sarah_reported", "enhet e1", False)]
        assert page["items"][0]["link"].startswith("/arenden/")
    assert env.client.get(N, headers=env.auth(*STAFF_E1)).get_json()["items"] == []


def test_an_ordinary_deviation_reaches_the_enhetschef_only(env):
    env.feed_roles()
    env.feed(reported_event_body(A, "e2", "avvikelse"))
    assert [(n.recipient, n.kind) for n in env.notices_of(tenant=A)] == [("eva", "case_reported")]


def test_a_person_marks_their_own_notices_read_and_nobody_elses(env):
    env.feed_roles()
    env.feed(reported_event_body(A, "e1", "lex_sarah"))
    env.feed(reported_event_body(A, "e1", "avvikelse"))
    erik, vera = env.auth(*CHEF_E1), env.auth(*VCHEF_V)
    assert env.client.get(f"{N}/count", headers=erik).get_json() == {"unread": 2, "total": 2}
    first = env.client.get(N, headers=erik).get_json()["items"][0]
    veras = env.client.get(N, headers=vera).get_json()["items"][0]
    assert env.client.post(f"{N}/{veras['id']}/read", headers=erik).status_code == 404
    assert env.client.get(f"{N}/{veras['id']}", headers=erik).status_code == 404
    marked = env.client.post(f"{N}/{first['id']}/read", headers=erik)
    assert marked.status_code == 200 and marked.get_json()["read"] is True
    assert env.client.get(f"{N}/count", headers=erik).get_json() == {"unread": 1, "total": 2}
    assert [n["id"] for n in env.client.get(f"{N}?state=read", headers=erik).get_json()["items"]] == [first["id"]]
    assert len(env.client.get(f"{N}?state=unread", headers=erik).get_json()["items"]) == 1
    everything = env.client.post(f"{N}/read-all", headers=erik).get_json()
    assert everything == {"marked": 1, "unread": 0, "total": 2}
    assert env.client.get(f"{N}/count", headers=vera).get_json() == {"unread": 1, "total": 1}


def test_tenant_b_sees_none_of_tenant_as_notices(env):
    env.feed_roles()
    env.feed(reported_event_body(A, "e1", "avvikelse"))
    env.feed(reported_event_body(B, "eb", "avvikelse"))
    erik_a = env.client.get(N, headers=env.auth(*CHEF_E1)).get_json()["items"]
    # the same subject in another tenant is another person
    erik_b = env.client.get(N, headers=env.auth(*CHEF_E1, tenant=B)).get_json()["items"]
    bert = env.client.get(N, headers=env.auth(*CHEF_EB, tenant=B)).get_json()["items"]
    assert len(erik_a) == 1 and erik_b == [] and len(bert) == 1
    assert env.client.get(f"{N}/{erik_a[0]['id']}", headers=env.auth(*CHEF_E1, tenant=B)).status_code == 404


def _event_body(event_type, tenant, service, subject, data) -> bytes:
    event = events.DomainEvent(type=event_type, tenant=tenant, subject=subject, data=data,
                               sequence=data.get("version", 1))
    return events.serialize(events.to_cloudevent(event, service))


def test_an_actions_owner_hears_of_it_when_it_is_created_and_when_it_is_given_to_another(env):
    action = ImprovementAction.create(tenant=A, origin_type="deviation", origin_id=U["e1"], unit_id=U["e1"],
                                      title="Dubbelkontroll", owner="anna", due_date=date(2026, 6, 1),
                                      at=datetime.now(timezone.utc))
    action.update(title="Dubbelkontroll vid delning")  # an edit is no assignment
    action.update(owner="Bertil Berg")  # a name, not a user id: nobody to tell
    action.update(owner="erik")
    for event in action.events:
        assert env.feed(_event_body(event.type, A, "deviations", action.id, event.data)) == "processed"
    given = env.notices_of(tenant=A)
    assert [(n.recipient, n.kind, n.subject_type, n.link) for n in given] == [
        ("anna", "action_assigned", "action", f"/arenden/{U['e1']}"),
        ("erik", "action_assigned", "action", f"/arenden/{U['e1']}")]


def test_an_escalated_risk_reaches_the_forvaltningschef_of_the_receiving_level(env):
    env.feed_roles()
    risk = "7f6e5d4c-3b2a-4190-8e7d-6c5b4a3f2e1d"
    data = {"risk_id": risk, "analysis_id": risk, "unit_id": U["e1"], "matrix_version": 1,
            "escalation_id": risk, "from_unit_id": U["e1"], "to_unit_id": U["f"],
            "escalated_at": "2026-05-12T08:30:00+00:00", "version": 3}
    env.feed(_event_body("se.ordning.risk.risk_escalated.v1", A, "risks", risk, data))
    assert [(n.recipient, n.kind, n.unit_id, n.link) for n in env.notices_of(tenant=A)] == [
        ("frida", "risk_escalated", U["f"], f"/risker/{risk}")]


def test_a_lex_maria_case_reaches_mas_held_at_the_forvaltning_above_the_unit(env):
    env.feed_roles()
    env.feed(reported_event_body(A, "e2", "lex_maria"))
    assert sorted((n.recipient, n.kind) for n in env.notices_of(tenant=A)) == [
        ("eva", "lex_maria_reported"), ("maja", "lex_maria_reported")]


def test_a_role_that_changed_hands_reaches_the_new_holder_and_nobody_without_one(env):
    env.feed_roles()
    assert env.feed(role_event_body(A, "erik", "enhetschef", "e1", version=2,
                                    ended_at="2026-01-01T00:00:00+00:00")) == "processed"
    env.feed(reported_event_body(A, "e1", "avvikelse"))
    # erik's assignment ended; no other enhetschef at e1, so the nearest above it (none at v, f, n): nobody
    assert env.notices_of(tenant=A) == []
    env.feed(role_event_body(A, "elin", "enhetschef", "e1"))
    env.feed(reported_event_body(A, "e1", "avvikelse"))
    assert [n.recipient for n in env.notices_of(tenant=A)] == ["elin"]
