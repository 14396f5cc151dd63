"""A staff member reports on a phone, between visits, with the keyboard alone; the enhetschef of the unit
then finds the case in Inkorgen."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

ROWS = "return document.querySelectorAll('#rader-nya tr').length"


def show_more_until(chef, reference: str, pages: int = 20) -> None:
    """Press "Visa fler nya ärenden" (keyboard) until `reference` is among the new cases; fail if it never is."""
    from selenium.webdriver.support.ui import WebDriverWait

    for _ in range(pages):
        if reference in chef.text("#rader-nya"):
            return
        shown = chef.driver.execute_script(ROWS)
        chef.tab_to_text("Visa fler nya ärenden", limit=400)
        chef.enter(navigates=False)  # htmx adds the next page in place; the focus moves to its first row
        WebDriverWait(chef.driver, 15).until(lambda driver: driver.execute_script(ROWS) > shown)
    assert reference in chef.text("#rader-nya"), chef.text()


def test_anna_reports_on_a_phone_with_the_keyboard_alone_and_gets_a_receipt(open_browser):
    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson")
    reference = anna.report("Brukaren föll i badrummet; larmet gick inte att nå.")
    assert re.fullmatch(r"\d{4}-\d{6}", reference)
    assert "Hemtjänst Norr" in anna.text()
    # Nothing of the page overflows the phone's width (no sideways scrolling).
    assert anna.driver.execute_script("return document.documentElement.scrollWidth") <= 360


def test_the_enhetschef_finds_annas_report_in_inkorgen_and_another_units_chef_does_not(open_browser):
    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson")
    reference = anna.report("Nyckeln till brukarens lägenhet saknades vid kvällsbesöket.")

    erik = open_browser("desk", "erik")
    erik.sign_in("Erik Eriksson")
    erik.tab_to_text("Inkorgen")
    erik.enter()
    assert erik.path == "/inkorg"
    # In the section of new cases (a new case is due to be received), counted at the top. Other tests of this
    # stack file cases in the same unit; those due first come first, so Erik presses "Visa fler" until it shows.
    show_more_until(erik, reference)
    assert int(erik.text("#antal-nya")) >= 1
    state = erik.tab_to_text(reference, limit=200)  # the case is reached with Tab, as a link
    assert state["tag"] == "a"

    sara = open_browser("desk", "sara")  # enhetschef of Solgården: not her unit's case
    sara.sign_in("Sara Svensson")
    sara.open("/inkorg")
    assert reference not in sara.text()
