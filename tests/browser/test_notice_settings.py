"""Inställningar för notiser by keyboard alone, against the embedded stack, on a phone: a medarbetare chooses an
address of her own (first mistyped, refused at its field with her choices kept), a daily summary for one kind of
notice and its hour, and saves. axe runs at both widths on every page reached."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_a_medarbetare_chooses_her_notices_by_mail_on_a_phone(open_browser):
    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson, undersköterska")
    anna.tab_to_text("Inställningar för notiser")
    anna.enter()
    assert anna.path == "/notiser/installningar"
    assert anna.text("h1") == "Inställningar för notiser"

    anna.tab_to_id("address_choice_sign_in")
    anna.type("\ue015")  # arrow down: to the next radio button, "En annan adress"
    assert anna.driver.execute_script("return document.getElementById('address_choice_own').checked")
    anna.tab_to_id("address")
    anna.type("anna-utan-snabel-a")
    anna.tab_to_id("kind_case_reported")
    anna.type("I daglig")
    assert anna.selected_option("kind_case_reported") == "I daglig sammanfattning"
    anna.tab_to_id("digest_hour", limit=120)
    anna.type("16")
    assert anna.selected_option("digest_hour") == "16.00"
    anna.tab_to_id("spara", limit=40)
    anna.enter()

    # Refused by the notify service: announced, linked to the field and tied to it; her choices kept.
    assert "e-postadress" in anna.error_at("address")
    assert anna.selected_option("kind_case_reported") == "I daglig sammanfattning"
    assert anna.selected_option("digest_hour") == "16.00"
    anna.tab_to_id("address")
    anna.driver.execute_script("document.getElementById('address').select()")
    anna.type("anna.demo@kommun.se")
    anna.tab_to_id("spara", limit=120)
    anna.enter()
    assert "Dina inställningar för notiser är sparade." in anna.text()
    assert anna.driver.execute_script("return document.getElementById('address').value") == "anna.demo@kommun.se"
    assert anna.selected_option("kind_case_reported") == "I daglig sammanfattning"
    assert anna.driver.execute_script("return document.documentElement.scrollWidth") <= 360
