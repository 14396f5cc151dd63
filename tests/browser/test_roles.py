"""Roller och ansvar by keyboard alone: an enhetschef reads the duties of a role per phase at a desk; an
administrator assigns a role and ends it on a phone."""
from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.e2e


def test_the_enhetschef_reads_the_duties_per_phase_at_a_desk(open_browser):
    erik = open_browser("desk", "erik")
    erik.sign_in("Erik Eriksson, enhetschef")
    erik.tab_to_text("Roller och ansvar")
    erik.enter()
    assert erik.path == "/roller"
    assert erik.text("#vald-roll") == "Enhetschef"
    for phase in ("Planera", "Genomföra", "Följa upp", "Förbättra"):
        assert phase in erik.text()
    assert "Erik Eriksson" in erik.text("#roll-rader")  # the demo's own role, at his unit
    erik.tab_to_id("roll")
    erik.type("Medicinskt ansvarig sj")
    assert erik.selected_option("roll") == "Medicinskt ansvarig sjuksköterska (MAS)"
    erik.tab_to_id("visa-roll")
    erik.enter()
    assert erik.text("#vald-roll") == "Medicinskt ansvarig sjuksköterska (MAS)"
    assert "patientsäkerhetsarbete" in erik.text()


def test_the_administrator_assigns_and_ends_a_role_by_keyboard_on_a_phone(open_browser):
    admin = open_browser("phone", "admin")
    admin.sign_in("Tyresö administratör")
    admin.tab_to_text("Roller och ansvar")
    admin.enter()
    name = f"Rolf Rehab {uuid.uuid4().hex[:4]}"
    admin.tab_to_id("role")
    admin.type("Medicinskt ansvarig för")
    assert admin.selected_option("role") == "Medicinskt ansvarig för rehabilitering (MAR)"
    admin.tab_to_id("unit_id")
    admin.type("Socialförvaltningen")
    assert admin.selected_option("unit_id") == "Socialförvaltningen"
    admin.tab_to_id("user_id")
    admin.type("demo-rolf")
    admin.tab_to_id("display_name")
    admin.type(name)
    admin.tab_to_id("valid_from")
    admin.type("2026-02-01")
    admin.tab_to_id("tilldela")
    admin.enter()
    assert f"{name} är medicinskt ansvarig för rehabilitering (mar) från 2026-02-01." in admin.text()
    assert name in admin.text("#roll-rader")

    admin.tab_to_text(f"för {name}", limit=120)
    admin.enter()
    assert f"för {name} är avslutat." in admin.text()
    assert name not in admin.text("#roll-rader")
    assert admin.driver.execute_script("return document.documentElement.scrollWidth") <= 360
