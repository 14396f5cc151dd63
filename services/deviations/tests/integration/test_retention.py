"""Retention (gallring) on PostgreSQL with a clock the test controls: the job, its events, the API, the policies."""
from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from ordning_shared.auth import Principal
from ordning_shared.retention import PSEUDONYMISED_TEXT, add_years
from ordning_shared.testing import BackgroundWorker, wait_until

from ordning_deviations import app as deviations_app
from ordning_deviations import db, service
from ordning_deviations.domain import DEFAULT_RETENTION_YEARS, STOCKHOLM, Kind
from ordning_deviations.handlers import HANDLERS

from .conftest import A, ADMIN, B, CHEF_E1, KVAL_N, STAFF_E1, U

pytestmark = pytest.mark.integration

TODAY = date(2031, 3, 17)
NOW = datetime(2031, 3, 17, 2, 30, tzinfo=STOCKHOLM)  # early in the Swedish day: the day counts, not the hour
SECRET = {"description": "Anna Andersson 19450101-1234 föll i badrummet", "immediate_action": "Ringde Karin Berg",
          "what_happened": "Lisa lämnade Anna ensam", "why": "Vikarien Per kände inte rutinen",
          "what_must_change": "Introduktion för Per", "ivo": "IVO 3.1.1-4711/2028",
          "title": "Halkmatta hos Anna", "action_description": "Köp mattor till Annas badrum",
          "owner": "erik", "effect_followup": "Fråga Anna i maj", "contact_name": "Bo Bengtsson",
          "contact_email": "bo@example.se", "contact_phone": "070-1234567"}
TEXT_COLUMNS = ("description", "immediate_action", "investigation_what_happened", "investigation_why",
                "investigation_what_must_change",
                "informing_view", "informing_note", "seriousness_motivering", "reclassified_note")  # issue 14
PERSON_COLUMNS = ("reported_by", "reporter_name", "seriousness_decided_by", "ivo_recorded_by",
                  "informing_recorded_by", "informing_informed_by", "reclassified_by")  # the last three: issue 14
# What reporting needs: every column that is neither text nor a person nor bookkeeping of the change.
STATISTICS = tuple(c.name for c in db.deviations.c if c.name not in (
    *TEXT_COLUMNS, *PERSON_COLUMNS, *db.CONTACT_COLUMNS, "ivo_reference", "pseudonymised_at", "version"))
ACTION_STATISTICS = ("id", "tenant", "origin_type", "origin_id", "unit_id", "due_date", "status", "created_at",
                     "completed_at")


def principal(subject, roles, units, tenant=A, name="") -> Principal:
    return Principal(subject=subject, tenant=tenant, roles=frozenset(roles), org_units=tuple(U[u] for u in units),
                     name=name)


def handler(tenant=A):  # handles and decides every kind in its tree (enhetschef for lex Sarah, MAS for lex Maria)
    return principal("erik", ["enhetschef", "mas", "forvaltningschef"], ["n"] if tenant == A else ["fb"], tenant)


def stockholm(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=STOCKHOLM)


def closed_case(env, kind: Kind, closed_on: date, tenant=A, citizen=False, action=True) -> str:
    """A case of `kind` with text everywhere, an action done, closed on the Swedish day `closed_on`."""
    p, unit = env.platform, U["e1"] if tenant == A else U["eb"]
    at = stockholm(closed_on) - timedelta(days=30)
    if citizen:
        did = service.submit_public_feedback(p, tenant, {
            "kind": kind.value, "unit_id": unit, "description": SECRET["description"], "anonymous": False,
            "contact": {"name": SECRET["contact_name"], "email": SECRET["contact_email"],
                        "phone": SECRET["contact_phone"]}}, now=at)["deviation_id"]
    else:
        reporter = principal("anna", ["medarbetare"], ["e1"] if tenant == A else ["eb"], tenant, "Anna Andersson")
        did = service.report_deviation(p, reporter, {
            "kind": kind.value, "unit_id": unit, "description": SECRET["description"],
            "immediate_action": SECRET["immediate_action"]}, now=at)["id"]
    chef = handler(tenant)
    service.transition(p, chef, did, "receive", now=at + timedelta(hours=1))
    service.transition(p, chef, did, "start_investigation", now=at + timedelta(hours=2))
    service.update_investigation(p, chef, did, {name: SECRET[name] for name in ("what_happened", "why",
                                                                                 "what_must_change")})
    if kind in (Kind.lex_sarah, Kind.lex_maria):
        service.decide_seriousness(p, chef, did, True, now=at + timedelta(hours=3))
        service.record_ivo_report(p, chef, did, closed_on - timedelta(days=25), SECRET["ivo"])
        service.record_informing(p, chef, did, {"not_informed_reason": "declined"}, now=at + timedelta(hours=3))
    if action:
        action_id = service.add_action(p, chef, did, {"title": SECRET["title"], "owner": SECRET["owner"],
                                                      "due_date": closed_on,
                                                      "description": SECRET["action_description"]}, now=at)
        service.transition_action(p, chef, did, action_id, "complete", SECRET["effect_followup"],
                                  now=at + timedelta(days=1))
    service.transition(p, chef, did, "complete_investigation", now=at + timedelta(days=2))
    service.transition(p, chef, did, "close", now=stockholm(closed_on))
    return did


