"""Quality goals (kvalitetsmål) through the HTTP API, against PostgreSQL: goals, indicators,
measurements by hand and from CSV (all or nothing), attainment, the event, tenant isolation."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from ordning_processes import db

GOALS = "/api/v1/quality-goals"
YEAR = "period;value;note\n" + "\n".join(f"2026-{m:02d};{85 + m},5;" for m in range(1, 13))


@pytest.fixture
def goal_counts(platform):
    def _counts() -> dict:
        tables = [db.quality_goals, db.goal_indicators, db.goal_measurements, db.tables.audit_log,
                  db.tables.outbox]
        with platform.engine.connect() as connection:
            return {t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    for t in tables}
    return _counts


def _ok(response, status=201):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture
def goal(org, client, admin):
    _board, _administration, unit = org.tree()
    created = _ok(client.post(GOALS, headers=admin, json={
        "unit_id": unit["id"], "title": "Avvikelser utreds skyndsamt", "description": "Inom 14 dagar.",
        "period_start": "2026-01-01", "period_end": "2026-12-31"}))
    indicator = _ok(client.post(f"{GOALS}/{created['id']}/indicators", headers=admin, json={
        "name": "Andel avvikelser som utretts inom 14 dagar", "unit_of_measure": "percent",
        "direction": "higher_is_better", "target": 90, "threshold": "80,0", "frequency": "monthly"}))
    return created, indicator, unit


def _measurements(goal, indicator):
    return f"{GOALS}/{goal['id']}/indicators/{indicator['id']}/measurements"


def test_goal_indicator_measurement_and_attainment(client, admin, goal):
    created, indicator, unit = goal
    assert indicator["target"] == 90 and indicator["threshold"] == 80 and indicator["unit_of_measure_label_sv"] == "%"
    read = client.get(f"{GOALS}/{created['id']}", headers=admin)
    assert read.status_code == 200 and read.headers["ETag"] == f'"{created["id"]}.1"'
    assert [i["id"] for i in read.get_json()["indicators"]] == [indicator["id"]]
    for period, value, expected in (("2026-01", 95, "met"), ("2026-02", "85,5", "partly"), ("2026-03", 70, "not_met")):
        body = _ok(client.post(_measurements(created, indicator), headers=admin,
                               json={"period": period, "value": value, "note": "Handinmatat"}))
        assert body["attainment"] == expected
    attainment = _ok(client.get(f"{GOALS}/{created['id']}/attainment?from=2026-02-01&to=2026-12-31",
                                headers=admin), 200)
    [row] = attainment["indicators"]
    assert [p["period"] for p in row["periods"]] == ["2026-02", "2026-03"]
    assert (row["met"], row["partly"], row["not_met"]) == (0, 1, 1)
    listed = _ok(client.get(f"{GOALS}?unit_id={unit['id']}&from=2026-06-01&to=2026-06-30", headers=admin), 200)
    assert [g["id"] for g in listed["items"]] == [created["id"]]
    assert _ok(client.get(f"{GOALS}?from=2027-01-01", headers=admin), 200)["count"] == 0


def test_a_measured_period_is_not_overwritten(client, admin, goal, goal_counts):
    created, indicator, _unit = goal
    _ok(client.post(_measurements(created, indicator), headers=admin, json={"period": "2026-01", "value": 95}))
    before = goal_counts()
    again = client.post(_measurements(created, indicator), headers=admin, json={"period": "2026-1", "value": 1})
    assert again.status_code == 422 and again.get_json()["code"] == "invalid_period"
    again = client.post(_measurements(created, indicator), headers=admin, json={"period": "2026-01", "value": 1})
    assert again.status_code == 409 and again.get_json()["code"] == "period_already_measured"
    assert goal_counts() == before


def test_csv_import_stores_a_year_with_one_event_each(client, admin, goal, platform):
    created, indicator, _unit = goal
    body = _ok(client.post(f"{_measurements(created, indicator)}/import", headers=admin, json={"csv": YEAR}))
    assert body["stored"] == 12 and body["items"][0]["value"] == 86.5
    with platform.engine.connect() as connection:
        events = [json.loads(r.body) for r in connection.execute(
            sa.select(db.tables.outbox).where(db.tables.outbox.c.type == "se.ordning.goal.measurement_recorded.v1"))]
    mine = [e for e in events if e["data"]["indicator_id"] == indicator["id"]]
    assert len(mine) == 12
    assert set(mine[0]["data"]) == {"goal_id", "indicator_id", "unit_id", "measurement_id", "period", "period_start",
                                    "value", "attainment", "version"}
    assert [(e["data"]["period"], e["data"]["value"], e["data"]["version"]) for e in mine][:2] == [
        ("2026-01", "86.5", 1), ("2026-02", "87.5", 2)]
    assert "Handinmatat" not in json.dumps(events)


def test_csv_with_bad_rows_stores_nothing_and_lists_each(client, admin, goal, goal_counts):
    created, indicator, _unit = goal
    _ok(client.post(_measurements(created, indicator), headers=admin, json={"period": "2026-05", "value": 95}))
    before = goal_counts()
    text = ("Period;Värde;Kommentar\n2026-01;92,5;ok\n2026-13;90;\n2026-02;nittio;\n2026-01;91;\n"
            "2026-05;93;\n2026-06;1;2;3\n")
    response = client.post(f"{_measurements(created, indicator)}/import", headers=admin, json={"csv": text})
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "csv_rejected"
    assert [(r["row"], r["column"], r["code"]) for r in problem["rows"]] == [
        (3, "period", "invalid_period"), (4, "value", "invalid_value"), (5, "period", "duplicate_period"),
        (6, "period", "already_stored"), (7, "", "column_count")]
    assert all(r["message"] and r["message_en"] for r in problem["rows"])
    assert goal_counts() == before


@pytest.mark.parametrize("text", ["", "a;b\n1;2", "period;value\n" + "2026-01;1\n" * 600, "\x00\x01garbage",
                                  'period;value\n"2026-01;1\n', "x" * 40_000])
def test_garbled_or_huge_csv_is_a_4xx_and_stores_nothing(client, admin, goal, goal_counts, text):
    created, indicator, _unit = goal
    before = goal_counts()
    response = client.post(f"{_measurements(created, indicator)}/import", headers=admin, json={"csv": text})
    assert 400 <= response.status_code < 500 and response.content_type == "application/problem+json"
    assert goal_counts() == before


def test_update_needs_a_fresh_etag_and_close_stops_measurements(client, admin, goal, goal_counts):
    created, indicator, _unit = goal
    etag = client.get(f"{GOALS}/{created['id']}", headers=admin).headers["ETag"]
    changed = client.patch(f"{GOALS}/{created['id']}", headers={**admin, "If-Match": etag},
                           json={"title": "Avvikelser utreds inom 14 dagar"})
    assert changed.status_code == 200 and changed.get_json()["revision"] == 2
    before = goal_counts()
    stale = client.patch(f"{GOALS}/{created['id']}", headers={**admin, "If-Match": etag}, json={"title": "X"})
    assert stale.status_code == 412 and stale.content_type == "application/problem+json"
    backwards = client.patch(f"{GOALS}/{created['id']}", headers={**admin, "If-Match": changed.headers["ETag"]},
                             json={"period_end": "2025-01-01"})
    assert backwards.status_code == 422
    assert goal_counts() == before
    closed = client.post(f"{GOALS}/{created['id']}/close", headers={**admin, "If-Match": changed.headers["ETag"]},
                         json={})
    assert closed.status_code == 200 and closed.get_json()["closed_at"]
    refused = client.post(_measurements(created, indicator), headers=admin, json={"period": "2026-01", "value": 9})
    assert refused.status_code == 409 and refused.get_json()["code"] == "goal_closed"


def test_goal_under_another_tenants_unit_is_refused_and_goals_are_isolated(org_b, client, admin, admin_b, goal,
                                                                           goal_counts):
    created, indicator, unit = goal
    before = goal_counts()
    response = client.post(GOALS, headers=admin_b, json={"unit_id": unit["id"], "title": "Mål",
                                                         "period_start": "2026-01-01", "period_end": "2026-12-31"})
    assert response.status_code == 422 and response.get_json()["code"] == "unknown_unit"
    assert client.get(f"{GOALS}/{created['id']}", headers=admin_b).status_code == 404
    assert client.get(f"{GOALS}/{created['id']}/attainment", headers=admin_b).status_code == 404
    assert client.post(_measurements(created, indicator), headers=admin_b,
                       json={"period": "2026-01", "value": 1}).status_code == 404
    assert client.post(f"{_measurements(created, indicator)}/import", headers=admin_b,
                       json={"csv": YEAR}).status_code == 404
    assert _ok(client.get(GOALS, headers=admin_b), 200)["count"] == 0
    assert goal_counts() == before


def test_writes_need_a_goal_role_and_bad_targets_are_refused(client, token, goal, goal_counts):
    created, _indicator, _unit = goal
    staff = token("anna", roles=("medarbetare",))
    before = goal_counts()
    assert client.get(f"{GOALS}/{created['id']}", headers=staff).status_code == 200
    assert client.post(f"{GOALS}/{created['id']}/indicators", headers=staff, json={
        "name": "Antal", "unit_of_measure": "count", "direction": "lower_is_better", "target": 2,
        "frequency": "quarterly"}).status_code == 403
    chef = token("chef", roles=("enhetschef",))
    for body in ({"direction": "target_range", "target": 5}, {"direction": "lower_is_better", "target": 5,
                                                              "threshold": 4},
                 {"direction": "higher_is_better", "target": 5, "source": "<script>"}):
        response = client.post(f"{GOALS}/{created['id']}/indicators", headers=chef, json={
            "name": "Väntetid", "unit_of_measure": "days", "frequency": "quarterly", **body})
        assert response.status_code == 422, response.get_json()
    assert goal_counts() == before
    ranged = _ok(client.post(f"{GOALS}/{created['id']}/indicators", headers=chef, json={
        "name": "Beläggning", "unit_of_measure": "percent", "direction": "target_range", "target": 85,
        "target_max": 95, "frequency": "quarterly", "source": "U21468"}))
    measured = _ok(client.post(_measurements(created, ranged), headers=chef, json={"period": "2026-Q2",
                                                                                   "value": 97}))
    assert measured["attainment"] == "not_met" and measured["period_start"] == "2026-04-01"
