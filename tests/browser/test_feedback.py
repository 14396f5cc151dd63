"""Återkoppling (issue 14) with the keyboard alone: a medarbetare reports on a phone, the enhetschef at a desk writes
the outcome for her on Ärendet (first empty, refused at its field), and she reads it under Mina rapporter on her
phone, where the case's investigation is not shown. axe runs at both widths on every page reached."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

CASE_PAGE_TABS = 150


def test_the_reporter_reads_the_enhetschefs_feedback_under_mina_rapporter(open_browser):
    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson")
    reference = anna.report("Larmet på rum 4 fungerade inte under natten.")

    erik = open_browser("desk", "erik")
    erik.sign_in("Erik Eriksson")
    erik.tab_to_text("Inkorgen")
    erik.enter()
    erik.tab_to_text(reference)
    erik.enter()
    assert erik.path.startswith("/arenden/") and reference in erik.text("h1")
    assert "Ingen återkoppling är skriven än." in erik.text("#aterkoppling")

    erik.tab_to_id("spara-aterkoppling", limit=CASE_PAGE_TABS)
    erik.enter()
    assert "Skriv återkopplingen" in erik.error_at("ak-feedback")
    erik.tab_to_id("ak-feedback", limit=CASE_PAGE_TABS)
    erik.type("Larmet är lagat och testas nu varje vecka.")
    erik.tab_to_id("spara-aterkoppling", limit=CASE_PAGE_TABS)
    erik.enter()
    assert "Återkopplingen är sparad." in erik.text()
    assert "Larmet är lagat och testas nu varje vecka." in erik.text("#aterkoppling-nu")

    anna.tab_to_text("Mina rapporter")
    anna.enter()
    assert anna.path == "/mina-rapporter" and anna.text("h1") == "Mina rapporter"
    assert reference in anna.text("#mina-rapporter")
    anna.tab_to_text(reference)
    anna.enter()
    assert anna.path.startswith("/mina-rapporter/")
    assert anna.text("#aterkoppling-text") == "Larmet är lagat och testas nu varje vecka."
    assert "Utredning" not in anna.text()
    assert anna.driver.execute_script("return document.documentElement.scrollWidth") <= 360
