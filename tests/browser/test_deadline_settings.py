"""Tidsfrister by keyboard alone, against the embedded stack, on a phone: the administrator gives lex Sarah 400
days to investigate (refused by the service at the field, nothing stored), then 15, and sees it saved; the deviations
service holds it. axe runs at both widths, phone and desk, on every page reached. The default is put back after."""
from __future__ import annotations

import pytest

from .conftest import deviations_setting

pytestmark = pytest.mark.e2e

POLICY = "/api/v1/deadline-policies/lex_sarah"
FIELDS = ("receipt_days", "investigation_days", "ivo_report_days", "answer_days")


def lex_sarah(web_stack, body: dict | None = None) -> dict:
    """The lex Sarah deadlines as the deviations service holds them; with `body`, set to it first."""
    return deviations_setting(web_stack, POLICY, body)


def value(browser, element_id: str) -> str:
    return browser.driver.execute_script("return document.getElementById(arguments[0]).value", element_id)


def test_the_administrator_sets_the_lex_sarah_investigation_days_by_keyboard_on_a_phone(open_browser, web_stack):
    from selenium.webdriver.common.keys import Keys

    default = lex_sarah(web_stack)
    field = "lex_sarah-investigation_days"
    try:
        admin = open_browser("phone", "admin")
        admin.sign_in("Tyresö administratör")
        admin.tab_to_text("Tidsfrister", limit=80)
        admin.enter()
        assert admin.path == "/installningar/tidsfrister"
        assert admin.text("h1") == "Tidsfrister"
        assert value(admin, field) == str(default["investigation_days"])

        # 400 days: refused by the service at the field, what was written kept, nothing stored.
        admin.tab_to_id(field, limit=80)
        admin.type(Keys.END + Keys.BACKSPACE * 3 + "400")
        admin.tab_to_id("lex_sarah-spara")
        admin.enter()
        assert "Utredas inom (arbetsdagar)" in admin.text("#lex_sarah-fel")
        assert admin.driver.find_element("css selector", "#lex_sarah-fel").get_attribute("role") == "alert"
        assert admin.driver.execute_script(
            "const f = document.getElementById(arguments[0]);"
            "return f.getAttribute('aria-invalid') === 'true'"
            " && f.getAttribute('aria-describedby').includes(arguments[0] + '-fel')", field)
        assert value(admin, field) == "400"
        assert lex_sarah(web_stack) == default

        admin.tab_to_id(field, limit=80)
        admin.type(Keys.END + Keys.BACKSPACE * 3 + "15")
        admin.tab_to_id("lex_sarah-spara")
        admin.enter()
        assert "Tidsfristerna för lex Sarah är sparade." in admin.text("#sparat")
        assert value(admin, field) == "15"
        assert admin.driver.execute_script("return document.documentElement.scrollWidth") <= 360

        saved = lex_sarah(web_stack)
        assert saved["investigation_days"] == 15
        assert saved["receipt_days"] == default["receipt_days"]  # left as they were
        assert saved["ivo_report_days"] == default["ivo_report_days"]
    finally:  # the other browser tests count lex Sarah's deadlines from the default
        lex_sarah(web_stack, {name: default[name] for name in FIELDS})
