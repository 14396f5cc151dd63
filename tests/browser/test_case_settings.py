"""Ärendeinställningar by keyboard alone, against the embedded stack, on a phone: the administrator changes who
decides lex Sarah (no role ticked first, refused at the roles with the reference kept) to the verksamhetschef at the
verksamhetsområde, under a reference of the municipality's own, and sees it saved; the deviations service holds it.
axe runs at both widths, phone and desk, on every page reached."""
from __future__ import annotations

import pytest

from .conftest import deviations_setting

pytestmark = pytest.mark.e2e

POLICY = "/api/v1/lex-policies/lex_sarah"
REFERENCE = "Delegationsordning 2026 p. 4.2"


def lex_sarah(web_stack, body: dict | None = None) -> dict:
    """The lex Sarah delegation as the deviations service holds it; with `body`, set to it first."""
    return deviations_setting(web_stack, POLICY, body)


def is_checked(browser, element_id: str) -> bool:
    return browser.driver.execute_script("return document.getElementById(arguments[0]).checked", element_id)


def test_the_administrator_delegates_lex_sarah_to_the_verksamhetschef_by_keyboard_on_a_phone(open_browser, web_stack):
    from selenium.webdriver.common.keys import Keys

    default = lex_sarah(web_stack)
    try:
        admin = open_browser("phone", "admin")
        admin.sign_in("Tyresö administratör")
        admin.tab_to_text("Ärendeinställningar", limit=80)
        admin.enter()
        assert admin.path == "/installningar/arenden"
        assert admin.text("h1") == "Ärendeinställningar"
        assert is_checked(admin, "lex_sarah-decider_roles")  # Förvaltningschef, the default
        assert admin.selected_option("lex_sarah-decider_level") == "Förvaltning"

        # Förvaltningschef unticked and no other role ticked: refused at the roles, the reference written kept.
        admin.tab_to_id("lex_sarah-decider_roles", limit=80)
        admin.space()
        admin.tab_to_id("lex_sarah-delegation_reference")
        length = admin.driver.execute_script(
            "return document.getElementById('lex_sarah-delegation_reference').value.length")
        admin.type(Keys.END + Keys.BACKSPACE * length + REFERENCE)
        admin.tab_to_id("lex_sarah-spara")
        admin.enter()
        summary = admin.text("#lex_sarah-fel")
        assert "Välj minst en roll som beslutar." in summary
        assert admin.driver.find_element("css selector", "#lex_sarah-fel").get_attribute("role") == "alert"
        assert admin.driver.execute_script(
            "const g = document.getElementById('lex_sarah-decider_roles-grupp');"
            "return g.getAttribute('aria-invalid') === 'true'"
            " && g.getAttribute('aria-describedby') === 'lex_sarah-decider_roles-fel'")
        assert admin.driver.execute_script(
            "return document.getElementById('lex_sarah-delegation_reference').value") == REFERENCE
        assert lex_sarah(web_stack)["version"] == default["version"]  # nothing stored

        # The verksamhetschef at the verksamhetsområde.
        admin.tab_to_id("lex_sarah-decider_roles-verksamhetschef", limit=80)
        admin.space()
        admin.tab_to_id("lex_sarah-decider_level")
        admin.type("Verksamhetsområde")
        assert admin.selected_option("lex_sarah-decider_level") == "Verksamhetsområde"
        admin.tab_to_id("lex_sarah-spara")
        admin.enter()

        assert "Delegationen för lex Sarah är sparad." in admin.text("#sparat")
        assert is_checked(admin, "lex_sarah-decider_roles-verksamhetschef")
        assert not is_checked(admin, "lex_sarah-decider_roles")
        assert admin.selected_option("lex_sarah-decider_level") == "Verksamhetsområde"
        assert admin.driver.execute_script("return document.documentElement.scrollWidth") <= 360

        policy = lex_sarah(web_stack)
        assert policy["decider_roles"] == ["verksamhetschef"]
        assert policy["decider_level"] == "division"
        assert policy["delegation_reference"] == REFERENCE
        assert policy["informing_required"] is True  # left as it was
    finally:  # the other browser tests decide lex Sarah as the default delegation says
        lex_sarah(web_stack, {name: default[name] for name in
                              ("decider_roles", "decider_level", "delegation_reference", "informing_required")})


def test_the_administrator_adds_and_removes_a_day_off_by_keyboard_at_the_desk(open_browser):
    admin = open_browser("desk", "admin")
    admin.sign_in("Tyresö administratör")
    admin.tab_to_text("Arbetskalender", limit=80)
    admin.enter()
    assert admin.path == "/installningar/arbetskalender"
    assert admin.text("h1") == "Arbetskalender"
    assert "Juldagen" in admin.text("#roda-dagar")
    assert is_checked(admin, "aftnar-non_working_eves-julafton")

    admin.tab_to_id("ny-day", limit=80)
    admin.type_date("2026-05-15")
    admin.tab_to_id("lagg-till-dag")
    admin.enter()
    assert "2026-05-15 är en ledig dag." in admin.text("#sparat")
    assert "2026-05-15" in admin.text("#dagar")

    admin.tab_to_id("ta-bort-2026-05-15", limit=80)
    admin.enter()
    assert "2026-05-15 är inte längre en ledig dag." in admin.text("#sparat")
    assert "2026-05-15" not in admin.text("#dagar")
