"""Patterns: trends month on month and year on year, the flag rule on a planted spike, in-house beside external
providers per 1,000 of a volume, and the volumes API (bad input, roles, ETag)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

from .conftest import CHEF_E1, KVAL_N, STAFF_E1
from .streams import A, Action, Case, U

ADMIN_N = ("ada", ["administrator"], ["n"])
KVAL_F2 = ("kim", ["kvalitetsutvecklare"], ["f2"])
CATEGORY = "c0000000-0000-0000-0000-000000000001"


def feed(env, *aggregates):
    for aggregate in aggregates:
        for event in aggregate.bodies:
            assert env.feed(event) == "processed"


def get(env, path, who=KVAL_N, **query):
    r = env.client.get(path, query_string=query, headers=env.auth(*who))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def get_csv(env, path, who=KVAL_N, **query) -> list[dict]:
    """The answer with format=csv, read back: one dict per line, by the header's keys."""
    r = env.client.get(path, query_string={**query, "format": "csv"}, headers=env.auth(*who))
    assert r.status_code == 200 and r.content_type == "text/csv; charset=utf-8", r.data
    assert r.get_data(as_text=True).endswith("\r\n")
    return list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))


def cases(unit, month: date, n: int, kind="avvikelse", category=None):
    return [Case(A, kind, unit, month.replace(day=1 + i % 28), category).report() for i in range(n)]


