"""The heat map (riskkarta) on Uppföljning, on the stand-in reporting service (the reporting service's own domain
code: its risk facts, read model of matrices and heat map rows): drawn on the tenant's grid of each matrix version
holding risks, before and after actions, in the tenant's words and colours: the default 4×4 where the tenant never
changed its matrix, a 3×3 and a 5×5 of the tenant's own; the table beside lists the cells with risks by name;
the table's CSV is the reporting service's."""
from __future__ import annotations

import re

import pytest

from ordning_shared import demo

from .conftest import sign_in
from .fake_reporting import EXTRA_RISKS, MATRICES, NORR, FakeReporting

MARCH = f"/uppfoljning?omfattning={NORR}&period=manad&manad=2026-03"


@pytest.fixture(scope="module")
def reporting():
    fake = FakeReporting()
    yield fake
    fake.stop()


@pytest.fixture
def web(services, reporting):
    from ordning_web.app import create_app

    reporting.fail_with = None
    reporting.requests.clear()
    yield create_app(services.web_settings(reporting_url=reporting.url)).test_client()
    MATRICES.clear()
    EXTRA_RISKS.clear()


def matrix(size: int, levels) -> dict:
    """A version of a tenant's matrix as reporting keeps it (risk_facts.matrix_version_of)."""
    def level(p, c):
        return levels[2][0] if p * c * 2 >= size * size else levels[1][0] if p * c * 4 >= size * size else levels[0][0]
    return {"probability_steps": [{"value": i, "label": f"Sannolikhet {i}"} for i in range(1, size + 1)],
            "consequence_steps": [{"value": i, "label": f"Följd {i}"} for i in range(1, size + 1)],
            "levels": [{"code": code, "label": label, "colour": colour} for code, label, colour in levels],
            "cells": {f"{p},{c}": level(p, c) for p in range(1, size + 1) for c in range(1, size + 1)},
            "plan_threshold": levels[1][0]}


def risk(version: int, p: int, c: int, level: str, after=None) -> dict:
    return {"analysis_id": "a2", "unit_id": NORR, "analysis_unit_id": NORR, "matrix_version": version,
            "identified_on": "2026-03-20", "escalations": {},
            "initial": {"probability": p, "consequence": c, "score": p * c, "level": level, "in_plan": True},
            "residual": after}


def svgs(text: str) -> dict[str, str]:
    """The heat map charts of the page by their id."""
    return dict(re.findall(r'<svg[^>]*aria-labelledby="chart-(uppfoljning-risks-heat_map-[^ ]+)-title [^"]*"[^>]*>'
                           r'(.*?)</svg>', text, re.S))


def heat_table(text: str) -> str:
    table = text[text.index('id="tabell-risks-heat_map"'):]
    return table[:table.index("</table>")]


def test_a_tenant_that_never_changed_its_matrix_sees_the_default_grid_before_and_after_actions(web):
    sign_in(web, "erik")
    page = web.get(MARCH)
    assert page.status_code == 200, page.text
    charts = svgs(page.text)
    assert sorted(charts) == ["uppfoljning-risks-heat_map-1-initial", "uppfoljning-risks-heat_map-1-residual"]
    before = charts["uppfoljning-risks-heat_map-1-initial"]
    assert "Riskkarta före åtgärder (matrisversion 1, den gällande)" in before
    # 4 × 4 cells in the default's colours, the step names of DOMAIN.md, the highest probability on top
    assert before.count("<rect") == 16 + 4  # the cells and the legend's four levels
    assert 'fill="#c62828"' in before and "Mycket hög" in before and "4 Mycket stor" in before
    assert before.index("4 Mycket stor") < before.index("1 Mycket liten")
    assert "style=" not in before
    # The table: the two cells with the risk, by their step names and level name, no codes or colours
    table = heat_table(page.text)
    assert len(re.findall(r"<tr><th scope=\"row\"", table)) == 2
    assert "3 Stor" in table and "4 Katastrofal" in table and "2 Liten" in table and "Hög" in table
    assert "#c62828" not in table and "mycket_hog" not in table
    assert 'class="follow-chart-pair"' in page.text


def test_a_3x3_of_the_tenants_own_is_drawn_as_its_grid_beside_the_older_default(web):
    MATRICES["0138"] = [{"versions": {"2": matrix(3, [("gron", "Grön", "#1b5e20"), ("gul", "Gul", "#fdd835"),
                                                      ("rod", "Röd", "#b71c1c")])}}]
    EXTRA_RISKS.append(risk(2, 3, 3, "rod", after={"probability": 1, "consequence": 1, "score": 1, "level": "gron",
                                                   "in_plan": False}))
    sign_in(web, "erik")
    page = web.get(MARCH)
    charts = svgs(page.text)
    assert list(charts) == ["uppfoljning-risks-heat_map-2-initial", "uppfoljning-risks-heat_map-2-residual",
                            "uppfoljning-risks-heat_map-1-initial", "uppfoljning-risks-heat_map-1-residual"]
    three = charts["uppfoljning-risks-heat_map-2-initial"]
    assert "matrisversion 2, den gällande" in three and three.count("<rect") == 9 + 3
    assert 'fill="#b71c1c"' in three and "Röd" in three and "3 Sannolikhet 3" in three and "1 Följd 1" in three
    assert "4 Mycket stor" not in three  # the old risk stays on the default's grid
    assert "matrisversion 1)" in charts["uppfoljning-risks-heat_map-1-initial"]
    table = heat_table(page.text)
    assert "3 Sannolikhet 3" in table and "Röd" in table and "Grön" in table


def test_a_5x5_of_the_tenants_own(web):
    MATRICES["0138"] = [{"versions": {"2": matrix(5, [("lag", "Låg", "#00aa00"), ("hog", "Hög", "#ff8800"),
                                                      ("kritisk", "Kritisk", "#880000")])}}]
    EXTRA_RISKS.append(risk(2, 5, 4, "kritisk"))
    sign_in(web, "erik")
    page = web.get(MARCH)
    five = svgs(page.text)["uppfoljning-risks-heat_map-2-initial"]
    assert five.count("<rect") == 25 + 3 and 'fill="#880000"' in five and "Kritisk" in five
    assert "5 Sannolikhet 5" in five and "5 Följd 5" in five
    # Every cell of the grid downloads as the reporting service's CSV, with its level's name and colour
    download = web.get(f"/uppfoljning/ladda-ner?format=csv&omfattning={NORR}&period=manad&manad=2026-03"
                       "&tabell=risks.heat_map")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    lines = download.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("matrix_version,current,probability,probability_label,consequence")
    assert len(lines) == 1 + 25 + 16
    assert any(line.startswith("2,True,5,Sannolikhet 5,4,Följd 4,20,kritisk,Kritisk,#880000,2,1,1") for line in lines)


def test_a_period_without_risks_draws_no_grid_and_says_so(web):
    sign_in(web, "erik")
    page = web.get(f"/uppfoljning?omfattning={NORR}&period=manad&manad=2026-02")
    assert svgs(page.text) == {}
    section = page.text[page.text.index('id="rubrik-risks-heat_map"'):]
    assert "Inget att räkna under perioden." in section[:400]


def test_another_unit_sees_none_of_norrs_risks(web):
    sign_in(web, "frida")
    syd = demo.unit_id("0138", "Hemtjänst Syd")
    page = web.get(f"/uppfoljning?omfattning={syd}&period=manad&manad=2026-03")
    assert page.status_code == 200 and svgs(page.text) == {}
