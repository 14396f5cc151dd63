"""Events give notices by the tenant's rules: a lex Sarah report reaches the enhetschef, verksamhetschef and
förvaltningschef of its unit once each; a person's inbox is their own."""
from __future__ import annotations

import pytest

from .conftest import A, B, CHEF_E1, CHEF_EB, FCHEF_F, STAFF_E1, VCHEF_V, reported_event_body

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
