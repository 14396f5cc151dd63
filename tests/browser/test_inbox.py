"""Inkorgen's "Visa fler": the next cases of a group are added in place (htmx), and the keyboard's focus moves to
the first of them."""
from __future__ import annotations

import json
import urllib.request

import pytest

from ordning_shared import demo
from ordning_shared.devstack import demo_token

pytestmark = pytest.mark.e2e

PAGE_SIZE = 25  # ordning_web.inbox.PAGE_SIZE


def report_through_the_api(web_stack, count: int) -> None:
    """`count` new cases in Hemtjänst Norr, as Anna's app would file them: more than one page of Inkorgen."""
    token = demo_token(web_stack.data_dir, "anna")
    for n in range(count):
        body = {"kind": "avvikelse", "unit_id": demo.unit_id("0138", "Hemtjänst Norr"),
                "description": f"Besöket nummer {n} blev kortare än planerat."}
        request = urllib.request.Request(web_stack.api_url("deviations") + "/api/v1/deviations", method="POST",
                                         data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 201


def test_visa_fler_adds_the_next_cases_and_moves_the_focus_to_the_first_of_them(open_browser, web_stack):
    report_through_the_api(web_stack, PAGE_SIZE + 2)
    erik = open_browser("phone", "erik")
    erik.sign_in("Erik Eriksson")
    erik.tab_to_text("Inkorgen")
    erik.enter()
    rows = "return document.querySelectorAll('#rader-nya tr').length"
    assert erik.driver.execute_script(rows) == PAGE_SIZE
    erik.tab_to_text("Visa fler nya ärenden", limit=200)
    erik.enter(navigates=False)  # htmx: the rows come into this page
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(erik.driver, 15).until(lambda driver: driver.execute_script(rows) > PAGE_SIZE)
    WebDriverWait(erik.driver, 5).until(lambda driver: driver.execute_script(
        "return document.activeElement.tagName === 'A' && !!document.activeElement.closest('#rader-nya')"))
    index = erik.driver.execute_script(
        "const row = document.activeElement.closest('tr');"
        "return Array.prototype.indexOf.call(row.parentNode.children, row);")
    assert index == PAGE_SIZE  # the first added row, right after the page before
    state = erik.focus_state()
    assert state["visible"] and state["onScreen"], state  # and the focus shows where it is
    # The page with the added rows is still clean for axe, and the next Tab goes on from there.
    assert not [v for v in erik._axe() if v["impact"] in ("serious", "critical")]
    after = erik.tab()
    assert after["focused"] and after["tag"] == "a", after
