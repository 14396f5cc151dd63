"""Notiser and Regler för notiser by keyboard alone, against the embedded stack: an enhetschef sees the unread count
in the menu, reads the notice of a lex Sarah case at his unit on a phone and follows its link to the case; an
administrator creates a rule at a desk and meets the notify service's refusal of an unknown role at its field."""
from __future__ import annotations

import time

import pytest
import requests

from ordning_shared import demo
from ordning_shared.devstack import demo_token

pytestmark = pytest.mark.e2e

NORR = demo.unit_id("0138", "Hemtjänst Norr")


def _headers(web_stack, user: str, **more) -> dict:
    return {"Authorization": f"Bearer {demo_token(web_stack.data_dir, user)}", **more}


def notice_about(web_stack, user: str, case_id: str, timeout: float = 60) -> dict:
    """The user's notice about a case, once the notify service has given it (it comes by events)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = requests.get(web_stack.api_url("notify") + "/api/v1/notices", params={"limit": "100"}, timeout=30,
                              headers=_headers(web_stack, user))
        assert answer.status_code == 200, answer.text
        found = [item for item in answer.json()["items"] if item["subject_id"] == case_id]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no notice to {user} about {case_id}"
        time.sleep(0.3)


def test_the_enhetschef_reads_a_notice_on_a_phone_and_follows_it_to_the_case(open_browser, web_stack):
    reported = requests.post(web_stack.api_url("deviations") + "/api/v1/deviations", timeout=30,
                             headers=_headers(web_stack, "anna"),
                             json={"kind": "lex_sarah", "unit_id": NORR,
                                   "description": "Brukaren lämnades ensam under natten."})
    assert reported.status_code == 201, reported.text
    case = reported.json()
    notice = notice_about(web_stack, "erik", case["id"])
    assert notice["kind"] == "lex_sarah_reported" and notice["read"] is False

    erik = open_browser("phone", "erik")
    erik.sign_in("Erik Eriksson, enhetschef")
    menu = erik.text("header")
    assert "olästa" in menu  # the unread count beside Notiser, on every page
    erik.tab_to_text("Notiser")
    erik.enter()
    assert erik.path == "/notiser"
    unread = erik.text("#notiser-olasta")
    assert "Ny lex Sarah-rapport" in unread and "Hemtjänst Norr" in unread
    count = int(erik.text(".nav-count").split()[0])

    erik.tab_to_id(f"notis-{notice['id']}", limit=120)
    erik.enter()
    assert erik.path == f"/arenden/{case['id']}"
    assert case["reference"] in erik.text("h1")
    # Following it read it: one fewer unread in the menu, and the notice among the read ones.
    assert (int(erik.text(".nav-count").split()[0]) if count > 1 else 0) == count - 1
    erik.tab_to_text("Notiser")
    erik.enter()
    assert notice["id"] in erik.driver.find_element("id", "notiser-lasta").get_attribute("innerHTML")

    if count > 1:  # the rest, all at once
        erik.tab_to_id("las-alla")
        erik.enter()
        assert "markerade som lästa" in erik.text() or "markerad som läst" in erik.text()
        assert "Du har inga olästa notiser." in erik.text("main")
        assert "olästa" not in erik.text("header")
    assert erik.driver.execute_script("return document.documentElement.scrollWidth") <= 360


def test_the_administrator_creates_a_rule_and_an_unknown_role_is_refused_at_its_field(open_browser):
    admin = open_browser("desk", "admin")
    admin.sign_in("Tyresö administratör")
    admin.tab_to_text("Regler för notiser")
    admin.enter()
    assert admin.path == "/notiser/regler"
    assert "Ny lex Sarah-rapport" in admin.text("#regler")  # the default rules, in Swedish

    admin.tab_to_id("ny-regel")
    admin.enter()
    assert admin.path == "/notiser/regler/ny"
    admin.tab_to_id("event_type")
    admin.type("Anmält till IVO")
    assert admin.selected_option("event_type") == "Anmält till IVO"
    admin.tab_to_id("condition_field_0")
    admin.type("kind")
    admin.tab_to_id("condition_values_0")
    admin.type("lex_sarah")
    admin.tab_to_id("notice_kind")
    admin.type("Ny lex Sarah")
    assert admin.selected_option("notice_kind") == "Ny lex Sarah-rapport"
    assert admin.selected_option("recipient_who_0") == "Enhetschef"  # a new rule starts with the unit's chief
    # A web newer than its notify service offers a role that notify does not know yet: made so here by adding it
    # to the page's choices, as such a web would render it; the person chooses it as any other.
    admin.driver.execute_script(
        "document.getElementById('recipient_who_1').add(new Option('Sektionschef', 'sektionschef'))")
    admin.tab_to_id("recipient_who_1")
    admin.type("Sektionschef")
    assert admin.selected_option("recipient_who_1") == "Sektionschef"
    admin.tab_to_id("spara")
    admin.enter()

    # Refused: announced (role=alert), listed with a link to the field, and tied to it; nothing lost.
    summary = admin.error_at("recipient_who_1")
    assert "Rollen är okänd" in summary, summary
    assert "Rollen är okänd" in admin.text("#recipient_who_1-fel")
    assert admin.selected_option("event_type") == "Anmält till IVO"
    assert admin.selected_option("recipient_who_1") == "sektionschef"
    assert admin.driver.execute_script("return document.getElementById('condition_values_0').value") == "lex_sarah"
    admin.tab_to_text("Rollen är okänd")  # the summary's link takes the focus to the field
    admin.enter(navigates=False)
    assert admin.driver.execute_script("return document.activeElement.id") == "recipient_who_1"

    admin.type("Förvaltningschef")
    assert admin.selected_option("recipient_who_1") == "Förvaltningschef"
    admin.tab_to_id("recipient_at_1")
    admin.type("I förvaltningen")
    assert admin.selected_option("recipient_at_1") == "I förvaltningen"
    admin.tab_to_id("spara")
    admin.enter()
    assert admin.path.startswith("/notiser/regler#regel-")
    assert "Regeln är sparad: händelsen ”Anmält till IVO” ger notisen ”Ny lex Sarah-rapport”." in admin.text()
    rule_id = admin.path.rsplit("#regel-", 1)[1]
    row = admin.text(f"#regel-{rule_id}")
    assert "Anmält till IVO" in row and "Förvaltningschef i förvaltningen" in row and "Typ: Lex Sarah" in row

    # And taken away again, by keyboard: the tenant's rules are as they were.
    admin.tab_to_id(f"ta-bort-{rule_id}", limit=200)
    admin.enter()
    assert admin.text("h1") == "Ta bort regeln?"
    admin.tab_to_id("ta-bort")
    admin.enter()
    assert "Regeln är borttagen." in admin.text()
    assert f"regel-{rule_id}" not in admin.driver.page_source
