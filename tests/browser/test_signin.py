"""Signing in as a demo user, from the page the launcher points to, with the keyboard alone."""
from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.e2e


def test_the_address_make_run_prints_opens_the_sign_in_page_listing_the_demo_users(browser):
    browser.open("/")
    assert browser.path.startswith("/logga-in") or "Logga in" in browser.title(), browser.path
    listed = browser.text()
    for name in ("Anna Andersson", "Erik Eriksson", "Sara Svensson"):
        assert name in listed


def test_a_demo_user_signs_in_with_the_keyboard_alone(browser):
    browser.open("/")
    # The first Tab reaches the skip link, which must be visible when focused.
    first = browser.tab()
    assert first["focused"] and "innehållet" in first["text"], first
    browser.tab_to_text("Erik Eriksson")
    browser.enter()
    assert "Inloggad som Erik Eriksson" in browser.text("header")
    assert not browser.path.startswith("/logga-in"), browser.path


def start_a_report(anna, description: str) -> None:
    anna.tab_to_text("Rapportera")
    anna.enter()
    anna.tab_to_id("description")
    anna.type(description)
    anna.tab_to_id("unit_id")
    anna.type("Hemtjänst Norr")


def token_ran_out(session) -> None:
    session["expires_at"] = int(time.time()) - 60


def day_ended(session) -> None:
    token_ran_out(session)
    session["signed_in_at"] = int(time.time()) - 9 * 3600


def test_a_report_sent_after_the_token_ran_out_goes_through_renewed(open_browser, web_stack):
    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson")
    start_a_report(anna, "Trygghetslarmet svarade inte vid nattbesöket.")
    anna.edit_session(web_stack.data_dir, token_ran_out)
    anna.tab_to_id("skicka")
    anna.enter()
    assert anna.text("h1").startswith("Tack! Ditt ärende har nummer"), anna.text()


def test_a_report_sent_when_the_sign_in_has_ended_is_kept_and_filled_in_again_after_signing_in(open_browser,
                                                                                                  web_stack):
    description = "Dörren till förrådet stod öppen.\nLäkemedel låg framme på bänken."
    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson")
    start_a_report(anna, description)
    anna.edit_session(web_stack.data_dir, day_ended)
    anna.tab_to_id("skicka")
    anna.enter()
    assert anna.text("h1") == "Du behöver logga in igen"
    assert "inte skickat än" in anna.text()
    anna.tab_to_text("Logga in igen")
    anna.enter()
    anna.tab_to_text("Anna Andersson")
    anna.enter()
    assert anna.path == "/rapportera", anna.path
    notice = anna.text("#utkast-ifyllt")
    assert "Det du skrev är ifyllt" in notice
    assert anna.driver.execute_script("return document.activeElement.id") == "utkast-ifyllt"  # read out first
    assert anna.driver.execute_script("return document.getElementById('description').value") == description
    assert anna.selected_option("unit_id") == "Hemtjänst Norr"
    anna.tab_to_id("skicka")
    anna.enter()
    assert anna.text("h1").startswith("Tack! Ditt ärende har nummer"), anna.text()
    # Used once: the form is blank when opened again.
    anna.open("/rapportera")
    assert anna.driver.execute_script("return document.getElementById('description').value") == ""
