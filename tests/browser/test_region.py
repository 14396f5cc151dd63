"""The region pages by keyboard, at phone and desk width, on the embedded stack: Regina Region, host of Stockholms
län (the region tenant 01), sees the municipalities that agreed to be shown (the demo's Tyresö) side by side, with
counts under the threshold as "< 5" and nothing of Öckerö (another län); Tyresö's administratör withdraws the
consent and gives it again, and a wrong threshold is announced and tied to its field. Every page is checked by
axe at both widths (conftest)."""
from __future__ import annotations

import pytest

from .test_follow_up import FETCH

pytestmark = pytest.mark.e2e


def cell(browser, table_css: str, row_title: str) -> list[str]:
    """The cells of a table's row, by the text of its row header."""
    return browser.driver.execute_script(
        "const th = Array.from(document.querySelectorAll(arguments[0] + ' th[scope=row]'))"
        ".find(t => t.innerText.trim() === arguments[1]);"
        "return th ? Array.from(th.parentElement.querySelectorAll('td')).map(td => td.innerText.trim()) : null;",
        table_css, row_title)


def test_the_region_host_sees_tyreso_side_by_side_with_small_counts_suppressed(browser):
    regina = browser
    regina.sign_in("Regina Region")
    header = regina.text("header")
    # A region host reads the region view, nothing of a municipality's own pages
    assert "Regionen" in header and "Uppföljning" not in header and "Inkorgen" not in header
    regina.tab_to_text("Regionen")
    regina.enter()
    assert regina.path == "/region"
    assert regina.text("h1") == "Regionen"
    assert "Så läser du siffrorna:" in regina.text(".notice")
    assert regina.driver.execute_script("return document.documentElement.scrollWidth") <= \
        regina.driver.execute_script("return window.innerWidth")
    # Tyresö agreed (the demo's consent); Öckerö lies in another län
    columns = regina.driver.execute_script(
        "return Array.from(document.querySelectorAll('#avsnitt-deviations ~ .table-scroll thead th, "
        "section[aria-labelledby=avsnitt-deviations] thead th')).map(t => t.innerText.trim())")
    assert "Tyresö kommun" in columns and not any("Öckerö" in c for c in columns), columns
    assert "Öckerö" not in regina.text("main")
    # The demo's single lex Sarah case: a count under 5, so "< 5", never the number
    lex_sarah = regina.text("section[aria-labelledby=avsnitt-lex_sarah]")
    assert "< 5" in lex_sarah, lex_sarah
    # This year, chosen again by keyboard
    state = regina.tab_to_id("ar")
    assert state["tag"] == "select"
    regina.tab_to_id("visa")
    regina.enter()
    assert regina.path.startswith("/region?ar=")
    # All the figures as CSV through the web, with the browser's cookie only
    regina.tab_to(lambda s: s["tag"] == "a" and s["text"] == "Alla siffror som CSV", "the CSV link")
    href = regina.driver.execute_script("return document.activeElement.href")
    answer = regina.driver.execute_async_script(FETCH, href)
    assert answer["status"] == 200 and answer["type"].startswith("text/csv"), answer
    text = answer["text"].lstrip("\ufeff")
    assert text.startswith("section,figure,row,title_sv,0138") and "1407" not in text.splitlines()[0], text[:200]
    assert ",< 5" in text


def test_the_administrator_withdraws_and_gives_the_consent_by_keyboard(browser):
    admin = browser
    admin.sign_in("Tyresö administratör")
    admin.tab_to_text("Uppföljning")
    admin.enter()
    admin.tab_to_text("Delning med regionen")
    admin.enter()
    assert admin.path == "/region/samtycke"
    assert admin.text("h1") == "Delning med regionen"
    assert "Kommunens siffror visas för regionen." in admin.text("section[aria-labelledby=samtycke]")

    admin.tab_to_id("avsluta")
    admin.enter()
    assert admin.text(".notice[role=status]") == "Kommunens siffror visas inte längre för regionen."
    assert "Kommunens siffror visas inte för regionen." in admin.text("section[aria-labelledby=samtycke]")
    # Given again, so the demo (and the region host's test) keeps its consent
    admin.tab_to_id("dela")
    admin.enter()
    assert admin.text(".notice[role=status]").startswith("Kommunens siffror visas nu för regionen")
    assert "Kommunens siffror visas för regionen." in admin.text("section[aria-labelledby=samtycke]")

    # A threshold that is no number: announced (role=alert) and tied to its field, what was typed kept
    admin.tab_to_id("threshold")
    admin.type("x")
    admin.tab_to_id("spara-troskel")
    admin.enter()
    summary = admin.driver.find_element("css selector", ".error-summary")
    assert summary.get_attribute("role") == "alert" and summary.text.strip()
    assert admin.driver.execute_script(
        "const f = document.getElementById('threshold'); return f.getAttribute('aria-invalid') === 'true' && "
        "f.getAttribute('aria-describedby').includes('threshold-fel') && f.value.endsWith('x')")


def test_the_region_host_has_no_consent_page_and_a_chef_no_region_view(open_browser):
    regina = open_browser("phone", "regina")
    regina.sign_in("Regina Region")
    regina.open("/region/samtycke")
    assert regina.text("h1") != "Delning med regionen"
    erik = open_browser("desk", "erik")
    erik.sign_in("Erik Eriksson")
    assert "Regionen" not in erik.text("header nav")
    erik.open("/region")
    assert erik.text("h1") != "Regionen"
