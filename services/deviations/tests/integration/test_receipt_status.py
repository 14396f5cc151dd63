"""A citizen follows a complaint with the receipt: the reference and a secret shown once, stored as a hash.

The status endpoint answers the status and the dates and nothing else; every wrong part (tenant, reference,
secret) is the same 404; hostile bodies are 4xx problems; it is rate limited like every public endpoint.
"""
from __future__ import annotations

import hashlib
import json

import pytest
import sqlalchemy as sa

from ordning_deviations import db

from .conftest import B, KVAL_N, U
from .test_public_form import make_app

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"
FEEDBACK = {"kind": "klagomal", "unit_id": U["e1"], "description": "Maten var kall, Kalle Svensson 070-1234567",
            "anonymous": False, "contact": {"name": "Kalle Svensson", "email": "kalle@example.se",
                                            "phone": "070-1234567"}}
STATUS_FIELDS = {"reference", "status", "status_label_sv", "received_at", "receipt_due", "answer_due", "closed_at"}


def submit(env, body=None, **headers):
    r = env.client.post("/api/v1/public/0138/feedback", json=body or FEEDBACK, headers=headers)
    assert r.status_code == 201, r.get_json()
    return r


def status(env, reference, secret, tenant="0138", address="198.51.100.7"):
    return env.client.post(f"/api/v1/public/{tenant}/feedback/status", json={"reference": reference, "secret": secret},
                           environ_base={"REMOTE_ADDR": address})


def case_id(env, reference):
    with env.platform.engine.connect() as conn:
        return db.id_by_reference(conn, "0138", reference)


def test_the_receipt_shows_its_secret_once_and_keeps_only_its_hash(env):
    r = submit(env)
    receipt = r.get_json()
    secret = receipt["secret"]
    assert len(secret) >= 32 and r.headers["Cache-Control"] == "no-store"
    assert "koden" in receipt["message_sv"]
    with env.platform.engine.connect() as conn:
        stored = conn.execute(sa.select(db.receipt_secrets)).all()
        everything = json.dumps([list(map(str, row)) for table in db.metadata.sorted_tables
                                 for row in conn.execute(sa.select(table))])
    assert len(stored) == 1 and stored[0].secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in everything  # not in the case, the audit trail, the outbox or the Idempotency-Keys
    second = submit(env).get_json()["secret"]
    assert second != secret


def test_the_status_answers_the_status_and_the_dates_and_nothing_else(env):
    receipt = submit(env).get_json()
    r = status(env, receipt["reference"], receipt["secret"])
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    answer = r.get_json()
    assert set(answer) == STATUS_FIELDS
    assert answer == {"reference": receipt["reference"], "status": "reported", "status_label_sv": "anmält",
                      "received_at": receipt["received_at"], "receipt_due": receipt["receipt_due"],
                      "answer_due": receipt["answer_due"], "closed_at": None}
    text = r.get_data(as_text=True)
    for private in ("Kalle", "kalle@", "070-1234567", "Maten", U["e1"]):
        assert private not in text
    # the case moves on: the status follows, and once closed, when
    handler = env.auth(*KVAL_N)
    did = case_id(env, receipt["reference"])
    assert env.act(did, "receive", handler).status_code == 200
    assert status(env, receipt["reference"], receipt["secret"]).get_json()["status"] == "received"
    assert env.act(did, "reject", handler).status_code == 200
    rejected = status(env, receipt["reference"], receipt["secret"]).get_json()
    assert rejected["status"] == "rejected" and rejected["closed_at"] is not None


def test_every_wrong_part_is_the_same_404(env):
    receipt = submit(env).get_json()
    other = submit(env).get_json()
    reference, secret = receipt["reference"], receipt["secret"]
    year, number = reference.split("-")
    wrong = [
        status(env, reference, other["secret"]),  # another receipt's secret
        status(env, reference, secret[:-1] + ("A" if secret[-1] != "A" else "B")),
        status(env, f"{year}-{int(number) + 50:06d}", secret),  # no such case
        status(env, reference, secret, tenant=B),  # another municipality
        status(env, reference, secret, tenant="9999"),  # no such municipality
    ]
    assert [r.status_code for r in wrong] == [404] * len(wrong)
    # no oracle: one answer (but for `instance`, the path asked, which the caller wrote)
    assert len({json.dumps({**r.get_json(), "instance": None}, sort_keys=True) for r in wrong}) == 1
    assert wrong[0].headers["Content-Type"] == PROBLEM and wrong[0].get_json()["code"] == "receipt_not_found"
    assert status(env, reference, secret).status_code == 200


