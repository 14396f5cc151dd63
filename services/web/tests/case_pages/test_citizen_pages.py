"""For citizens, without sign-in: leave a klagomål or synpunkt, the receipt, following it; against the real services."""
from __future__ import annotations

import re

from ordning_shared import demo

NORR = demo.unit_id("0138", "Hemtjänst Norr")
FORM = "/kommun/0138/lamna-synpunkt"
FOLLOW = "/kommun/0138/folj-arende"
NEUTRAL = "Vi hittade inget ärende med det numret och den koden."


def hidden(page_text: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page_text).group(1)


def filed(browser, **fields):
    page = browser.get(FORM).text
    data = {"kind": "klagomal", "unit_id": NORR, "description": "Hemtjänsten kom två timmar för sent.",
            "anonymous": "ja", "idempotency_key": hidden(page, "idempotency_key"), "website": "", **fields}
    return browser.post(FORM, data, page=page)


def receipt_of(answer) -> tuple[str, str]:
    reference = re.search(r'id="kvitto-nummer"><strong>([0-9-]+)</strong>', answer.text).group(1)
    secret = re.search(r'id="kvitto-kod"><strong class="secret">([A-Za-z0-9_-]+)</strong>', answer.text).group(1)
    return reference, secret


def by_reference(stack, reference):
    status, body, _ = stack.call("deviations", "GET", f"/api/v1/deviations/by-reference/{reference}", user="erik")
    assert status == 200, body
    return body


def test_the_form_offers_the_municipalitys_units_and_hides_the_robots_trap(browser):
    page = browser().get(FORM)
    assert page.status_code == 200
    assert "<h1>Lämna klagomål eller synpunkt</h1>" in page.text
    assert f'<option value="{NORR}">Hemtjänst Norr</option>' in page.text
    assert "Hemtjänsten Öckerö" not in page.text  # another municipality's unit
    assert '<label for="syn-unit_id">' in page.text and '<label for="syn-description">' in page.text
    trap = re.search(r'<div class="trap" aria-hidden="true">.*?</div>', page.text, re.S).group(0)
    assert 'name="website" value=""' in trap and 'tabindex="-1"' in trap and 'autocomplete="off"' in trap
    assert len(hidden(page.text, "idempotency_key")) >= 16
    assert browser().get("/kommun/9999/lamna-synpunkt").status_code == 404  # no municipality of that code


def test_a_citizen_files_a_complaint_gets_a_receipt_and_follows_it(browser, stack):
    citizen = browser()
    answer = filed(citizen)
    assert answer.status_code == 201, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    reference, secret = receipt_of(answer)
    assert "Skriv av eller ta en bild av ärendenumret och koden nu." in answer.text
    case = by_reference(stack, reference)
    assert case["kind"] == "klagomal" and case["anonymous"] is True and case["contact"] is None

    page = citizen.get(FOLLOW).text
    followed = citizen.post(FOLLOW, {"reference": reference, "secret": secret}, page=page)
    assert followed.status_code == 200
    assert 'id="status-text">Anmält</dd>' in followed.text and secret not in followed.text
    status, _, _ = stack.call("deviations", "POST", f"/api/v1/deviations/{case['id']}/transitions",
                              {"command": "receive"}, user="erik", headers={"If-Match": f'"{case["id"]}.{case["version"]}"'})
    assert status == 200
    followed = citizen.post(FOLLOW, {"reference": reference, "secret": secret}, page=page)
    assert 'id="status-text">Mottaget</dd>' in followed.text


def test_a_wrong_secret_and_an_unknown_reference_get_the_same_neutral_message(browser):
    citizen = browser()
    reference, secret = receipt_of(filed(citizen))
    page = citizen.get(FOLLOW).text
    wrong_secret = citizen.post(FOLLOW, {"reference": reference, "secret": "x" * 32}, page=page)
    unknown = citizen.post(FOLLOW, {"reference": "2020-999999", "secret": secret}, page=page)
    for answer in (wrong_secret, unknown):
        assert answer.status_code == 404
        message = re.search(r'id="folj-meddelande"><p>(.*?)</p>', answer.text).group(1)
        assert message.startswith(NEUTRAL)
        assert 'id="status-text"' not in answer.text
    assert f'value="{reference}"' in wrong_secret.text  # what the person wrote stays in the form