def raw(env, table, **where) -> list[dict]:
    with env.platform.engine.connect() as conn:
        query = sa.select(table).where(*(table.c[name] == value for name, value in where.items()))
        return [dict(row._mapping) for row in conn.execute(query.order_by(table.c.id))]


def outbox_of(env, event_type) -> list[dict]:
    outbox = env.platform.tables.outbox
    with env.platform.engine.connect() as conn:
        bodies = conn.execute(sa.select(outbox.c.body).where(outbox.c.type == event_type)
                              .order_by(outbox.c.id)).scalars()
        return [json.loads(body) for body in bodies]


def expiry_closing_day(kind: Kind, years: int | None = None) -> date:
    """The latest closing day whose retention ends exactly on TODAY."""
    return add_years(TODAY, -(years or DEFAULT_RETENTION_YEARS[kind]))


# ---------------------------------------------------------------------------
# The job
# ---------------------------------------------------------------------------

def test_a_run_pseudonymises_exactly_the_expired_cases_and_a_second_run_nothing(env):
    expired, kept = [], []
    for kind in Kind:
        citizen = kind in (Kind.klagomal, Kind.synpunkt)
        expired.append(closed_case(env, kind, expiry_closing_day(kind), citizen=citizen))  # the day of expiry
        kept.append(closed_case(env, kind, expiry_closing_day(kind) + timedelta(days=1)))  # the day before it
    # closed long ago, reopened, closed again recently: counts from its last closing
    reopened = closed_case(env, Kind.avvikelse, date(2020, 1, 10))
    chef = handler()
    service.transition(env.platform, chef, reopened, "reopen", now=stockholm(date(2030, 5, 1)))
    service.transition(env.platform, chef, reopened, "complete_investigation", now=stockholm(date(2030, 5, 2)))
    service.transition(env.platform, chef, reopened, "close", now=stockholm(date(2030, 5, 3)))
    # open for years: never
    still_open = service.report_deviation(env.platform, principal("anna", ["medarbetare"], ["e1"]), {
        "kind": "avvikelse", "unit_id": U["e1"], "description": SECRET["description"]},
        now=stockholm(date(2019, 1, 1)))["id"]
    kept += [reopened, still_open]
    # tenant A keeps its avvikelser 10 years; tenant B has the default 2
    admin = env.auth(*ADMIN)
    r = env.client.put("/api/v1/retention-policies/avvikelse", json={"years": 10},
                       headers={**admin, "If-Match": '"avvikelse.0"'})
    assert r.status_code == 200, r.get_json()
    kept.append(closed_case(env, Kind.avvikelse, date(2027, 1, 5)))
    expired.append(closed_case(env, Kind.avvikelse, date(2027, 1, 5), tenant=B))
    kept.append(expired[0])  # two years after closing: no longer expired for tenant A
    expired[0] = closed_case(env, Kind.avvikelse, expiry_closing_day(Kind.avvikelse, 10))

    before = {did: raw(env, db.deviations, id=did)[0] for did in expired + kept}
    actions_before = {did: raw(env, db.actions, origin_id=did) for did in expired + kept}
    outbox_before = len(outbox_of(env, "se.ordning.deviation.pseudonymised.v1"))
    assert outbox_before == 0

    assert service.pseudonymise_expired(env.platform, now=NOW, batch_size=3) == len(expired)

    for did in kept:  # untouched, to the last column
        assert raw(env, db.deviations, id=did)[0] == before[did], did
        assert raw(env, db.actions, origin_id=did) == actions_before[did]
    for did in expired:
        row, old = raw(env, db.deviations, id=did)[0], before[did]
        assert {name: row[name] for name in STATISTICS} == {name: old[name] for name in STATISTICS}
        assert all(row[name] == (PSEUDONYMISED_TEXT if old[name] else None) for name in TEXT_COLUMNS), row
        assert row["description"] == PSEUDONYMISED_TEXT  # empty text (a citizen's immediate action) stays empty
        assert all(row[name] is None for name in PERSON_COLUMNS), row
        lex = row["kind"] in ("lex_sarah", "lex_maria")
        assert row["ivo_reference"] == (PSEUDONYMISED_TEXT if lex else None)
        assert row["seriousness_serious"] is (True if lex else None) and (row["ivo_reported_on"] is not None) is lex
        citizen = row["origin"] == "citizen"
        assert old["reporter_name"] == (None if citizen else "Anna Andersson")  # so its NULL above is gallring's
        assert all(row[name] == (PSEUDONYMISED_TEXT if citizen else None) for name in db.CONTACT_COLUMNS)
        assert row["pseudonymised_at"] == NOW and row["version"] == old["version"] + 1
        assert not any(secret in json.dumps(row, default=str) for secret in SECRET.values())
        [action], [old_action] = raw(env, db.actions, origin_id=did), actions_before[did]
        assert {n: action[n] for n in ACTION_STATISTICS} == {n: old_action[n] for n in ACTION_STATISTICS}
        assert [action[n] for n in ("title", "description", "owner", "effect_followup")] == [PSEUDONYMISED_TEXT] * 4

    events = outbox_of(env, "se.ordning.deviation.pseudonymised.v1")
    assert sorted(e["subject"] for e in events) == sorted(expired)  # one event each
    for event in events:
        old = before[event["subject"]]
        assert event["tenant"] == old["tenant"] and event["data"]["kind"] == old["kind"]
        assert event["data"]["unit_id"] == old["unit_id"] and event["data"]["pseudonymised_at"] == NOW.astimezone(timezone.utc).isoformat()  # events carry UTC
        assert datetime.fromisoformat(event["data"]["closed_at"]) == old["closed_at"]
        assert not any(secret in json.dumps(event) for secret in SECRET.values())
    audit = env.platform.tables.audit_log
    with env.platform.engine.connect() as conn:
        audited = conn.execute(sa.select(audit.c.entity_type, audit.c.entity_id).where(
            audit.c.action == "pseudonymise", audit.c.actor == service.RETENTION_ACTOR)).all()
    assert sorted(i for t, i in audited if t == "deviation") == sorted(expired)
    assert len([i for t, i in audited if t == "improvement_action"]) == len(expired)

    # a second run, even a day later, finds nothing more among these
    assert service.pseudonymise_expired(env.platform, now=NOW) == 0
    assert len(outbox_of(env, "se.ordning.deviation.pseudonymised.v1")) == len(expired)


