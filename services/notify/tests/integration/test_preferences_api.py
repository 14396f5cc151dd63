"""A person's notice preferences through the API: their own only, with If-Match, the address from their sign-in
or given by them; bad input refused with nothing stored and without the address in the answer."""
from __future__ import annotations

import pytest
from ordning_shared.notice_kinds import NOTICE_KINDS

from .conftest import B, CHEF_E1, STAFF_E1, VCHEF_V

pytestmark = pytest.mark.integration
P = "/api/v1/notification-preferences"
FIRST = '"notification-preferences.0"'


def test_before_saving_a_person_has_the_defaults_and_no_mail(env):
    answer = env.client.get(P, headers=env.auth(*CHEF_E1, email="erik.berg@tyreso.se"))
    assert answer.status_code == 200 and answer.headers["ETag"] == FIRST
    body = answer.get_json()
    assert body["address"] is None and body["address_source"] is None and body["mail"] is False
    assert body["sign_in_address"] == "erik.berg@tyreso.se"  # offered, not yet used
    assert body["kinds"] == {kind: "immediate" for kind in NOTICE_KINDS}
    assert body["kind_labels"]["lex_sarah_reported"] == "Ny lex Sarah-rapport"
    assert (body["digest_hour"], body["version"]) == (7, 0)
    assert env.client.get(P, headers=env.auth(*CHEF_E1)).get_json()["sign_in_address"] is None


def test_saving_without_an_address_takes_the_sign_ins_and_a_given_one_wins(env):
    erik = env.auth(*CHEF_E1, email="erik.berg@tyreso.se", **{"If-Match": FIRST})
    saved = env.client.put(P, headers=erik, json={"kinds": {"case_reported": "digest", "action_assigned": "off"},
                                                  "digest_hour": 16})
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert (body["address"], body["address_source"], body["mail"]) == ("erik.berg@tyreso.se", "token", True)
    assert body["kinds"]["case_reported"] == "digest" and body["kinds"]["action_assigned"] == "off"
    assert body["kinds"]["lex_sarah_reported"] == "immediate"  # left out: at once
    assert (body["digest_hour"], body["version"]) == (16, 1)
    etag = saved.headers["ETag"]
    assert etag == '"notification-preferences.1"'
    assert env.client.get(P, headers=env.auth(*CHEF_E1)).get_json() == {**body, "sign_in_address": None}

    given = env.client.put(P, headers=env.auth(*CHEF_E1, email="erik.berg@tyreso.se", **{"If-Match": etag}),
                           json={"address": "erik.privat@example.se"})
    assert given.status_code == 200
    assert (given.get_json()["address"], given.get_json()["address_source"]) == ("erik.privat@example.se", "given")
    assert given.get_json()["kinds"]["case_reported"] == "immediate"  # the whole is replaced
    # no address anywhere: nothing to send to
    none = env.client.put(P, headers=env.auth(*CHEF_E1, **{"If-Match": given.headers["ETag"]}), json={})
    assert none.status_code == 200 and none.get_json()["address"] is None and none.get_json()["mail"] is False


def test_a_change_needs_the_etag_read_last(env):
    erik = env.auth(*CHEF_E1)
    body = {"address": "erik.berg@tyreso.se"}
    assert env.client.put(P, headers=erik, json=body).status_code == 428
    assert env.client.put(P, headers={**erik, "If-Match": "*"}, json=body).status_code == 428
    assert env.client.put(P, headers={**erik, "If-Match": FIRST}, json=body).status_code == 200
    stale = env.client.put(P, headers={**erik, "If-Match": FIRST}, json={"address": "annan@tyreso.se"})
    assert stale.status_code == 412
    assert env.client.get(P, headers=erik).get_json()["address"] == "erik.berg@tyreso.se"


BAD = "kalle anka@@tyreso"


