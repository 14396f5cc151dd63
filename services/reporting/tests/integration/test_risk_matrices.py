"""The tenant's risk matrices in reporting (se.ordning.risk.matrix_changed.v1 → the risk_matrices read model) and
the heat map drawn on them: the default 4×4 for a tenant that never announced one, a 3×3 and a 5×5 of the
tenant's own, a risk on the grid of the version it was scored on; a redelivered, repeated or late matrix event
changes nothing wrong, and a rebuild gives the same. Over PostgreSQL, the events fed to the worker's handler as
the risks service publishes them (each held against docs/asyncapi.yaml)."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from ordning_shared.risk_matrix import DEFAULT_MATRIX_DEFINITION, heat_chart, heat_grids
from ordning_shared.testing import catalogue_errors

from ordning_reporting import rebuild

from .conftest import value
from .model_streams import Analysis, Matrix, Risk
from .streams import A, B, U

pytestmark = pytest.mark.integration
FCHEF_FB = ("fiona", ["forvaltningschef"], ["fb"])
KVAL_N = ("karl", ["kvalitetsutvecklare"], ["n"])
THREE = (("lag", "Grön", "#1b5e20"), ("medel", "Gul", "#fdd835"), ("hog", "Röd", "#b71c1c"))
FIVE = (("lag", "Låg risk", "#00aa00"), ("hog", "Hög risk", "#ff8800"), ("kritisk", "Kritisk", "#880000"))


def feed(env, *aggregates, expect="processed"):
    for aggregate in aggregates:
        for body in aggregate.bodies:
            if "matrix_changed" in body.decode():
                assert catalogue_errors(json.loads(body)) == []
            assert env.feed(body) == expect


def grid(document) -> dict[int, dict]:
    """{version: {(p, c): row}} of the figures' heat map."""
    found: dict[int, dict] = {}
    for row in value(document, "risks", "heat_map"):
        found.setdefault(row["matrix_version"], {})[(row["probability"], row["consequence"])] = row
    return found


def test_a_tenant_that_never_changed_its_matrix_is_drawn_on_the_default(env):
    analysis = Analysis(A, U["e1"], date(2026, 3, 10)).start()
    risk = Risk(analysis, date(2026, 3, 10)).identify().score("initial", 4, 3)
    feed(env, analysis, risk)
    heat = grid(env.figures())
    assert list(heat) == [1] and len(heat[1]) == 16  # the whole 4×4, not only the cell with a risk
    cell = heat[1][(4, 3)]
    assert cell["initial"] == 1 and cell["current"] is True and cell["level"] == "mycket_hog"
    assert (cell["probability_label"], cell["consequence_label"]) == ("Mycket stor", "Betydande")
    assert (cell["level_label"], cell["level_colour"]) == ("Mycket hög", "#c62828")
    assert sum(row["initial"] for row in heat[1].values()) == 1
    assert [row["probability"] for row in value(env.figures(), "risks", "heat_map")][:4] == [4, 4, 4, 4]
    # A tenant with no risk work at all still has the default grid to show.
    empty = grid(env.figures(who=FCHEF_FB, tenant=B))
    assert list(empty) == [1] and all(row["initial"] == 0 for row in empty[1].values())
    assert {(c["probability"], c["consequence"]): c["level"] for c in DEFAULT_MATRIX_DEFINITION["cells"]} == {
        key: row["level"] for key, row in empty[1].items()}


def test_a_3x3_matrix_of_the_tenants_own_with_risks_on_it_and_on_the_default_before(env):
    three = Matrix(A, 2, size=3, levels=THREE).announce()  # version 1 (the default) was never announced
    before = Analysis(A, U["e1"], date(2026, 2, 1)).start()                # scored on version 1, the default
    old = Risk(before, date(2026, 2, 1)).identify().score("initial", 4, 4)
    now = Analysis(A, U["e1"], date(2026, 4, 1), matrix_version=2).start()
    high = Risk(now, date(2026, 4, 1)).identify().score_on(three, "initial", 3, 3).score_on(three, "residual", 1, 2)
    mid = Risk(now, date(2026, 4, 2)).identify().score_on(three, "initial", 2, 1)
    feed(env, three, before, old, now, high, mid)

    document = env.figures()
    heat = grid(document)
    assert list(heat) == [2, 1]  # the current version first, then the older one that holds a risk
    assert len(heat[2]) == 9 and len(heat[1]) == 16
    assert {key: (row["initial"], row["residual"]) for key, row in heat[2].items() if row["initial"] or row["residual"]
            } == {(3, 3): (1, 0), (1, 2): (0, 1), (2, 1): (1, 1)}
    assert heat[1][(4, 4)]["initial"] == 1 and heat[1][(4, 4)]["level_label"] == "Mycket hög"
    top = heat[2][(3, 3)]
    assert (top["level"], top["level_label"], top["level_colour"], top["level_rank"]) == ("hog", "Röd", "#b71c1c", 2)
    assert (top["probability_label"], top["consequence_label"], top["current"]) == ("S3 sannolikhet",
                                                                                      "K3 konsekvens", True)
    assert heat[1][(1, 1)]["current"] is False
    levels = {(row["matrix_version"], row["level"]): (row["level_label"], row["identified"], row["in_plan"])
              for row in value(document, "risks", "risks_by_level")}
    # now: high after actions (1, 2) and mid (2, 1) are low on the 3×3; the old risk very high on the default
    assert levels == {(2, "lag"): ("Grön", 2, 0), (1, "mycket_hog"): ("Mycket hög", 1, 1)}

    # The grids as the web and the reports draw them: 3 × 3 with the tenant's words and colours.
    (current, older) = heat_grids(value(document, "risks", "heat_map"))
    assert current.size == (3, 3) and older.size == (4, 4)
    chart = heat_chart(current, "riskkarta", "Riskkarta")
    assert chart.rows[0][0] == "3 S3 sannolikhet" and chart.columns[1:] == ("1 K1 konsekvens", "2 K2 konsekvens",
                                                                            "3 K3 konsekvens")
    assert 'fill="#b71c1c"' in chart.svg and "Röd" in chart.svg

    # The CSV of the table: every cell with its level's name and colour.
    r = env.client.get("/api/v1/figures", query_string={"from": "2026-01-01", "to": "2026-12-31", "format": "csv",
                                                        "table": "risks.heat_map"}, headers=env.auth(*KVAL_N))
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert len(rows) == 25 and (rows[0]["matrix_version"], rows[0]["probability"], rows[0]["consequence"]) == (
        "2", "3", "1")
    assert (rows[2]["level_label"], rows[2]["level_colour"], rows[2]["initial"]) == ("Röd", "#b71c1c", "1")


