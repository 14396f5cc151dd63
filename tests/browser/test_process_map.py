"""An administrator reads the demo's process map and revises a process on a phone with the keyboard alone
(every page is checked by axe at phone and desk widths)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_the_administrator_reads_the_map_and_revises_a_process_by_keyboard_on_a_phone(open_browser):
    admin = open_browser("phone", "admin")
    admin.sign_in("Tyresö administratör")
    admin.tab_to_text("Processkarta")
    admin.enter()
    assert admin.path == "/processkarta"
    text = admin.text()
    assert "Handläggning och genomförande inom socialtjänsten" in text
    assert text.index("Aktualisera") < text.index("Utreda") < text.index("Följa upp")
    assert "Samverkan" in text and "Regionen" in text

    admin.tab_to_text("Systematiskt kvalitetsarbete")
    admin.enter()
    assert admin.text("h1") == "Systematiskt kvalitetsarbete"
    assert "Version 1: Fastställd" in admin.text()
    admin.tab_to_id("revidera")
    admin.enter()
    assert "Ett nytt utkast är påbörjat" in admin.text()
    admin.tab_to_id("nytt-steg", limit=150)
    admin.type("Utvärdera")
    admin.tab_to_id("spara-utkast")
    admin.enter()
    assert "Utkastet är sparat." in admin.text()
    assert "Version 2: Utkast" in admin.text() and "Version 1: Fastställd" in admin.text()
    assert admin.driver.execute_script("return document.documentElement.scrollWidth") <= 360