def test_replicas_running_at_once_pseudonymise_each_case_once(env):
    cases = [closed_case(env, Kind.synpunkt, date(2028, 1, 1) + timedelta(days=i), action=False) for i in range(12)]
    counts, errors = [], []

    def run():
        try:
            counts.append(service.pseudonymise_expired(env.platform, now=NOW, batch_size=2))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and sum(counts) == len(cases)
    assert sorted(e["subject"] for e in outbox_of(env, "se.ordning.deviation.pseudonymised.v1")) == sorted(cases)
    assert all(raw(env, db.deviations, id=did)[0]["pseudonymised_at"] == NOW for did in cases)


def test_the_worker_runs_the_retention_job_with_its_clock_and_publishes_the_event(env):
    did = closed_case(env, Kind.avvikelse, date(2029, 3, 16), action=False)
    other = closed_case(env, Kind.avvikelse, date(2029, 3, 18), action=False)
    outbox = env.platform.tables.outbox

    def published():
        with env.platform.engine.connect() as conn:
            return conn.execute(sa.select(outbox.c.published_at).where(
                outbox.c.type == "se.ordning.deviation.pseudonymised.v1")).scalars().all()

    with BackgroundWorker(env.platform, HANDLERS, jobs=deviations_app.jobs(env.platform, clock=lambda: NOW)):
        sent = wait_until(lambda: [at for at in published() if at is not None], timeout=30,
                          message="the pseudonymised event published by the relay")
    assert len(sent) == 1
    assert raw(env, db.deviations, id=did)[0]["pseudonymised_at"] == NOW
    assert raw(env, db.deviations, id=other)[0]["pseudonymised_at"] is None


