"""Klassificering by keyboard alone, against the embedded stack: the administrator adds a place to Hemtjänst Norr on
a desk, Anna reports on a phone choosing a händelsetyp and that place (the place list follows the unit she chose),
and Erik scores the consequence on the tenant's risk-matrix scale on the case page. axe runs at both widths on
every page reached."""
from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.e2e

CASE_PAGE_TABS = 150  # the case page is long: facts, commands, the classification, the investigation, actions


def test_a_place_is_added_chosen_when_reporting_and_the_consequence_scored(open_browser):
    from selenium.webdriver.support.ui import WebDriverWait

    place = f"Matsalen {uuid.uuid4().hex[:4]}"
    admin = open_browser("desk", "admin")
    admin.sign_in("Tyresö administratör")
    admin.tab_to_text("Klassificering", limit=80)
    admin.enter()
    assert admin.path == "/klassificering"
    assert "Hot och våld" in admin.text("#handelsetyper")
    admin.tab_to_id("enhet", limit=400)
    admin.type("Hemtjänst Norr")
    assert admin.selected_option("enhet") == "Hemtjänst Norr"
    admin.tab_to_id("visa-enhet", limit=5)
    admin.enter()
    assert "Platser på Hemtjänst Norr" in admin.text("#platser")
    assert admin.selected_option("ny-plats-unit_id") == "Hemtjänst Norr"
    admin.tab_to_id("lagg-till-plats", limit=400)
    admin.enter()  # no name: refused at its field, the unit kept
    assert "Skriv platsens namn." in admin.error_at("ny-plats-name")
    assert admin.selected_option("ny-plats-unit_id") == "Hemtjänst Norr"
    admin.tab_to_id("ny-plats-name", limit=400)
    admin.type(place)
    admin.tab_to_id("lagg-till-plats", limit=5)
    admin.enter()
    assert f"Platsen {place} är tillagd." in admin.text()
    assert place in admin.text("#plats-lista")

    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson, undersköterska")
    anna.tab_to_text("Rapportera")
    anna.enter()
    assert "Välj enhet först" in anna.text("#plats-falt")
    anna.tab_to_id("description")
    anna.type("Brukaren satte i halsen vid middagen.")
    anna.tab_to_id("unit_id")
    anna.type("Hemtjänst Norr")  # htmx brings the unit's places into the form
    WebDriverWait(anna.driver, 15).until(lambda driver: driver.find_elements("id", "place_id")
                                         and driver.find_element("id", "place_id").tag_name == "select")
    anna.tab_to_id("event_type", limit=40)
    anna.type("Kost")
    assert anna.selected_option("event_type") == "Kost och nutrition"
    anna.tab_to_id("place_id", limit=10)
    anna.type(place)
    assert anna.selected_option("place_id") == place
    anna.tab_to_id("skicka", limit=20)
    anna.enter()
    assert anna.text("h1").startswith("Tack! Ditt ärende har nummer")
    case_id = anna.path.rsplit("/", 1)[1]
    assert anna.driver.execute_script("return document.documentElement.scrollWidth") <= 360

    erik = open_browser("desk", "erik")
    erik.sign_in("Erik Eriksson, enhetschef")
    erik.open(f"/arenden/{case_id}")
    assert erik.text("#fakta-handelsetyp") == "Kost och nutrition"
    assert erik.text("#fakta-plats") == place
    erik.tab_to_id("kl-consequence_score", limit=CASE_PAGE_TABS)
    erik.type("3")
    assert erik.selected_option("kl-consequence_score") == "3 Betydande"
    erik.tab_to_id("spara-klassificering", limit=10)
    erik.enter()
    assert "Klassificeringen är sparad." in erik.text()
    assert erik.text("#fakta-konsekvens").startswith("3 Betydande")
