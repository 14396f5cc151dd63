"""Tidsfrister against the real deviations service of conftest.py: the page shows each kind's deadlines as the
service holds them, with only the fields the kind has; a save changes the policy (read back through the API); the
service's refusal of a value out of range lands at its field with nothing stored; a form read before someone else's
change is told so; only an administrator gets the page.

Olle is the administrator of Öckerö (1407), as in test_case_settings_pages; each test puts the defaults back."""
from __future__ import annotations

import re

import pytest

from .conftest import csrf_of, sign_in
from .test_case_settings_pages import ADMIN, Deviations, form_of

PAGE = "/installningar/tidsfrister"
POLICIES = "/api/v1/deadline-policies/"
FIELDS = ("receipt_days", "investigation_days", "ivo_report_days", "answer_days")
DEFAULTS = {  # the domain's DEFAULT_DEADLINES
    "avvikelse": {"receipt_days": 2, "investigation_days": 20, "ivo_report_days": None, "answer_days": None},
    "lex_sarah": {"receipt_days": 1, "investigation_days": 10, "ivo_report_days": 14, "answer_days": None},
    "lex_maria": {"receipt_days": 1, "investigation_days": 10, "ivo_report_days": 14, "answer_days": None},
    "klagomal": {"receipt_days": 2, "investigation_days": 10, "ivo_report_days": None, "answer_days": 10},
    "synpunkt": {"receipt_days": 2, "investigation_days": 10, "ivo_report_days": None, "answer_days": None},
}
SARAH = PAGE + "/lex_sarah"


def policy(api: Deviations, kind: str) -> dict:
    return {name: api.get(POLICIES + kind)[name] for name in FIELDS}


@pytest.fixture
def api(services):
    deviations = Deviations(services, ADMIN)
    yield deviations
    for kind, body in DEFAULTS.items():  # as it was, for the next test
        if policy(deviations, kind) != body:
            deviations.put(POLICIES + kind, body)


@pytest.fixture
def admin(web):
    sign_in(web, ADMIN)
    return web


def value_of(page_text: str, element_id: str) -> str | None:
    tag = re.search(rf'<input[^>]*id="{re.escape(element_id)}"[^>]*>', page_text)
    return re.search(r'value="([^"]*)"', tag.group(0)).group(1) if tag else None


def sarah_form(page_text: str, **values) -> dict:
    return {**form_of(page_text, SARAH), "receipt_days": "1", "investigation_days": "10", "ivo_report_days": "14",
            **values}


def test_the_page_shows_each_kinds_deadlines_with_only_the_fields_it_has(admin, api):
    page = admin.get(PAGE)
    assert page.status_code == 200, page.text
    text = page.text
    assert "<h1>Tidsfrister</h1>" in text
    assert 'aria-current="page">Tidsfrister</a>' in text  # linked from the menu
    for kind, defaults in DEFAULTS.items():
        for name, value in defaults.items():
            assert value_of(text, f"{kind}-{name}") == (None if value is None else str(value)), (kind, name)
    assert "Tidsfrister för lex Sarah" in text and "Tidsfrister för klagomål" in text
    assert ">Anmälas till IVO inom (kalenderdagar från beslutet)" in text
    assert ">Svar till den som klagat inom (arbetsdagar)" in text
    assert "det här är standardinställningen" in text
    assert form_of(text, SARAH)["etag"] == '"lex_sarah.0"'


def test_saving_the_lex_sarah_investigation_days_changes_the_services_policy(admin, api):
    maria = policy(api, "lex_maria")
    answer = admin.post(SARAH, data=sarah_form(admin.get(PAGE).text, investigation_days="15"))
    assert answer.status_code == 303, answer.text
    assert answer.headers["Location"].endswith(PAGE + "#lex_sarah")
    saved = api.get(POLICIES + "lex_sarah")
    assert (saved["receipt_days"], saved["investigation_days"], saved["ivo_report_days"]) == (1, 15, 14)
    assert saved["default"] is False
    assert policy(api, "lex_maria") == maria  # the other kinds untouched
    shown = admin.get(PAGE).text
    assert "Tidsfristerna för lex Sarah är sparade." in shown
    assert value_of(shown, "lex_sarah-investigation_days") == "15"


def test_a_value_out_of_range_is_refused_at_its_field_and_nothing_is_stored(admin, api):
    before = api.get(POLICIES + "lex_sarah")
    answer = admin.post(SARAH, data=sarah_form(admin.get(PAGE).text, ivo_report_days="400"))
    assert answer.status_code == 422
    text = answer.text
    error = re.search(r'<p class="field-error" id="lex_sarah-ivo_report_days-fel">(.*?)</p>', text)
    assert error, text
    assert 'href="#lex_sarah-ivo_report_days"' in text  # the error summary links to it
    assert "<title>Fel i formuläret" in text
    assert value_of(text, "lex_sarah-ivo_report_days") == "400"  # what was written is kept
    assert api.get(POLICIES + "lex_sarah") == before

    answer = admin.post(SARAH, data=sarah_form(admin.get(PAGE).text, receipt_days="en"))
    assert answer.status_code == 422 and "Skriv antalet dagar med siffror" in answer.text
    assert api.get(POLICIES + "lex_sarah") == before


def test_a_form_read_before_someone_elses_change_says_so_and_shows_the_deadlines_now(admin, api):
    page = admin.get(PAGE)
    api.put(POLICIES + "lex_sarah", {**DEFAULTS["lex_sarah"], "investigation_days": 12})
    answer = admin.post(SARAH, data=sarah_form(page.text, investigation_days="15"))
    assert answer.status_code == 412
    text = answer.text
    assert "Någon annan har ändrat inställningarna medan du hade sidan öppen." in text
    assert 'id="lex_sarah-andrad"' in text
    assert value_of(text, "lex_sarah-investigation_days") == "12"  # as it is now, not as sent
    assert api.get(POLICIES + "lex_sarah")["investigation_days"] == 12
    assert form_of(text, SARAH)["etag"] == api.call("GET", POLICIES + "lex_sarah")[2]  # read now
    answer = admin.post(SARAH, data=sarah_form(text, investigation_days="15"))  # a save from here goes through
    assert answer.status_code == 303, answer.text
    assert api.get(POLICIES + "lex_sarah")["investigation_days"] == 15


def test_a_medarbetare_gets_403(web, services):
    sign_in(web, "anna")
    page = web.get(PAGE)
    assert page.status_code == 403 and "Du har inte behörighet" in page.text
    assert "Tidsfrister</a>" not in web.get("/rapportera").text
    answer = web.post(SARAH, data={"csrf_token": csrf_of(web.get("/rapportera")), "etag": '"lex_sarah.0"',
                                   "receipt_days": "1", "investigation_days": "1", "ivo_report_days": "1"})
    assert answer.status_code == 403


def test_a_kind_unknown_is_not_found(admin, api):
    answer = admin.post(PAGE + "/planet", data=sarah_form(admin.get(PAGE).text))
    assert answer.status_code == 404


def test_the_page_says_so_when_the_deviations_service_is_down(services):
    from ordning_web.app import create_app

    from .conftest import free_port_url

    web = create_app(services.web_settings(deviations_url=free_port_url())).test_client()
    sign_in(web, ADMIN)
    page = web.get(PAGE)
    assert page.status_code == 503 and "Tjänsten för avvikelser svarar inte just nu" in page.text
