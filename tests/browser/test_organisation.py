"""An administrator changes the organisation tree on a phone with the keyboard alone."""
from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.e2e


def test_the_administrator_creates_and_renames_a_unit_by_keyboard_on_a_phone(open_browser):
    from selenium.webdriver.common.keys import Keys

    admin = open_browser("phone", "admin")
    admin.sign_in("Tyresö administratör")
    admin.tab_to_text("Organisation")
    admin.enter()
    assert admin.path == "/organisation"
    assert "Socialnämnden (Nämnd)" in admin.text()

    name = f"Hemtjänst Öst {uuid.uuid4().hex[:4]}"
    admin.tab_to_id("name")
    admin.type(name)
    admin.tab_to_id("kind")
    admin.type("Enhet")  # a select chooses the option whose name is typed
    assert admin.selected_option("kind") == "Enhet"
    admin.tab_to_id("parent_id")
    admin.type("Äldreomsorg")
    assert admin.selected_option("parent_id") == "Äldreomsorg (Verksamhetsområde)"
    admin.tab_to_id("skapa")
    admin.enter()
    assert f"Enhet {name} är skapad." in admin.text()
    assert f"{name} (Enhet)" in admin.text(".org-tree")

    admin.tab_to_text(name)
    admin.enter()
    assert admin.text("h1") == f"{name} (Enhet)"
    admin.tab_to_id("new_name")
    admin.type(Keys.BACKSPACE * len(name) + name + " Gårdsvägen")
    admin.tab_to_id("byt-namn")
    admin.enter()
    assert f"Namnet är ändrat till {name} Gårdsvägen." in admin.text()
    assert f"{name} Gårdsvägen (Enhet)" in admin.text(".org-tree")
    # Nothing of the page overflows the phone's width (no sideways scrolling).
    assert admin.driver.execute_script("return document.documentElement.scrollWidth") <= 360