@pytest.mark.parametrize("body, status, code", [
    ({"kinds": {"lex_sarah_reported": "immediate", "no_such_kind": "off"}}, 422, "unknown_notice_kind"),
    ({"kinds": {"lex_sarah_reported": "sometimes"}}, 422, "unprocessable_entity"),
    ({"kinds": {"lex_sarah_reported": True}}, 422, "unprocessable_entity"),
    ({"kinds": ["lex_sarah_reported"]}, 422, "unprocessable_entity"),
    ({"kinds": {"x" * 41: "off"}}, 422, "unprocessable_entity"),
    ({"address": BAD}, 422, "unprocessable_entity"),
    ({"address": "erik@tyreso.se\r\nBcc: alla@example.se"}, 422, "unprocessable_entity"),
    ({"address": "a" * 311 + "@tyreso.se"}, 422, "unprocessable_entity"),
    ({"address": 42}, 422, "unprocessable_entity"),
    ({"digest_hour": 24}, 422, "unprocessable_entity"),
    ({"digest_hour": "7"}, 422, "unprocessable_entity"),
    ({"digest_hour": -1}, 422, "unprocessable_entity"),
    ({"address": "erik.berg@tyreso.se", "phone": "070-123 45 67"}, 422, "unprocessable_entity"),
    ({"address": "erik.berg@tyreso.se", "digest": True}, 422, "unprocessable_entity"),
])
def test_bad_input_is_refused_and_nothing_is_stored(env, body, status, code):
    before = env.counts()
    answer = env.client.put(P, headers=env.auth(*CHEF_E1, **{"If-Match": FIRST}), json=body)
    assert answer.status_code == status, answer.get_json()
    assert answer.content_type == "application/problem+json" and answer.get_json()["code"] == code
    assert BAD not in answer.get_data(as_text=True) and "tyreso.se\r" not in answer.get_data(as_text=True)
    assert env.counts() == before
    assert env.client.get(P, headers=env.auth(*CHEF_E1)).headers["ETag"] == FIRST


def test_a_body_that_is_not_an_object_is_refused(env):
    for raw in ("[]", '"erik@tyreso.se"', "{", '{"address": "a@b.se", "address": "c@d.se"}'):
        answer = env.client.put(P, headers=env.auth(*CHEF_E1, **{"If-Match": FIRST}), data=raw,
                                content_type="application/json")
        assert answer.status_code in (400, 422), raw
        assert "@" not in answer.get_json().get("detail", "")
    assert env.client.get(P, headers=env.auth(*CHEF_E1)).headers["ETag"] == FIRST


def test_each_person_sees_and_changes_only_their_own_in_their_own_tenant(env):
    assert env.client.put(P, headers=env.auth(*CHEF_E1, **{"If-Match": FIRST}),
                          json={"address": "erik.berg@tyreso.se"}).status_code == 200
    for other in (env.auth(*VCHEF_V), env.auth(*STAFF_E1), env.auth(*CHEF_E1, tenant=B)):
        answer = env.client.get(P, headers=other)
        assert answer.headers["ETag"] == FIRST and answer.get_json()["address"] is None
    # the same subject in another municipality is another person: their first save is their own
    in_b = env.client.put(P, headers=env.auth(*CHEF_E1, tenant=B, **{"If-Match": FIRST}),
                          json={"address": "erik@ockero.se"})
    assert in_b.status_code == 200 and in_b.get_json()["version"] == 1
    assert env.client.get(P, headers=env.auth(*CHEF_E1)).get_json()["address"] == "erik.berg@tyreso.se"
    assert env.client.get(P).status_code == 401


def test_the_audit_trail_names_what_changed_but_never_the_address(env):
    import sqlalchemy as sa

    env.client.put(P, headers=env.auth(*CHEF_E1, **{"If-Match": FIRST}),
                   json={"address": "erik.berg@tyreso.se", "kinds": {"case_reported": "digest"}})
    audit = env.platform.tables.audit_log
    with env.platform.engine.connect() as conn:
        rows = conn.execute(sa.select(audit).where(audit.c.entity_type == "notification_preferences")).all()
    assert len(rows) == 1 and rows[0].actor == "erik"
    assert "address" in rows[0].changed_fields
    assert "erik.berg" not in str(rows[0]._mapping)
