"""A staff member reports on a phone, between visits, with the keyboard alone; the enhetschef of the unit
then finds the case in Inkorgen."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


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
    # In the section of new cases (a new case is due to be received), counted at the top.
    assert reference in erik.text("#rader-nya"), erik.text()
    assert int(erik.text("#antal-nya")) >= 1
    state = erik.tab_to_text(reference)  # the case is reached with Tab, as a link
    assert state["tag"] == "a"

    sara = open_browser("desk", "sara")  # enhetschef of Solgården: not her unit's case
    sara.sign_in("Sara Svensson")
    sara.open("/inkorg")
    assert reference not in sara.text()
