"""Inställningar för notiser against the real notify service: the person's choices saved with If-Match, a change
made elsewhere meanwhile (412) shown with the saved data and the input kept, the API's refusals at their fields,
CSRF, a notify that does not answer said in Swedish with the form kept."""
from __future__ import annotations

import re

import requests

from ordning_shared.notice_kinds import NOTICE_KINDS
from ordning_shared.testing import bearer

from ordning_web.app import create_app

from .conftest import csrf_of, free_port_url, sign_in
from .test_notice_rules import field_error_of, hidden

PREFERENCES = "/api/v1/notification-preferences"


def form_of(page, **fields) -> dict:
    data = {"csrf_token": csrf_of(page), "etag": hidden(page, "etag"), "address_choice": "sign_in", "address": "",
            "digest_hour": "7", **{f"kind_{kind}": "immediate" for kind in NOTICE_KINDS}}
    data.update(fields)
    return data


def saved(services, user: str) -> dict:
    answer = requests.get(services.urls["notify"] + PREFERENCES, headers=bearer(services.token(user)), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_person_saves_their_preferences_and_sees_them_again(services, web):
    sign_in(web, "dora")
    page = web.get("/notiser/installningar")
    assert page.status_code == 200
    assert '<a href="/notiser/installningar" aria-current="page">Inställningar för notiser</a>' in page.text
    for text in NOTICE_KINDS.values():
        assert f">{text}</label>" in page.text
    assert ">I daglig sammanfattning</option>" in page.text
    answer = web.post("/notiser/installningar", data=form_of(
        page, address_choice="own", address="dora.demo@kommun.se", digest_hour="16",
        kind_case_reported="digest", kind_action_assigned="off"))
    assert answer.status_code == 303, answer.text
    stored = saved(services, "dora")
    assert stored["address"] == "dora.demo@kommun.se" and stored["address_source"] == "given"
    assert stored["digest_hour"] == 16
    assert stored["kinds"]["case_reported"] == "digest" and stored["kinds"]["action_assigned"] == "off"
    assert stored["kinds"]["lex_sarah_reported"] == "immediate"
    again = web.get("/notiser/installningar")
    assert "Dina inställningar för notiser är sparade." in again.text
    assert 'value="dora.demo@kommun.se"' in again.text
    assert re.search(r'id="kind_case_reported"[^>]*>.*?<option value="digest" selected>', again.text, re.S)
    assert '<option value="16" selected>' in again.text

    # Without the form's CSRF token nothing is saved.
    data = form_of(again, digest_hour="3")
    del data["csrf_token"]
    assert web.post("/notiser/installningar", data=data).status_code == 400
    assert saved(services, "dora")["digest_hour"] == 16


def test_a_change_made_elsewhere_meanwhile_is_shown_and_the_input_kept(services, web):
    sign_in(web, "erik")
    page = web.get("/notiser/installningar")
    first = web.post("/notiser/installningar", data=form_of(page, digest_hour="9"))
    assert first.status_code == 303
    # The same, older form sent again: its ETag is stale.
    stale = web.post("/notiser/installningar", data=form_of(page, digest_hour="20", kind_risk_escalated="off"))
    assert stale.status_code == 412
    assert "Dina inställningar har ändrats någon annanstans" in stale.text
    assert "Så är dina inställningar sparade nu" in stale.text
    assert '<option value="20" selected>' in stale.text  # the input kept
    assert re.search(r'id="kind_risk_escalated"[^>]*>.*?<option value="off" selected>', stale.text, re.S)
    assert saved(services, "erik")["digest_hour"] == 9  # nothing stored
    fresh = hidden(stale, "etag")
    assert fresh and fresh != hidden(page, "etag")
    again = web.post("/notiser/installningar", data={**form_of(stale, digest_hour="20"), "etag": fresh})
    assert again.status_code == 303
    assert saved(services, "erik")["digest_hour"] == 20


def test_the_apis_refusal_is_shown_at_its_field_and_nothing_is_stored(services, web):
    sign_in(web, "sara")
    before = saved(services, "sara")
    page = web.get("/notiser/installningar")
    refused = web.post("/notiser/installningar", data=form_of(page, address_choice="own", address="inte-en-adress"))
    assert refused.status_code == 422
    assert "e-postadress" in field_error_of(refused, "address")
    assert 'value="inte-en-adress"' in refused.text
    assert saved(services, "sara")["version"] == before["version"]
    # The web's own checks: a missing address and an hour out of range at their fields.
    own = web.post("/notiser/installningar", data=form_of(page, address_choice="own", address="", digest_hour="25"))
    assert own.status_code == 422
    field_error_of(own, "address")
    field_error_of(own, "digest_hour")


def test_with_notify_down_the_page_says_so_and_keeps_the_form(services):
    web = create_app(services.web_settings(notify_url=free_port_url())).test_client()
    sign_in(web, "erik")
    page = web.get("/notiser/installningar")
    assert page.status_code == 503 and "Tjänsten för notiser svarar inte just nu." in page.text
    sent = web.post("/notiser/installningar", data=form_of(page, digest_hour="18"))
    assert sent.status_code == 503
    assert "Det du har valt finns kvar" in sent.text and '<option value="18" selected>' in sent.text


def test_a_demo_users_sign_in_gives_an_address_and_mail_works_with_it(services, web):
    """`make run`'s demo users carry an e-mail claim (ordning_shared.demo): the address from the sign-in is offered
    and, chosen, is where notify mails."""
    sign_in(web, "maria")
    page = web.get("/notiser/installningar")
    assert "Adressen från min inloggning: maria@demo.ordning.example" in page.text
    assert web.post("/notiser/installningar", data=form_of(page, address_choice="sign_in")).status_code == 303
    stored = saved(services, "maria")
    assert (stored["address"], stored["address_source"]) == ("maria@demo.ordning.example", "token")
