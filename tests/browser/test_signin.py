"""Signing in as a demo user, from the page the launcher points to, with the keyboard alone."""
from __future__ import annotations

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
