"""The rules API: administrators and kvalitetsutvecklare read and change their tenant's rules (ETag/If-Match,
Idempotency-Key); bad input is a 4xx problem with nothing stored; another tenant's rules are not there."""
from __future__ import annotations

import pytest

from .conftest import ADMIN, ADMIN_B, B, CHEF_E1, FCHEF_F, KVAL_N, STAFF_E1, reported_event_body

pytestmark = pytest.mark.integration
R = "/api/v1/notification-rules"
MAS_RULE = {"event_type": "se.ordning.deviation.closed.v1", "notice_kind": "case_reported",
            "conditions": [{"field": "serious", "in": [True]}],
            "recipients": [{"role": "mas", "at": "unit"}, {"role": "kvalitetsutvecklare", "at": "tenant"}]}


def test_a_tenant_starts_with_the_default_rules(env):
    rules = env.client.get(R, headers=env.auth(*ADMIN)).get_json()["items"]
    assert {rule["default_key"] for rule in rules} >= {"case_reported", "lex_sarah_reported", "lex_maria_reported",
                                                        "risk_escalated"}
    sarah = next(rule for rule in rules if rule["default_key"] == "lex_sarah_reported")
    assert sarah["conditions"] == [{"field": "kind", "in": ["lex_sarah"]}]
    assert sarah["recipients"] == [{"role": "enhetschef", "at": "unit"},
                                   {"role": "verksamhetschef", "at": "verksamhetsomrade"},
                                   {"role": "forvaltningschef", "at": "forvaltning"}]
    assert sarah["notice_kind_label"] == "Ny lex Sarah-rapport"
    # seeded once: a second look, and an event, add none
    env.feed(reported_event_body("0138", "e1"))
    assert len(env.client.get(R, headers=env.auth(*KVAL_N)).get_json()["items"]) == len(rules)


def test_an_admin_creates_changes_and_deletes_a_rule_with_etags_and_idempotency(env):
    admin = env.auth(*ADMIN, **{"Idempotency-Key": "rule-1"})
    created = env.client.post(R, json=MAS_RULE, headers=admin)
    again = env.client.post(R, json=MAS_RULE, headers=admin)
    assert created.status_code == again.status_code == 201
    rule = created.get_json()
    assert again.get_json()["id"] == rule["id"] and rule["default_key"] is None and rule["version"] == 1
    assert created.headers["Location"].endswith(rule["id"])
    path, headers = f"{R}/{rule['id']}", env.auth(*ADMIN)
    tag = env.etag(path, headers)
    assert env.client.patch(path, json={"enabled": False}, headers=headers).status_code == 428
    changed = env.client.patch(path, json={"enabled": False}, headers={**headers, "If-Match": tag})
    assert changed.status_code == 200 and changed.get_json()["enabled"] is False and changed.get_json()["version"] == 2
    stale = env.client.patch(path, json={"enabled": True}, headers={**headers, "If-Match": tag})
    assert stale.status_code == 412
    assert env.client.delete(path, headers={**headers, "If-Match": tag}).status_code == 412
    assert env.client.delete(path, headers={**headers, "If-Match": changed.headers["ETag"]}).status_code == 204
    assert env.client.get(path, headers=headers).status_code == 404


def test_a_rule_made_through_the_api_gives_notices(env):
    env.feed_roles()
    assert env.client.post(R, json={"event_type": "se.ordning.deviation.reported.v1", "notice_kind": "case_reported",
                                    "conditions": [{"field": "kind", "in": ["lex_sarah"]}],
                                    "recipients": [{"role": "mas"}]}, headers=env.auth(*ADMIN)).status_code == 201
    env.feed(reported_event_body("0138", "e1", "lex_sarah"))
    # maja (MAS at the förvaltning, the nearest above e1) hears of it by the new rule; the three chiefs by the default
    assert sorted((n.recipient, n.kind) for n in env.notices_of()) == [
        ("erik", "lex_sarah_reported"), ("frida", "lex_sarah_reported"), ("maja", "case_reported"),
        ("vera", "lex_sarah_reported")]


@pytest.mark.parametrize("who", [STAFF_E1, CHEF_E1, FCHEF_F])
def test_who_is_not_an_administrator_or_kvalitetsutvecklare_cannot_read_or_edit_rules(env, who):
    before = env.counts()
    headers = env.auth(*who)
    assert env.client.get(R, headers=headers).status_code == 403
    answer = env.client.post(R, json=MAS_RULE, headers=headers)
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    rule = env.client.get(R, headers=env.auth(*ADMIN)).get_json()["items"][0]
    path = f"{R}/{rule['id']}"
    tag = env.etag(path, env.auth(*ADMIN))
    assert env.client.patch(path, json={"enabled": False}, headers={**headers, "If-Match": tag}).status_code == 403
    assert env.client.delete(path, headers={**headers, "If-Match": tag}).status_code == 403
    assert env.client.get(path, headers=env.auth(*ADMIN)).get_json()["enabled"] is True
    assert env.counts() == before