def test_a_5x5_matrix_is_its_tenants_alone(env):
    five = Matrix(B, 2, size=5, levels=FIVE, threshold="hog").announce()
    analysis = Analysis(B, U["eb"], date(2026, 5, 5), matrix_version=2).start()
    risk = Risk(analysis, date(2026, 5, 5)).identify().score_on(five, "initial", 5, 4)
    feed(env, five, analysis, risk)
    heat = grid(env.figures(who=FCHEF_FB, tenant=B))
    assert list(heat) == [2] and len(heat[2]) == 25
    assert heat[2][(5, 4)]["initial"] == 1 and heat[2][(5, 4)]["level_label"] == "Kritisk"
    assert heat[2][(1, 1)]["level_colour"] == "#00aa00"
    # Tenant A knows nothing of it: its grid is the default.
    mine = grid(env.figures())
    assert list(mine) == [1] and len(mine[1]) == 16


def test_a_matrix_event_redelivered_repeated_or_late_changes_nothing_wrong_and_a_rebuild_agrees(env):
    three = Matrix(A, 2, size=3, levels=THREE).announce()
    five = Matrix(A, 3, size=5, levels=FIVE, threshold="hog").announce()
    feed(env, five)  # version 3 first,
    feed(env, three)  # then version 2: late
    feed(env, three, five, expect="duplicate")  # the same events again (same source and id)
    again = Matrix(A, 2, size=3, levels=THREE).announce()  # version 2 announced again, under a new id
    feed(env, again)
    facts = {key: fact for key, fact in env.facts().items() if key[1] == "risk_matrices"}
    ((key, (version, state)),) = facts.items()
    assert key == (A, "risk_matrices", three.matrix_id) and version == 3
    assert sorted(state["versions"]) == ["2", "3"]
    assert len(state["versions"]["2"]["cells"]) == 9 and len(state["versions"]["3"]["cells"]) == 25
    heat = grid(env.figures())
    assert list(heat) == [3] and len(heat[3]) == 25  # the current version: the highest announced

    rebuild.rebuild(env.platform.engine, ["risk_matrices"])
    assert {key: fact for key, fact in env.facts().items() if key[1] == "risk_matrices"} == facts
    assert grid(env.figures()) == heat


def test_a_risk_on_a_version_reporting_has_not_heard_of_is_listed_without_a_grid(env):
    analysis = Analysis(A, U["e1"], date(2026, 3, 10), matrix_version=4).start()
    risk = Risk(analysis, date(2026, 3, 10)).identify().score("initial", 2, 3)
    feed(env, analysis, risk)
    heat = grid(env.figures())
    assert list(heat) == [1, 4] and len(heat[4]) == 1
    assert heat[4][(2, 3)]["initial"] == 1 and heat[4][(2, 3)]["level_colour"] is None
    assert [found.version for found in heat_grids(value(env.figures(), "risks", "heat_map"))] == [1]


def test_the_reports_heat_map_is_drawn_on_the_tenants_grid(env):
    three = Matrix(A, 2, size=3, levels=THREE).announce()
    analysis = Analysis(A, U["e1"], date(2026, 4, 1), matrix_version=2).start()
    risk = Risk(analysis, date(2026, 4, 1)).identify().score_on(three, "initial", 3, 2)
    feed(env, three, analysis, risk)
    headers = env.auth("frida", ["forvaltningschef"], ["f"])
    r = env.client.post("/api/v1/reports", json={"kind": "quality_report", "scope_type": "administration",
                                                 "unit_id": U["f"], "year": 2026}, headers=headers)
    assert r.status_code == 201, r.get_json()
    chart = env.client.get(f"/api/v1/reports/{r.get_json()['id']}/charts/riskkarta", headers=headers).get_json()
    assert chart["columns"] == ["Sannolikhet \\ Konsekvens", "1 K1 konsekvens", "2 K2 konsekvens", "3 K3 konsekvens"]
    assert chart["rows"] == [["3 S3 sannolikhet", 0, 1, 0], ["2 S2 sannolikhet", 0, 0, 0],
                             ["1 S1 sannolikhet", 0, 0, 0]]
    assert 'fill="#b71c1c"' in chart["svg"] and "Röd" in chart["svg"]