def test_a_case_reported_by_staff_has_no_receipt(env):
    case = env.report(kind="klagomal")
    assert "secret" not in case
    assert status(env, case["reference"], "A" * 32).status_code == 404


def test_a_retry_with_the_same_key_gets_a_new_secret_and_the_lost_one_stops_working(env):
    first = submit(env, **{"Idempotency-Key": "k-1"}).get_json()
    again = submit(env, **{"Idempotency-Key": "k-1"}).get_json()
    assert again["reference"] == first["reference"] and again["secret"] != first["secret"]
    assert status(env, first["reference"], first["secret"]).status_code == 404
    assert status(env, again["reference"], again["secret"]).status_code == 200


def test_a_honeypot_receipt_has_a_secret_that_names_nothing(env):
    r = env.client.post("/api/v1/public/0138/feedback", json={**FEEDBACK, "website": "http://spam"})
    decoy = r.get_json()
    assert r.status_code == 201 and len(decoy["secret"]) >= 32
    assert status(env, decoy["reference"], decoy["secret"]).status_code == 404


@pytest.mark.parametrize("body", [
    {"reference": "2026-000001\x00", "secret": "A" * 32},
    {"reference": "2026-000001", "secret": "A" * 31 + "\x1b"},
    {"reference": "2026-000001", "secret": "A\u202e" * 16},
    {"reference": 2026000001, "secret": "A" * 32},
    {"reference": "2026-000001", "secret": ["A" * 32]},
    {"reference": "2026-000001", "secret": None},
    {"reference": "2026-000001", "secret": {"$ne": ""}},
    {"reference": "2026-000001"},
    {"secret": "A" * 32},
    {"reference": "2026-000001", "secret": "A" * 32, "extra": 1},
    {"reference": "2026-000001", "secret": "A" * 65},
    {"reference": "2026-000001", "secret": "short"},
    {"reference": "x" * 100_000, "secret": "A" * 32},
    [], "2026-000001", None,
])
def test_hostile_bodies_are_4xx_problems(env, body):
    r = env.client.post("/api/v1/public/0138/feedback/status", json=body)
    assert 400 <= r.status_code < 500 and r.headers["Content-Type"] == PROBLEM
    assert "A" * 31 not in r.get_data(as_text=True)  # the secret is not echoed


@pytest.mark.parametrize("data, content_type, expected", [
    (b'{"reference": "2026-000001", "secret": ', "application/json", 400),
    (b'{"reference": "2026-000001", "reference": "2026-000002", "secret": "AAAAAAAAAAAAAAAAAAAA"}',
     "application/json", 400),
    (b"reference=2026-000001&secret=AAAAAAAAAAAAAAAAAAAA", "application/x-www-form-urlencoded", 415),
    (b'{"reference": "' + b"9" * 2_000_000 + b'"}', "application/json", 413),
])
def test_broken_huge_or_foreign_bodies_are_4xx_problems(env, data, content_type, expected):
    r = env.client.post("/api/v1/public/0138/feedback/status", data=data, content_type=content_type)
    assert r.status_code == expected and r.headers["Content-Type"] == PROBLEM


def test_the_status_is_rate_limited_like_the_form(settings):
    app = make_app(settings, public_rate_limit_per_client=(3, 3600), public_rate_limit_per_tenant=(50, 3600))
    try:
        client = app.test_client()
        answers = [client.post("/api/v1/public/0138/feedback/status",
                               json={"reference": "2026-000001", "secret": "A" * 32},
                               environ_base={"REMOTE_ADDR": "198.51.100.9"}) for _ in range(4)]
        assert [r.status_code for r in answers] == [404, 404, 404, 429]
        assert answers[-1].headers["Retry-After"] and answers[-1].headers["Content-Type"] == PROBLEM
    finally:
        app.extensions["ordning"].dispose()
