"""The tenant's working calendar (non-working eves, extra days off): stored, guarded, used by reporting, and
published (se.ordning.working_calendar.changed.v1, codes and dates) for the notify service's deadlines."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from ordning_deviations import db, service
from ordning_deviations.domain import calendar_id
from ordning_shared.testing import catalogue_errors, outbox_bodies

from .conftest import ADMIN, A, B, CHEF_E1, STAFF_E1, U
from .test_concurrent_first_writes import PARALLEL, _at_once

pytestmark = pytest.mark.integration
CALENDAR = "/api/v1/working-calendar"
PROBLEM = "application/problem+json"
KLAMDAG_2027 = "2027-05-14"  # a Friday some municipality closes (the package's klämdag of 2027 is 7 May)


def put_calendar(env, body, who=ADMIN, tenant=A):
    headers = env.auth(*who, tenant=tenant)
    etag = env.client.get(CALENDAR, headers=headers).headers["ETag"]
    return env.client.put(CALENDAR, json=body, headers={**headers, "If-Match": etag})


@pytest.fixture
def on(monkeypatch):
    """Reports made at a chosen moment (the service's clock)."""
    def set_clock(iso: str):
        moment = datetime.fromisoformat(iso).astimezone(timezone.utc)
        monkeypatch.setattr(service, "utcnow", lambda: moment)
    return set_clock


def staff_report(env, kind, tenant=A):
    who, unit = (STAFF_E1, U["e1"]) if tenant == A else (("bea", ["medarbetare"], ["eb"]), U["eb"])
    r = env.client.post("/api/v1/deviations", headers=env.auth(*who, tenant=tenant),
                        json={"kind": kind, "unit_id": unit, "description": "Fel dos given"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def public_report(env, tenant=A):
    unit = U["e1"] if tenant == A else U["eb"]
    r = env.client.post(f"/api/v1/public/{tenant}/feedback",
                        json={"kind": "synpunkt", "unit_id": unit, "description": "Bra", "anonymous": True})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_tenants_extra_day_off_moves_its_due_dates_and_not_another_tenants(env, on):
    assert put_calendar(env, {"non_working_eves": ["julafton", "midsommarafton", "nyårsafton"],
                              "extra_days_off": [KLAMDAG_2027]}).status_code == 200
    on("2027-05-13T09:00:00+02:00")  # Thursday; lex Sarah's receipt is due the next working day
    assert staff_report(env, "lex_sarah")["receipt_due"] == "2027-05-17"  # Friday off, Saturday, Sunday
    assert staff_report(env, "lex_sarah", tenant=B)["receipt_due"] == KLAMDAG_2027
    on("2027-05-12T09:00:00+02:00")  # Wednesday; a synpunkt's receipt is due in two working days
    assert public_report(env)["receipt_due"] == "2027-05-17"
    assert public_report(env, tenant=B)["receipt_due"] == KLAMDAG_2027


def test_a_tenant_that_works_on_julafton_gets_it_as_a_working_day(env, on):
    assert put_calendar(env, {"non_working_eves": ["midsommarafton", "nyårsafton"],
                              "extra_days_off": []}).status_code == 200
    on("2027-12-23T09:00:00+01:00")  # Thursday before julafton (a Friday)
    assert staff_report(env, "lex_maria")["receipt_due"] == "2027-12-24"
    assert staff_report(env, "lex_maria", tenant=B)["receipt_due"] == "2027-12-27"
    assert public_report(env)["receipt_due"] == "2027-12-27"  # two working days: julafton, then Monday
    assert public_report(env, tenant=B)["receipt_due"] == "2027-12-28"


def test_the_calendar_is_read_by_staff_and_put_by_an_administrator_with_if_match(env):
    c, admin = env.client, env.auth(*ADMIN)
    r = c.get(CALENDAR, headers=env.auth(*STAFF_E1))
    assert r.status_code == 200 and r.headers["ETag"] == '"working-calendar.0"'
    assert r.get_json() == {"non_working_eves": ["julafton", "midsommarafton", "nyårsafton"],
                            "extra_days_off": [], "default": True, "version": 0}
    body = {"non_working_eves": ["klämdag", "julafton"], "extra_days_off": [KLAMDAG_2027, "2027-01-05"]}

    missing = c.put(CALENDAR, json=body, headers=admin)
    assert missing.status_code == 428 and missing.content_type == PROBLEM
    not_admin = c.put(CALENDAR, json=body, headers={**env.auth(*CHEF_E1), "If-Match": '"working-calendar.0"'})
    assert not_admin.status_code == 403
    unknown = c.put(CALENDAR, json={**body, "non_working_eves": ["lillejulafton"]},
                    headers={**admin, "If-Match": '"working-calendar.0"'})
    assert unknown.status_code == 422 and unknown.content_type == PROBLEM
    too_many = c.put(CALENDAR, json={**body, "extra_days_off": [f"2027-03-{day:02d}" for day in range(1, 32)]
                                     + [f"2027-04-{day:02d}" for day in range(1, 31)]},
                     headers={**admin, "If-Match": '"working-calendar.0"'})
    assert too_many.status_code == 422
    assert env.count(db.working_calendars) == 0  # nothing refused was written

    r = c.put(CALENDAR, json=body, headers={**admin, "If-Match": '"working-calendar.0"'})
    assert r.status_code == 200 and r.headers["ETag"] == '"working-calendar.1"'
    assert r.get_json() == {"non_working_eves": ["julafton", "klämdag"],
                            "extra_days_off": ["2027-01-05", KLAMDAG_2027], "default": False, "version": 1}
    stale = c.put(CALENDAR, json=body, headers={**admin, "If-Match": '"working-calendar.0"'})
    assert stale.status_code == 412 and stale.content_type == PROBLEM
    assert c.get(CALENDAR, headers=env.auth(*STAFF_E1)).get_json()["version"] == 1
    other = c.get(CALENDAR, headers=env.auth("bert", ["administrator"], ["fb"], tenant=B)).get_json()
    assert other["default"] is True and other["extra_days_off"] == []  # tenant B: unaffected
    assert c.get(CALENDAR, headers=env.auth("nils", ["namnd"], ["n"])).status_code == 403
    assert c.get(CALENDAR).status_code == 401

    audit = env.platform.tables.audit_log
    with env.platform.engine.connect() as conn:
        records = conn.execute(sa.select(audit).where(audit.c.entity_type == "working_calendar")).all()
    assert [(r.tenant, r.actor, r.action, r.entity_id) for r in records] == [(A, "adam", "put", A)]
    assert records[0].changed_values["extra_days_off"] == [[], ["2027-01-05", KLAMDAG_2027]]


def test_each_change_of_the_calendar_is_published_whole_and_a_refused_one_not(env):
    assert put_calendar(env, {"non_working_eves": ["julafton", "klämdag"],
                              "extra_days_off": [KLAMDAG_2027, "2027-01-05"]}).status_code == 200
    assert put_calendar(env, {"non_working_eves": ["lillejulafton"], "extra_days_off": []}).status_code == 422
    assert put_calendar(env, {"non_working_eves": [], "extra_days_off": []}).status_code == 200
    assert put_calendar(env, {"non_working_eves": ["nyårsafton"], "extra_days_off": []}, tenant=B,
                        who=("bert", ["administrator"], ["fb"])).status_code == 200
    bodies = [json.loads(body) for body in outbox_bodies(env.platform, "se.ordning.working_calendar.")]
    for body in bodies:
        assert catalogue_errors(body) == []
    assert [(b["tenant"], b["subject"], b["sequence"], b["data"]["non_working_eves"], b["data"]["extra_days_off"])
            for b in bodies] == [
        (A, calendar_id(A), "0000000001", ["julafton", "klämdag"], ["2027-01-05", KLAMDAG_2027]),
        (A, calendar_id(A), "0000000002", [], []),
        (B, calendar_id(B), "0000000001", ["nyårsafton"], [])]
    assert calendar_id(A) != calendar_id(B)
    assert all(b["source"].endswith("/deviations") and b["data"]["changed_at"] for b in bodies)


def test_eight_first_puts_of_the_calendar_make_one_row_and_seven_412s(env):
    headers = {**env.auth(*ADMIN), "If-Match": '"working-calendar.0"'}
    body = {"non_working_eves": ["julafton"], "extra_days_off": [KLAMDAG_2027]}

    responses = _at_once(env, lambda client: client.put(CALENDAR, json=body, headers=headers))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (PARALLEL - 1), [(r.status_code, r.get_json()) for r in responses]
    assert env.count(db.working_calendars) == 1