def test_too_many_attempts_say_wait_a_while(browser):
    citizen = browser()
    page = citizen.get(FOLLOW).text
    for _ in range(30):
        answer = citizen.post(FOLLOW, {"reference": "2020-999999", "secret": "y" * 32}, page=page)
        if answer.status_code == 429:
            break
        assert answer.status_code == 404
    assert answer.status_code == 429
    assert "för många försök" in answer.text.lower() and "Vänta en stund" in answer.text
    other = browser()
    assert other.post(FOLLOW, {"reference": "2020-999999", "secret": "y" * 32},
                      page=other.get(FOLLOW).text).status_code == 404  # another citizen is not held up


def test_contact_details_only_when_not_anonymous(browser, stack):
    citizen = browser()
    refused = filed(citizen, anonymous="nej", name="Eva Svensson")
    assert refused.status_code == 422
    email = re.search(r'<input type="email" id="syn-email"[^>]*>', refused.text).group(0)
    assert 'aria-invalid="true"' in email and "syn-email-fel" in email
    assert 'href="#syn-email"' in refused.text and 'value="Eva Svensson"' in refused.text
    assert "Hemtjänsten kom två timmar för sent." in refused.text

    named = filed(citizen, anonymous="nej", name="Eva Svensson", email="eva@example.se")
    assert named.status_code == 201
    case = by_reference(stack, receipt_of(named)[0])
    assert case["anonymous"] is False and case["contact"]["email"] == "eva@example.se"

    anonymous = filed(citizen, anonymous="ja", name="Eva Svensson", email="eva@example.se")
    assert anonymous.status_code == 201
    case = by_reference(stack, receipt_of(anonymous)[0])
    assert case["anonymous"] is True and case["contact"] is None  # the fields are not sent when anonymous


def test_sending_the_same_form_twice_files_one_case(browser):
    citizen = browser()
    page = citizen.get(FORM).text
    data = {"kind": "synpunkt", "unit_id": NORR, "description": "Bra bemötande i telefon.", "anonymous": "ja",
            "idempotency_key": hidden(page, "idempotency_key"), "website": ""}
    first, again = citizen.post(FORM, data, page=page), citizen.post(FORM, data, page=page)
    assert first.status_code == 201 and again.status_code == 201
    assert receipt_of(first)[0] == receipt_of(again)[0]


def test_the_form_asks_for_what_is_missing(browser):
    citizen = browser()
    page = citizen.get(FORM).text
    answer = citizen.post(FORM, {"idempotency_key": hidden(page, "idempotency_key"), "website": ""}, page=page)
    assert answer.status_code == 422
    for name in ("kind", "unit_id", "description", "anonymous"):
        assert f'href="#syn-{name}"' in answer.text, name
    assert '<h2 id="syn-fel-rubrik">' in answer.text  # the summary's heading follows the page's h1


def test_a_service_that_is_down_keeps_what_the_citizen_wrote(services, browser):
    from ordning_web.app import create_app

    from ..conftest import free_port_url

    app = create_app(services.web_settings(deviations_url=free_port_url()))
    citizen = browser()
    citizen.client = app.test_client()
    page = citizen.get(FORM).text  # the units come from the processes service, which answers
    answer = citizen.post(FORM, {"kind": "synpunkt", "unit_id": NORR, "description": "Min text om maten.",
                                 "anonymous": "ja", "idempotency_key": hidden(page, "idempotency_key"),
                                 "website": ""}, page=page)
    assert answer.status_code == 503
    assert "inte svarar" in answer.text and "Det du skrev finns kvar" in answer.text
    assert "Min text om maten." in answer.text and hidden(answer.text, "idempotency_key") == hidden(page, "idempotency_key")