# ---------------------------------------------------------------------------
# The API on a pseudonymised case
# ---------------------------------------------------------------------------

def test_the_api_shows_a_pseudonymised_case_without_text_and_refuses_every_change(env):
    did = closed_case(env, Kind.lex_sarah, date(2025, 1, 7))
    assert service.pseudonymise_expired(env.platform, now=NOW) == 1
    c, chef, kval = env.client, env.auth(*CHEF_E1), env.auth(*KVAL_N)

    r = c.get(f"/api/v1/deviations/{did}", headers=chef)
    assert r.status_code == 200
    case = r.get_json()
    assert case["pseudonymised_at"] is not None and case["allowed_commands"] == []
    assert case["description"] == case["immediate_action"] == PSEUDONYMISED_TEXT
    assert set(case["investigation"][n] for n in ("what_happened", "why", "what_must_change")) == {PSEUDONYMISED_TEXT}
    assert case["reported_by"] is None and case["anonymous"] is False and case["status"] == "closed"
    assert case["seriousness"]["serious"] is True and case["seriousness"]["decided_by"] is None
    assert case["ivo_report"]["reference"] == PSEUDONYMISED_TEXT and case["ivo_report"]["reported_on"]
    assert not any(secret in r.get_data(as_text=True) for secret in SECRET.values())
    [action] = c.get(f"/api/v1/deviations/{did}/actions", headers=chef).get_json()
    assert action["title"] == action["owner"] == PSEUDONYMISED_TEXT and action["status"] == "done"
    listed = c.get("/api/v1/deviations?kind=lex_sarah", headers=kval).get_json()["items"]
    assert [item["description"] for item in listed if item["id"] == did] == [PSEUDONYMISED_TEXT]
    # the reporter is no longer named, so no longer reads it as theirs
    assert c.get(f"/api/v1/deviations/{did}", headers=env.auth(*STAFF_E1)).status_code == 404

    etag = r.headers["ETag"]
    attempts = [
        c.post(f"/api/v1/deviations/{did}/transitions", json={"command": "reopen"}, headers={**chef, "If-Match": etag}),
        c.patch(f"/api/v1/deviations/{did}", json={"category_id": None}, headers={**chef, "If-Match": etag}),
        c.patch(f"/api/v1/deviations/{did}", json={"unit_id": U["e1"]}, headers={**chef, "If-Match": etag}),
        c.put(f"/api/v1/deviations/{did}/investigation", json={"why": "ny text"}, headers={**chef, "If-Match": etag}),
        c.put(f"/api/v1/deviations/{did}/seriousness", json={"serious": False}, headers={**chef, "If-Match": etag}),
        c.post(f"/api/v1/deviations/{did}/actions", json={"title": "t", "owner": "o", "due_date": "2032-01-01"},
               headers=chef),
        c.patch(f"/api/v1/deviations/{did}/actions/{action['id']}", json={"title": "ny"},
                headers={**chef, "If-Match": f'"{action["id"]}.{action["version"]}"'}),
        c.post(f"/api/v1/deviations/{did}/actions/{action['id']}/transitions", json={"command": "reopen"},
               headers={**chef, "If-Match": f'"{action["id"]}.{action["version"]}"'}),
    ]
    for r in attempts:
        assert r.status_code == 409, r.get_json()
        assert r.headers["Content-Type"] == "application/problem+json"
        assert r.get_json()["code"] == "case_pseudonymised" and "gallrat" in r.get_json()["detail"]
    assert raw(env, db.deviations, id=did)[0]["version"] == case["version"]
    assert len(raw(env, db.actions, origin_id=did)) == 1