BAD_RULES = [
    ({**MAS_RULE, "event_type": "se.ordning.deviation.exploded.v1"}, 422, "unknown_event_type"),
    ({**MAS_RULE, "event_type": "se.ordning." + "x" * 200}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "recipients": [{"role": "kung"}]}, 422, "unknown_role"),
    ({**MAS_RULE, "recipients": [{"role": "enhetschef", "at": "universum"}]}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "recipients": [{"role": "enhetschef", "payload": "owner_id"}]}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "recipients": []}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "recipients": [{"role": "mas"}] * 11}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "surprise": 1}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "recipients": [{"role": "mas", "email": "a@b.se"}]}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "conditions": [{"field": "kind", "in": ["x" * 101]}]}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "conditions": [{"field": "kind", "in": ["Anna Andersson"]}]}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "conditions": [{"field": "kind", "in": [""]}]}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "conditions": [{"field": "kind", "in": [{"nested": 1}]}]}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "conditions": [{"field": "kind", "in": [10 ** 30]}]}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "conditions": [{"field": "kind", "in": list(range(21))}]}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "conditions": [{"field": "reporter", "in": ["x"]}]}, 422, "invalid_rule"),
    ({**MAS_RULE, "conditions": [{"field": "Kind; DROP TABLE", "in": ["x"]}]}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "notice_kind": "gossip"}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "unit_field": "category_id"}, 422, "invalid_rule"),
    ({**MAS_RULE, "enabled": "yes"}, 422, "unprocessable_entity"),
    ({**MAS_RULE, "event_type": "se.ordning.deviation.closed.v1\u0000"}, 422, "unknown_event_type"),
    ([MAS_RULE], 422, "unprocessable_entity"),
    ("lex sarah", 422, "unprocessable_entity"),
]


@pytest.mark.parametrize("body, status, code", BAD_RULES)
def test_a_bad_rule_is_refused_with_a_problem_and_nothing_is_stored(env, body, status, code):
    headers = env.auth(*ADMIN)
    env.client.get(R, headers=headers)  # seeded first, so a refusal is seen to add nothing
    before = env.counts()
    answer = env.client.post(R, json=body, headers={**headers, "Idempotency-Key": "bad"})
    assert (answer.status_code, answer.get_json().get("code")) == (status, code), answer.get_json()
    assert answer.mimetype == "application/problem+json"
    assert len(answer.get_data()) < 4000  # a huge value is not echoed back
    assert env.counts() == before


def test_a_change_to_an_unknown_role_is_refused_and_the_rule_stays(env):
    headers = env.auth(*ADMIN)
    rule = env.client.get(R, headers=headers).get_json()["items"][0]
    path = f"{R}/{rule['id']}"
    tag = env.etag(path, headers)
    before = env.counts()
    for body, code in (({"recipients": [{"role": "kung"}]}, "unknown_role"),
                       ({"event_type": "se.ordning.nothing.v1"}, "unknown_event_type"),
                       ({}, "unprocessable_entity"), ({"version": 9}, "unprocessable_entity")):
        answer = env.client.patch(path, json=body, headers={**headers, "If-Match": tag})
        assert (answer.status_code, answer.get_json()["code"]) == (422, code)
    assert env.counts() == before and env.client.get(path, headers=headers).get_json() == rule


def test_huge_and_garbage_bodies_are_refused(env):
    headers = env.auth(*ADMIN)
    before = env.counts()
    huge = env.client.post(R, json={**MAS_RULE, "event_type": "x" * 200_000}, headers=headers)
    assert huge.status_code == 413
    garbage = env.client.post(R, data=b"\xff\xfe{not json", headers={**headers, "Content-Type": "application/json"})
    assert garbage.status_code == 400 and garbage.mimetype == "application/problem+json"
    assert env.client.get(f"{R}/not-a-uuid", headers=headers).status_code == 404
    assert env.counts() == before


def test_tenant_b_does_not_see_or_change_tenant_as_rules(env):
    a_rules = env.client.get(R, headers=env.auth(*ADMIN)).get_json()["items"]
    created = env.client.post(R, json=MAS_RULE, headers=env.auth(*ADMIN)).get_json()
    b_headers = env.auth(*ADMIN_B, tenant=B)
    b_rules = env.client.get(R, headers=b_headers).get_json()["items"]
    assert not {rule["id"] for rule in b_rules} & ({rule["id"] for rule in a_rules} | {created["id"]})
    path = f"{R}/{created['id']}"
    assert env.client.get(path, headers=b_headers).status_code == 404
    tag = env.etag(path, env.auth(*ADMIN))
    assert env.client.patch(path, json={"enabled": False}, headers={**b_headers, "If-Match": tag}).status_code == 404
    assert env.client.delete(path, headers={**b_headers, "If-Match": tag}).status_code == 404
    assert env.client.get(path, headers=env.auth(*ADMIN)).get_json()["enabled"] is True
