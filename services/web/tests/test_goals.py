"""Kvalitetsmål in the web, on the real processes service: the goals of the person's units with attainment per
period, a measurement by hand, a CSV file with bad rows listed beside the form (nothing stored), and a good one."""
from __future__ import annotations

import io

import pytest
import requests

from ordning_shared import demo

from .conftest import csrf_of, sign_in

GOALS = "/api/v1/quality-goals"


@pytest.fixture(scope="module")
def demo_goal(services):
    headers = {"Authorization": f"Bearer {services.token('karin')}"}
    api = services.urls["processes"] + GOALS
    goal = requests.post(api, headers=headers, timeout=10, json={
        "unit_id": demo.unit_id("0138", "Hemtjänst Norr"), "title": "Avvikelser utreds skyndsamt",
        "description": "Inom 14 dagar.", "period_start": "2026-01-01", "period_end": "2026-12-31"}).json()
    indicator = requests.post(f"{api}/{goal['id']}/indicators", headers=headers, timeout=10, json={
        "name": "Andel avvikelser som utretts inom 14 dagar", "unit_of_measure": "percent",
        "direction": "higher_is_better", "target": 90, "threshold": 80, "frequency": "monthly"}).json()
    for period, value in (("2026-01", 95), ("2026-02", 85)):
        answer = requests.post(f"{api}/{goal['id']}/indicators/{indicator['id']}/measurements", headers=headers,
                               timeout=10, json={"period": period, "value": value})
        assert answer.status_code == 201, answer.text
    return goal, indicator


def test_the_goals_of_my_units_with_attainment_per_period(web, demo_goal):
    goal, indicator = demo_goal
    sign_in(web, "erik")
    overview = web.get("/kvalitetsmal")
    assert overview.status_code == 200 and "Avvikelser utreds skyndsamt" in overview.text
    assert 'href="/kvalitetsmal"' in overview.text and 'aria-current="page"' in overview.text
    page = web.get(f"/kvalitetsmal/{goal['id']}")
    assert page.status_code == 200
    assert "Mål: minst 90 % (delvis uppfyllt från 80 %)" in page.text
    assert "Uppfyllt 1 av 2 perioder, delvis uppfyllt 1." in page.text
    assert ">Delvis uppfyllt<" in page.text and "Spara mätvärdet" in page.text and "Läs in filen" in page.text


def test_a_measurement_by_hand_and_its_refusals(web, demo_goal):
    goal, indicator = demo_goal
    sign_in(web, "erik")
    page = web.get(f"/kvalitetsmal/{goal['id']}")
    url = f"/kvalitetsmal/{goal['id']}/{indicator['id']}/matvarde"
    bad = web.post(url, data={"period": "mars", "value": "92,5", "csrf_token": csrf_of(page)})
    assert bad.status_code == 422 and "Perioden ska skrivas ÅÅÅÅ-MM" in bad.text and 'aria-invalid="true"' in bad.text
    assert 'value="mars"' in bad.text
    done = web.post(url, data={"period": "2026-03", "value": "92,5", "csrf_token": csrf_of(page)})
    assert done.status_code == 302
    shown = web.get(f"/kvalitetsmal/{goal['id']}")
    assert "Mätvärdet för 2026-03 är sparat." in shown.text and "92,5 %" in shown.text
    again = web.post(url, data={"period": "2026-03", "value": "1", "csrf_token": csrf_of(page)})
    assert again.status_code == 422 and "redan ett mätvärde" in again.text


def test_a_csv_with_bad_rows_stores_nothing_and_lists_them_then_a_good_one(web, demo_goal, services):
    goal, indicator = demo_goal
    sign_in(web, "erik")
    page = web.get(f"/kvalitetsmal/{goal['id']}")
    url = f"/kvalitetsmal/{goal['id']}/{indicator['id']}/fil"
    text = "period;värde;kommentar\n2026-04;91,0;\n2026-13;90;\n2026-05;nittio;\n"
    bad = web.post(url, data={"csrf_token": csrf_of(page), "fil": (io.BytesIO(text.encode()), "matvarden.csv")},
                   content_type="multipart/form-data")
    assert bad.status_code == 422
    assert "Inget sparades: 2 rad(er) i filen är felaktiga." in bad.text
    assert "Rader som behöver rättas" in bad.text and "Månaden ska vara 01–12." in bad.text
    assert "Värdet ska vara ett tal" in bad.text
    assert "2026-04" not in web.get(f"/kvalitetsmal/{goal['id']}").text
    empty = web.post(url, data={"csrf_token": csrf_of(page)}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "Välj en CSV-fil." in empty.text
    excel = "period;värde;kommentar\n2026-04;91,0;Påsk\n2026-05;88;\n".encode("cp1252")
    good = web.post(url, data={"csrf_token": csrf_of(page), "fil": (io.BytesIO(excel), "matvarden.csv")},
                    content_type="multipart/form-data")
    assert good.status_code == 302
    shown = web.get(f"/kvalitetsmal/{goal['id']}").text
    assert "2 mätvärden från filen är sparade." in shown and "Påsk" in shown


def test_staff_read_but_do_not_write_and_bad_ids_are_404(web, demo_goal):
    goal, indicator = demo_goal
    sign_in(web, "anna")
    page = web.get(f"/kvalitetsmal/{goal['id']}")
    assert page.status_code == 200 and "Spara mätvärdet" not in page.text
    refused = web.post(f"/kvalitetsmal/{goal['id']}/{indicator['id']}/matvarde",
                       data={"period": "2026-06", "value": "1", "csrf_token": csrf_of(page)})
    assert refused.status_code == 403
    assert web.get("/kvalitetsmal/inte-ett-id").status_code == 404
    assert web.get("/kvalitetsmal/00000000-0000-4000-8000-000000000000").status_code == 404