# ---------------------------------------------------------------------------
# Retention policies
# ---------------------------------------------------------------------------

def test_retention_policies_default_per_kind_readable_by_staff(env):
    c = env.client
    r = c.get("/api/v1/retention-policies", headers=env.auth(*STAFF_E1))
    assert r.status_code == 200
    assert {p["kind"]: (p["years"], p["default"], p["version"]) for p in r.get_json()} == {
        "avvikelse": (2, True, 0), "synpunkt": (2, True, 0), "lex_sarah": (5, True, 0), "lex_maria": (5, True, 0),
        "klagomal": (5, True, 0)}
    r = c.get("/api/v1/retention-policies/lex_maria", headers=env.auth(*CHEF_E1))
    assert r.status_code == 200 and r.headers["ETag"] == '"lex_maria.0"'
    assert r.get_json() == {"kind": "lex_maria", "years": 5, "default": True, "version": 0}
    assert c.get("/api/v1/retention-policies/nope", headers=env.auth(*CHEF_E1)).status_code == 404
    assert c.get("/api/v1/retention-policies", headers=env.auth("nils", ["namnd"], ["n"])).status_code == 403
    assert c.get("/api/v1/retention-policies").status_code == 401


def test_an_administrator_sets_a_policy_with_if_match_within_1_to_100_years(env):
    c, admin = env.client, env.auth(*ADMIN)
    path = "/api/v1/retention-policies/klagomal"

    r = c.put(path, json={"years": 7}, headers=admin)
    assert r.status_code == 428
    for years in (0, -1, 101, 2.5, "5", None):
        r = c.put(path, json={"years": years}, headers={**admin, "If-Match": '"klagomal.0"'})
        assert r.status_code == 422, years
        assert r.headers["Content-Type"] == "application/problem+json"
    assert c.put(path, json={"years": 7, "extra": 1}, headers={**admin, "If-Match": '"klagomal.0"'}).status_code == 422
    r = c.put(path, json={"years": 7}, headers={**env.auth(*KVAL_N), "If-Match": '"klagomal.0"'})
    assert r.status_code == 403
    assert c.get(path, headers=admin).get_json()["default"] is True  # nothing refused above was written

    r = c.put(path, json={"years": 100}, headers={**admin, "If-Match": '"klagomal.0"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"klagomal.1"'
    assert r.get_json() == {"kind": "klagomal", "years": 100, "default": False, "version": 1}
    r = c.put(path, json={"years": 1}, headers={**admin, "If-Match": '"klagomal.0"'})
    assert r.status_code == 412
    r = c.put(path, json={"years": 1}, headers={**admin, "If-Match": '"klagomal.1"'})
    assert r.status_code == 200 and r.get_json()["years"] == 1 and r.headers["ETag"] == '"klagomal.2"'

    audit = env.platform.tables.audit_log
    with env.platform.engine.connect() as conn:
        rows = conn.execute(sa.select(audit.c.actor, audit.c.changed_values).where(
            audit.c.entity_type == "retention_policy", audit.c.entity_id == "klagomal").order_by(audit.c.id)).all()
    assert [(actor, values["years"]) for actor, values in rows] == [("adam", [5, 100]), ("adam", [100, 1])]


def test_a_tenants_policy_is_its_own(env):
    c = env.client
    r = c.put("/api/v1/retention-policies/avvikelse", json={"years": 9},
              headers={**env.auth(*ADMIN), "If-Match": '"avvikelse.0"'})
    assert r.status_code == 200
    admin_b = env.auth("bea", ["administrator"], ["fb"], tenant=B)
    r = c.get("/api/v1/retention-policies/avvikelse", headers=admin_b)
    assert r.get_json() == {"kind": "avvikelse", "years": 2, "default": True, "version": 0}
    r = c.put("/api/v1/retention-policies/avvikelse", json={"years": 3},
              headers={**admin_b, "If-Match": '"avvikelse.0"'})
    assert r.status_code == 200 and r.get_json()["years"] == 3
    assert c.get("/api/v1/retention-policies/avvikelse", headers=env.auth(*ADMIN)).get_json()["years"] == 9
