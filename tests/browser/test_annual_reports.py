"""Årsberättelser by keyboard, at phone and desk width, on the embedded stack with the reporting service: the
förvaltningschef creates the kvalitetsberättelse of Socialförvaltningen, reads its figures and charts, writes
the summary, opens the document and the PDF, and finishes it after being asked; then it is frozen."""
from __future__ import annotations

from datetime import datetime

import pytest

pytestmark = pytest.mark.e2e

FETCH_TYPE = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {credentials: 'same-origin'})
  .then(r => r.arrayBuffer().then(b => done({status: r.status, type: r.headers.get('content-type'),
      start: String.fromCharCode(...new Uint8Array(b.slice(0, 5)))})))
  .catch(e => done({error: String(e)}));
"""


def test_the_forvaltningschef_writes_and_finishes_the_kvalitetsberattelse_by_keyboard(browser):
    # One report per kind, förvaltning and year: the two widths write two years' reports.
    year = datetime.now().year - (0 if browser.size == "desk" else 1)
    frida = browser
    frida.sign_in("Frida Fransson")
    frida.tab_to_text("Årsberättelser")
    frida.enter()
    assert frida.path == "/arsberattelser"
    state = frida.tab_to_name("kind")
    assert state["id"] == "kind-quality_report", state
    frida.tab_to_id("scope")
    assert frida.selected_option("scope") == "Socialförvaltningen"
    frida.tab_to_id("year")
    frida.type(str(year))
    assert frida.selected_option("year") == str(year)
    frida.tab_to_id("skapa")
    frida.enter()
    assert frida.path.startswith("/arsberattelser/"), frida.text()
    report_path = frida.path
    assert f"Kvalitetsberättelse {year}" in frida.text("h1") and "Socialförvaltningen" in frida.text("h1")
    assert "är skapad som utkast" in frida.text()
    assert "Utkast" in frida.text(".report-state")
    charts = frida.driver.execute_script(
        "return Array.from(document.querySelectorAll('.report-chart svg')).map(s => s.getAttribute('role'))")
    assert charts and set(charts) == {"img"}
    assert "Anmälda ärenden" in frida.text("#avvikelser-tabell-deviations")
    assert frida.driver.execute_script("return document.documentElement.scrollWidth") <= \
        frida.driver.execute_script("return window.innerWidth")

    # The summary, written and saved
    frida.tab_to_text("Skriv texten")
    frida.enter()
    assert frida.path.endswith("/avsnitt/sammanfattning")
    frida.tab_to_id("text")
    frida.type("Fler avvikelser rapporterades, och fler åtgärder blev klara.")
    frida.tab_to_id("spara")
    frida.enter()
    assert "Texten är sparad." in frida.text()
    assert "Fler avvikelser rapporterades" in frida.text("#avsnitt-sammanfattning + .report-text-html")

    # The PDF through the web, with the browser's session only
    pdf = frida.driver.execute_async_script(FETCH_TYPE, frida.base_url + report_path + "/pdf")
    assert pdf["status"] == 200 and pdf["type"] == "application/pdf" and pdf["start"] == "%PDF-", pdf

    # Finishing asks first; then the report is frozen. Back up the page (the save left her at her section).
    for _ in range(20):
        if frida.tab(backwards=True)["id"] == "gor-fardig":
            break
    assert frida.focus_state()["id"] == "gor-fardig"
    frida.enter()
    assert "färdig?" in frida.text("h1") and "Den kan aldrig ändras efteråt." in frida.text()
    frida.tab_to_id("bekrafta")
    frida.enter()
    assert frida.path == report_path
    assert "Berättelsen är färdig." in frida.text()
    assert "Färdig" in frida.text(".report-state") and "Frida Fransson" in frida.text(".report-state")
    assert not frida.driver.execute_script("return !!document.getElementById('nya-siffror')")
    assert "Skriv texten" not in frida.text()

    # The document as the nämnd reads it
    frida.tab_to_text("Visa som dokument")
    frida.enter()
    assert frida.path == report_path + "/dokument"
    assert "Fler avvikelser rapporterades" in frida.text("body")
