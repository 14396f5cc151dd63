"""Styrdokument: a kvalitetsutvecklare drafts a routine and puts it up for approval, the förvaltningschef
establishes it, and an employee reads it with the demo municipality's routines; by keyboard alone, at phone
and desk width, axe-core clean on every page."""
from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.e2e
TABS = 120


def test_a_routine_is_drafted_established_and_read_by_keyboard(open_browser):
    title = f"Rutin för nyckelhantering {uuid.uuid4().hex[:4]}"
    karin = open_browser("phone", "karin")
    karin.sign_in("Karin Karlsson, kvalitetsutvecklare")
    karin.tab_to_text("Styrdokument")
    karin.enter()
    assert karin.path == "/styrdokument"
    assert "Rutin för avvikelsehantering" in karin.text() and "Rutin för lex Sarah" in karin.text()
    karin.tab_to_id("nytt-dokument")
    karin.enter()
    karin.tab_to_id("owner_unit_id")
    karin.type("Hemtjänst Norr")
    karin.tab_to_id("title")
    karin.type(title)
    karin.tab_to_id("body")
    karin.type("## Syfte\n\nNycklar kvitteras.\n\n<script>alert(1)</script>")
    karin.tab_to_id("skapa")
    karin.enter()
    assert "Utkastet är skapat." in karin.text()
    assert karin.text("h1") == title
    assert karin.text(".document-text h2") == "Syfte"
    assert "<script>alert(1)</script>" in karin.text(".document-text")  # shown as text, never run
    karin.tab_to_id("lamna", limit=TABS)
    karin.enter()
    assert "Versionen är lämnad för beslut." in karin.text()
    document_path = karin.path
    assert karin.driver.execute_script("return document.documentElement.scrollWidth") <= 360

    frida = open_browser("desk", "frida")
    frida.sign_in("Frida Fransson, förvaltningschef")
    frida.open(document_path)
    frida.tab_to_id("decision_reference", limit=TABS)
    frida.type("SN 2026/40 § 7")
    frida.tab_to_id("review_date")
    frida.type_date("2030-06-30")
    frida.tab_to_id("faststall")
    frida.enter()
    assert "Versionen är fastställd." in frida.text()
    assert "SN 2026/40 § 7" in frida.text("#faststalld")
    assert "fastställd" in frida.text("#version")

    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson, undersköterska")
    anna.tab_to_text("Styrdokument")
    anna.enter()
    assert title in anna.text("#dokument")
    anna.tab_to_text(title, limit=TABS)
    anna.enter()
    assert anna.text("h1") == title and "2030-06-30" in anna.text()
    assert anna.driver.execute_script("return document.documentElement.scrollWidth") <= 360
