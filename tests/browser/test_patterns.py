"""Mönster och jämförelser by keyboard, at phone and desk width, on the embedded stack with the reporting
service: the kvalitetsutvecklare goes from the figures to the patterns of her förvaltning, reads the monthly
development, the rule that flags a unit or a category, and the own units beside the utförare i privat regi;
chooses one month by keyboard; and downloads the development through the web with the browser's session only."""
from __future__ import annotations

import re

import pytest

from .test_follow_up import FETCH

pytestmark = pytest.mark.e2e


def test_the_kvalitetsutvecklare_reads_the_patterns_of_her_forvaltning_by_keyboard(browser):
    karin = browser
    karin.sign_in("Karin Karlsson")
    karin.tab_to_text("Uppföljning")
    karin.enter()
    # The second view of the same choice: a tab link, reached and followed by keyboard
    karin.tab_to(lambda s: s["tag"] == "a" and s["text"] == "Mönster och jämförelser", "the Mönster tab")
    karin.enter()
    assert karin.path.startswith("/uppfoljning/monster")
    assert karin.text("h1") == "Mönster och jämförelser"
    assert karin.title().startswith("Mönster och jämförelser")
    assert karin.driver.execute_script(
        "return document.querySelector('.follow-tabs a[aria-current=page]').textContent") == "Mönster och jämförelser"
    assert karin.selected_option("omfattning") == "Socialförvaltningen"
    assert karin.driver.execute_script("return document.documentElement.scrollWidth") <= \
        karin.driver.execute_script("return window.innerWidth")

    # The development month by month: one row per month of the period, the months named in Swedish
    development = karin.text("#tabell-utveckling")
    assert "Månad" in development and re.search(r"(januari|februari|mars|april|maj|juni|juli|augusti|september|"
                                                 r"oktober|november|december) \d{4}", development), development
    # What stands out, and by which rule: said in words, not only by a number
    assert karin.text("h2#sticker-ut").startswith("Det som sticker ut i ")
    rule = karin.text("#sticker-ut + p")
    assert rule.startswith("Regeln:") and len(rule) > 30, rule
    # The own units beside the utförare i privat regi (the demo's Omsorgshuset AB)
    regi = karin.text("#tabell-regi")
    assert "Egen regi" in regi and "Privat regi" in regi, regi
    units = karin.text("#tabell-regi-enheter") if karin.driver.execute_script(
        "return !!document.getElementById('tabell-regi-enheter')") else ""
    assert not units or "Hemtjänst Norr" in units or "Omsorgshuset AB" in units, units

    # One month, chosen by keyboard: the radio group, the arrow to "En månad" (this month already chosen)
    state = karin.tab_to_name("period")
    assert state["id"] == "period-ar", state
    karin.arrow_down(2)
    assert karin.focus_state()["id"] == "period-manad"
    karin.tab_to_id("visa")
    karin.enter()
    assert "period=manad" in karin.path and karin.path.startswith("/uppfoljning/monster")
    month = karin.selected_option("manad")
    assert karin.text("h2#sticker-ut") == f"Det som sticker ut i {month}", (month, karin.text("h2#sticker-ut"))

    # The development's CSV through the web, with the browser's cookie only
    link = karin.tab_to(lambda s: s["tag"] == "a" and s["text"] == "Utvecklingen som CSV", "the CSV link")
    assert link["visible"]
    href = karin.driver.execute_script("return document.activeElement.href")
    assert "token" not in href.lower()
    answer = karin.driver.execute_async_script(FETCH, href)
    assert answer["status"] == 200 and answer["type"].startswith("text/csv"), answer
    assert "attachment" in answer["disposition"]
    assert answer["text"].lstrip("\ufeff").strip(), answer


def test_a_medarbetare_has_no_patterns(open_browser):
    """Anna (medarbetare) reads no compilations: no Uppföljning in her menu, and the address says so in Swedish."""
    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson")
    assert "Uppföljning" not in anna.text("header")
    anna.open("/uppfoljning/monster")
    assert anna.text("h1") != "Mönster och jämförelser"
    assert "Traceback" not in anna.driver.page_source
