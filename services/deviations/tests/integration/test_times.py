"""Times in and out: a time without an offset is Europe/Stockholm, answers give Swedish time with its offset
(+01:00 in winter, +02:00 in summer) in every field, and events on the bus keep UTC."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import sqlalchemy as sa
from ordning_shared.fields import LOCAL_ZONE

from .conftest import KVAL_N, STAFF_E1, U

MOMENT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")
DPO = ("dora", ["dataskyddsombud"], [])


def moments(value, path="$"):
    """(path, text) of every date-time string in an answer."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from moments(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from moments(item, f"{path}[{index}]")
    elif isinstance(value, str) and MOMENT.match(value):
        yield path, value


def assert_swedish_time(answer) -> int:
    """Every moment in `answer` is written in 'T' form with the offset Europe/Stockholm has at that moment."""
    found = list(moments(answer))
    for path, text in found:
        assert "T" in text, (path, text)
        moment = datetime.fromisoformat(text)
        assert moment.utcoffset() is not None, (path, text)
        assert moment.utcoffset() == moment.astimezone(LOCAL_ZONE).utcoffset(), (path, text)
    return len(found)


def test_a_time_without_an_offset_is_swedish_and_answers_carry_the_offset(env):
    summer = env.report(occurred_at="2026-07-01T14:05:00")
    assert summer["occurred_at"] == "2026-07-01T14:05:00+02:00"
    winter = env.report(occurred_at="2026-01-15T08:00:00")
    assert winter["occurred_at"] == "2026-01-15T08:00:00+01:00"
    explicit = env.report(occurred_at="2026-01-15T07:00:00Z")
    assert explicit["occurred_at"] == "2026-01-15T08:00:00+01:00"
    reported = datetime.fromisoformat(summer["reported_at"])
    assert reported.utcoffset() == reported.astimezone(LOCAL_ZONE).utcoffset()
    with env.platform.engine.connect() as conn:
        stored = conn.execute(sa.select(env.platform.tables.outbox.c.body)).scalars().all()
    occurred = [json.loads(body)["data"]["occurred_at"] for body in stored]
    # events on the bus keep UTC
    assert "2026-07-01T12:05:00+00:00" in occurred and "2026-01-15T07:00:00+00:00" in occurred
    assert all(json.loads(body)["data"]["reported_at"].endswith("+00:00") for body in stored)


def test_a_time_in_the_spring_gap_is_refused_and_one_in_the_autumn_overlap_is_its_first(env):
    headers = env.auth(*STAFF_E1)
    r = env.client.post("/api/v1/deviations", headers=headers, json={
        "kind": "avvikelse", "unit_id": U["e1"], "description": "Fall", "occurred_at": "2026-03-29T02:30:00"})
    assert r.status_code == 422 and r.headers["Content-Type"] == "application/problem+json"
    assert "occurred_at" in json.dumps(r.get_json()["errors"])
    overlap = env.report(occurred_at="2026-10-25T02:30:00")
    assert overlap["occurred_at"] == "2026-10-25T02:30:00+02:00"  # the first 02:30, still summer time


def test_list_filters_read_a_time_without_an_offset_as_swedish(env):
    env.report()
    headers = env.auth(*KVAL_N)
    today = datetime.now(timezone.utc).astimezone(LOCAL_ZONE).date()
    # from midnight of today, Swedish time, without an offset: today's case is in it
    r = env.client.get("/api/v1/deviations", headers=headers,
                       query_string={"reported_from": f"{today.isoformat()}T00:00:00"})
    assert r.status_code == 200 and r.get_json()["total"] == 1
    r = env.client.get("/api/v1/deviations", headers=headers,
                       query_string={"reported_to": f"{today.isoformat()}T00:00:00"})
    assert r.get_json()["total"] == 0


def test_every_answer_gives_swedish_time_with_its_offset(env):
    handler = env.auth(*KVAL_N)
    case = env.report(kind="lex_sarah", occurred_at="2026-07-01T14:05:00")
    did = case["id"]
    for command in ("receive", "start_investigation"):
        assert env.act(did, command, handler).status_code == 200
    action = env.client.post(f"/api/v1/deviations/{did}/actions", headers=handler, json={
        "title": "Halkskydd", "owner": "karl", "due_date": "2027-01-01"}).get_json()
    etag = env.client.get(f"/api/v1/deviations/{did}/actions/{action['id']}", headers=handler).headers["ETag"]
    done = env.client.post(f"/api/v1/deviations/{did}/actions/{action['id']}/transitions",
                           json={"command": "complete"}, headers={**handler, "If-Match": etag}).get_json()
    receipt = env.client.post("/api/v1/public/0138/feedback", json={
        "kind": "synpunkt", "unit_id": U["e1"], "description": "Bra", "anonymous": True}).get_json()
    status = env.client.post("/api/v1/public/0138/feedback/status",
                             json={"reference": receipt["reference"], "secret": receipt["secret"]}).get_json()
    answers = {
        "case": env.client.get(f"/api/v1/deviations/{did}", headers=handler).get_json(),
        "list": env.client.get("/api/v1/deviations", headers=handler).get_json(),
        "actions": env.client.get(f"/api/v1/deviations/{did}/actions", headers=handler).get_json(),
        "action": done,
        "audit": env.client.get(f"/api/v1/deviations/{did}/audit", headers=handler).get_json(),
        "read log": env.client.get("/api/v1/read-log/deviations", headers=env.auth(*DPO)).get_json(),
        "receipt": receipt, "status": status,
    }
    counted = {name: assert_swedish_time(answer) for name, answer in answers.items()}
    assert all(counted.values()), counted  # each answer held moments to check
    # the audit trail's recorded values too: received_at as [null, the moment]
    received = [entry["changed_values"]["received_at"] for entry in answers["audit"]
                if entry["changed_values"] and "received_at" in entry["changed_values"]]
    assert received and received[0][1] == answers["case"]["received_at"]
