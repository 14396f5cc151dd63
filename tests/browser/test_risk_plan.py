"""The förvaltningschef reads the risk treatment plan and the heat map of the demo, by keyboard, at phone and desk
width: the risk Hemtjänst Norr escalated and Socialförvaltningen took over is in the förvaltning's plan, not in
the unit's; the heat map says its counts and levels in text beside the colours."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def test_the_forvaltningschef_reads_the_plan_and_the_heat_map_by_keyboard(browser):
    frida = browser
    frida.sign_in("Frida Fransson")
    frida.tab_to_text("Riskhanteringsplan")
    frida.enter()
    assert frida.path == "/riskhanteringsplan"
    assert frida.selected_option("enhet") == "Socialförvaltningen"
    plan = frida.text("#rader-plan")
    assert "Bemanningen räcker inte till dubbelbemanning på helgerna." in plan
    assert "Övertagen av Socialförvaltningen från Hemtjänst Norr" in plan
    assert plan.index("Boende faller nattetid") < plan.index("Bemanningen räcker inte")  # mycket hög before hög
    assert "Delegering och introduktion för alla sommarvikarier" in plan and "Påbörjad" in plan
    assert frida.driver.execute_script("return document.documentElement.scrollWidth") <= \
        frida.driver.execute_script("return window.innerWidth")

    # Hemtjänst Norr's own plan: the escalated risk is the förvaltning's now
    frida.tab_to_id("enhet")
    frida.type("Hemtjänst Norr")
    assert frida.selected_option("enhet") == "Hemtjänst Norr"
    frida.tab_to_id("visa")
    frida.enter()
    assert "Hemtjänst Norr 2026" in frida.text("h2") or "Hemtjänst Norr" in frida.text("h2")
    unit_plan = frida.text("#rader-plan")
    assert "Brukare får fel läkemedel" in unit_plan and "Bemanningen räcker inte" not in unit_plan

    frida.tab_to_text("Riskkarta")
    frida.enter()
    assert frida.path == "/riskkarta"
    before = frida.text("#fore-1")
    # The demo's five risks, and any a browser test of the risk pages run before this one added in the subtree.
    total = int(re.search(r"Före åtgärder: (\d+) risker", before).group(1))
    assert total >= 5 and "Mycket hög" in before and "Katastrofal" in before
    after = frida.text("#efter-1")
    assert f"Efter åtgärder: {total} risker" in after
    # Every coloured cell says its count and its level in text, not by colour alone, and the counts add up.
    cells = frida.driver.execute_script(
        "return Array.from(document.querySelectorAll('#fore-1 tbody td')).map(td => td.innerText)")
    assert len(cells) == 16 and all(any(ch.isdigit() for ch in text) and len(text.split()) >= 2 for text in cells)
    assert sum(int(text.split()[0]) for text in cells) == total, cells
    state = frida.tab_to(lambda s: s["tag"] == "div" and s["id"] == "", "the heat map's scroll region")
    assert state["visible"]