def months_before(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def test_trends_month_on_month_and_year_on_year(env):
    feed(env, *cases(U["e1"], date(2025, 3, 1), 4), *cases(U["e1"], date(2026, 2, 1), 5),
         *cases(U["e1"], date(2026, 3, 1), 6), *cases(U["e3"], date(2026, 3, 1), 2, "lex_sarah"),
         Action(A, U["e1"], date(2026, 4, 1), datetime(2026, 3, 3, tzinfo=timezone.utc)).create().complete())
    document = get(env, "/api/v1/patterns/trends", **{"from": "2026-02-10", "to": "2026-03-05"})
    assert document["period"] == {"from": "2026-02-01", "to": "2026-03-31"}
    series = {s["key"]: {m["month"]: m for m in s["months"]} for s in document["series"]}
    march = series["deviations.avvikelse"]["2026-03"]
    assert (march["count"], march["previous_month"], march["change_month"], march["change_month_pct"]) == \
        (6, 5, 1, 20.0)
    assert (march["same_month_last_year"], march["change_year"], march["change_year_pct"]) == (4, 2, 50.0)
    assert series["deviations.all"]["2026-03"]["count"] == 8
    february = series["deviations.lex_sarah"]["2026-02"]
    assert february["count"] == 0 and february["change_month_pct"] is None
    assert series["actions.created"]["2026-03"]["count"] == 1 and series["actions.done"]["2026-03"]["count"] == 1
    # E1's scope does not hold E3's lex Sarah cases.
    unit = get(env, "/api/v1/patterns/trends", who=CHEF_E1, unit_id=U["e1"], **{"from": "2026-03-01"})
    assert {m["month"]: m["count"] for m in next(s for s in unit["series"]
                                                 if s["key"] == "deviations.lex_sarah")["months"]}["2026-03"] == 0


def test_the_trends_export_as_csv_one_line_per_series_and_month(env):
    feed(env, *cases(U["e1"], date(2025, 3, 1), 4), *cases(U["e1"], date(2026, 2, 1), 5),
         *cases(U["e1"], date(2026, 3, 1), 6))
    query = {"from": "2026-02-10", "to": "2026-03-05"}
    document = get(env, "/api/v1/patterns/trends", **query)
    rows = get_csv(env, "/api/v1/patterns/trends", **query)
    assert list(rows[0]) == ["series", "title_sv", "month", "count", "previous_month", "change_month",
                             "change_month_pct", "same_month_last_year", "change_year", "change_year_pct"]
    assert len(rows) == sum(len(series["months"]) for series in document["series"]) == 2 * 8
    march = next(row for row in rows if row["series"] == "deviations.avvikelse" and row["month"] == "2026-03")
    assert (march["count"], march["change_month"], march["change_month_pct"], march["change_year_pct"]) == (
        "6", "1", "20.0", "50.0")
    february = next(row for row in rows if row["series"] == "deviations.lex_sarah" and row["month"] == "2026-02")
    assert february["count"] == "0" and february["change_month_pct"] == ""  # nothing to compare with: empty
    # The same scope rules as the JSON: E1's scope, and a refusal is problem+json, never a CSV.
    assert {row["count"] for row in get_csv(env, "/api/v1/patterns/trends", who=CHEF_E1, unit_id=U["e1"], **query)
            if row["series"] == "deviations.all" and row["month"] == "2026-03"} == {"6"}
    r = env.client.get("/api/v1/patterns/trends", query_string={"unit_id": U["e3"], "format": "csv"},
                       headers=env.auth(*CHEF_E1))
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    r = env.client.get("/api/v1/patterns/trends", query_string={"format": "xlsx"}, headers=env.auth(*KVAL_N))
    assert r.status_code == 422 and r.mimetype == "application/problem+json"


def test_the_flag_rule_flags_a_planted_spike_and_not_the_steady_units(env):
    month = date(2026, 10, 1)
    history = [months_before(month, n) for n in range(12, 0, -1)]
    planted = []
    for at in history:
        planted += cases(U["e1"], at, 2)                                    # steady 2 a month ...
        planted += cases(U["e2"], at, 6, category=CATEGORY)                 # steady 6 a month
        planted += cases(U["e3"], at, 3 + at.month % 2)                     # 3 or 4 a month
    planted += cases(U["e1"], month, 9)                                     # ... then 9: the spike
    planted += cases(U["e2"], month, 6, category=CATEGORY)                  # as always: not flagged
    planted += cases(U["e3"], month, 4)                                     # within its history
    planted += cases(U["x"], month, 3)                                      # new, but under the minimum of 5
    planted += cases(U["e3"], month, 6, category="c0000000-0000-0000-0000-000000000002")  # a new category spikes
    feed(env, *planted)
    document = get(env, "/api/v1/patterns/flags", month="2026-10")
    assert document["rule"]["min_cases"] == 5 and "standardavvikelser" in document["rule"]["text_sv"]
    assert [row["unit_id"] for row in document["units"]] == [U["e1"], U["e3"]]
    e1 = document["units"][0]
    assert (e1["count"], e1["mean"], e1["sd"], e1["threshold"], e1["flagged"]) == (9, 2.0, 0.0, 2.0, True)
    assert document["units"][1]["count"] == 10  # E3: 4 + 6 of the new category, above 3.5 + 2·0.5
    # Cases without a category are a series too: 9 + 4 + 3 this month against 5 or 6 before.
    assert [row["category_id"] for row in document["categories"]] == [None, "c0000000-0000-0000-0000-000000000002"]
    assert document["examined"] == {"units": 4, "categories": 3}
    # Only lex Sarah cases: nothing stands out; F2's scope sees only E3.
    assert get(env, "/api/v1/patterns/flags", month="2026-10", kind=["lex_sarah"])["units"] == []
    f2 = get(env, "/api/v1/patterns/flags", who=KVAL_F2, unit_id=U["f2"], month="2026-10")
    assert [row["unit_id"] for row in f2["units"]] == [U["e3"]]
    r = env.client.get("/api/v1/patterns/flags?month=2026-13", headers=env.auth(*KVAL_N))
    assert r.status_code == 422

    # As CSV: the flagged units, then the categories, with the month and the figures the rule compared.
    rows = get_csv(env, "/api/v1/patterns/flags", month="2026-10")
    assert [(row["what"], row["unit_id"] or row["category_id"]) for row in rows] == [
        ("unit", U["e1"]), ("unit", U["e3"]), ("category", ""), ("category", "c0000000-0000-0000-0000-000000000002")]
    assert (rows[0]["month"], rows[0]["count"], rows[0]["mean"], rows[0]["threshold"], rows[0]["unit_kind"]) == (
        "2026-10", "9", "2.0", "2.0", "unit")
    assert get_csv(env, "/api/v1/patterns/flags", month="2026-10", kind=["lex_sarah"]) == []  # the header alone


def put_volume(env, unit, measure, year, body, who=KVAL_N, **headers):
    return env.client.put(f"/api/v1/volumes/{unit}/{measure}/{year}", json=body, headers=env.auth(*who, **headers))


def test_in_house_units_beside_external_providers_per_1000_of_a_volume(env):
    feed(env, *cases(U["e1"], date(2026, 5, 1), 8), *cases(U["e2"], date(2026, 5, 1), 2, "lex_sarah"),
         *cases(U["x"], date(2026, 6, 1), 5), *cases(U["x"], date(2025, 6, 1), 7))
    assert put_volume(env, U["e1"], "varddygn", 2026, {"value": 4000}).status_code == 201
    assert put_volume(env, U["x"], "varddygn", 2026, {"value": "2500.5"}).status_code == 201
    assert put_volume(env, U["x"], "brukare", 2026, {"value": 10}).status_code == 201
    document = get(env, "/api/v1/patterns/providers", year=2026, measure="varddygn")
    units = {row["unit_id"]: row for row in document["units"]}
    assert set(units) == {U["e1"], U["e2"], U["x"], U["e3"]}
    assert (units[U["e1"]]["regi"], units[U["e1"]]["total"], units[U["e1"]]["rate_total"]) == ("in_house", 8, 2.0)
    assert units[U["e2"]]["volume"] is None and units[U["e2"]]["rate_total"] is None  # no volume: no rate
    assert units[U["e2"]]["by_kind"]["lex_sarah"] == 2
    assert (units[U["x"]]["regi"], units[U["x"]]["total"], units[U["x"]]["rate_total"]) == ("external", 5, 2.0)
    groups = {group["regi"]: group for group in document["groups"]}
    assert (groups["in_house"]["units"], groups["in_house"]["units_with_volume"], groups["in_house"]["total"],
            groups["in_house"]["rate_total"]) == (3, 1, 10, 2.0)
    assert groups["external"]["rate_total"] == 2.0 and groups["external"]["total"] == 5
    # Without a measure, or for a year without volumes, the counts stand alone.
    plain = get(env, "/api/v1/patterns/providers", year=2025)
    assert {row["unit_id"]: row["total"] for row in plain["units"]}[U["x"]] == 7
    assert all(row["rate_total"] is None for row in plain["units"])
    # The förvaltning F2 holds only E3.
    f2 = get(env, "/api/v1/patterns/providers", who=KVAL_F2, unit_id=U["f2"], year=2026, measure="varddygn")
    assert [row["unit_id"] for row in f2["units"]] == [U["e3"]]

    # As CSV: the two groups, then each unit, with the counts per kind and the rates where a volume is recorded.
    rows = get_csv(env, "/api/v1/patterns/providers", year=2026, measure="varddygn")
    assert [(row["row"], row["regi"]) for row in rows[:2]] == [("group", "in_house"), ("group", "external")]
    assert (rows[0]["units"], rows[0]["units_with_volume"], rows[0]["total"], rows[0]["rate_total"]) == (
        "3", "1", "10", "2.0")
    by_unit = {row["unit_id"]: row for row in rows[2:]}
    assert set(by_unit) == {U["e1"], U["e2"], U["x"], U["e3"]} and all(row["row"] == "unit" for row in rows[2:])
    assert (by_unit[U["e2"]]["lex_sarah"], by_unit[U["e2"]]["rate_total"], by_unit[U["e2"]]["volume"]) == ("2", "", "")
    assert (by_unit[U["x"]]["regi"], by_unit[U["x"]]["volume"], by_unit[U["x"]]["rate_avvikelse"]) == (
        "external", "2500.5", "2.0")
    assert {row["measure"] for row in rows} == {"varddygn"} and {row["year"] for row in rows} == {"2026"}


def test_the_volume_api_refuses_bad_input_and_roles_and_updates_with_if_match(env):
    bad = [({"value": -1}, 422), ({"value": 0}, 422), ({"value": "tusen"}, 422), ({"value": 1.234}, 422),
           ({"value": 10, "note": "x"}, 422), ({}, 422), ({"value": 1e20}, 422), ({"value": None}, 422)]
    for body, status in bad:
        r = put_volume(env, U["e1"], "varddygn", 2026, body)
        assert r.status_code == status, (body, r.get_json())
        assert r.mimetype == "application/problem+json"
    for measure, year in (("Vard-dygn", 2026), ("varddygn", 1999), ("varddygn", "20x6"), ("a" * 41, 2026)):
        r = put_volume(env, U["e1"], measure, year, {"value": 10})
        assert r.status_code in (404, 422), (measure, year, r.status_code)
    assert put_volume(env, U["e1"], "varddygn", 2026, {"value": 10}, who=CHEF_E1).status_code == 403
    assert put_volume(env, U["e1"], "varddygn", 2026, {"value": 10}, who=STAFF_E1).status_code == 403
    r = put_volume(env, U["e1"], "varddygn", 2026, {"value": 10}, who=KVAL_F2)  # E1 is not among F2's units
    assert r.status_code == 404 and r.get_json()["code"] == "unknown_volume"
    assert put_volume(env, "a0000000-0000-0000-0000-0000000000ff", "varddygn", 2026, {"value": 10}).status_code \
        == 404
    assert get(env, "/api/v1/volumes")["items"] == []  # nothing recorded by the refused requests

    created = put_volume(env, U["e1"], "varddygn", 2026, {"value": "36500"}, who=ADMIN_N)
    assert created.status_code == 201 and created.get_json()["value"] == "36500.00"
    tag = created.headers["ETag"]
    assert put_volume(env, U["e1"], "varddygn", 2026, {"value": 1}).status_code == 428
    assert put_volume(env, U["e1"], "varddygn", 2026, {"value": 1}, **{"If-Match": '"stale.1"'}).status_code == 412
    changed = put_volume(env, U["e1"], "varddygn", 2026, {"value": 37000}, **{"If-Match": tag})
    assert changed.status_code == 200 and changed.get_json()["version"] == 2 and changed.headers["ETag"] != tag
    assert put_volume(env, U["e1"], "varddygn", 2026, {"value": 1}, **{"If-Match": tag}).status_code == 412
    items = get(env, "/api/v1/volumes", year=2026)["items"]
    assert [(i["unit_id"], i["measure"], i["value"]) for i in items] == [(U["e1"], "varddygn", "37000.00")]
    assert get(env, "/api/v1/volumes", who=KVAL_F2)["items"] == []  # another förvaltning's volumes are not shown
    rows = get_csv(env, "/api/v1/volumes", year=2026)
    assert [(row["unit_id"], row["measure"], row["year"], row["value"], row["version"]) for row in rows] == [
        (U["e1"], "varddygn", "2026", "37000.00", "2")]
    assert get_csv(env, "/api/v1/volumes", who=KVAL_F2) == []
    assert env.client.get("/api/v1/volumes", headers=env.auth(*STAFF_E1)).status_code == 403
    assert env.client.get("/api/v1/volumes?year=abc", headers=env.auth(*KVAL_N)).status_code == 422
