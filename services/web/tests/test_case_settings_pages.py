"""Ärendeinställningar and Arbetskalender against the real deviations service of conftest.py: the page shows what the
service holds, a save changes it (read back through the API), a refusal lands at its field with nothing stored, a
form read before someone else's change is told so, and only an administrator gets the pages.

Olle is the administrator of Öckerö (1407), a tenant no other web test changes the settings of; each test puts the
defaults back afterwards."""
from __future__ import annotations

import html
import re

import pytest
import requests
from ordning_shared import demo
from ordning_shared.auth import LocalIssuer

from .conftest import csrf_of, sign_in

ADMIN = "olle"  # enhetschef and administrator in 1407
PAGE = "/installningar/arenden"
CALENDAR_PAGE = "/installningar/arbetskalender"
DEFAULTS = {
    "/api/v1/lex-policies/lex_sarah": {"decider_roles": ["forvaltningschef"], "decider_level": "administration",
                                       "delegation_reference": "Delegationsordningen: beslut om lex Sarah-rapport",
                                       "informing_required": True},
    "/api/v1/lex-policies/lex_maria": {"decider_roles": ["mar", "mas"], "decider_level": "administration",
                                       "delegation_reference": "Delegationsordningen: beslut om lex Maria-anmälan",
                                       "informing_required": True},
    "/api/v1/case-settings": {"answer_promised": False, "answer_promise_days": None, "hide_reporter_names": False},
    "/api/v1/working-calendar": {"non_working_eves": ["julafton", "midsommarafton", "nyårsafton"],
                                 "extra_days_off": []},
}


class Deviations:
    """The deviations API as a demo user: (status, body, ETag)."""

    def __init__(self, services, user: str, token: str | None = None):
        self.url, self.token = services.urls["deviations"], token or services.token(user)

    def call(self, method: str, path: str, body=None, etag: str | None = None):
        headers = {"Authorization": f"Bearer {self.token}", **({"If-Match": etag} if etag else {})}
        answer = requests.request(method, self.url + path, json=body, headers=headers, timeout=10)
        return answer.status_code, answer.json() if answer.content else None, answer.headers.get("ETag")

    def get(self, path: str) -> dict:
        status, body, _etag = self.call("GET", path)
        assert status == 200, body
        return body

    def put(self, path: str, body: dict) -> dict:
        _status, _body, etag = self.call("GET", path)
        status, answer, _etag = self.call("PUT", path, body, etag)
        assert status == 200, answer
        return answer


@pytest.fixture
def api(services):
    deviations = Deviations(services, ADMIN)
    yield deviations
    for path, body in DEFAULTS.items():  # as it was, for the next test
        if {k: deviations.get(path)[k] for k in body} != body:
            deviations.put(path, body)


@pytest.fixture
def admin(web):
    sign_in(web, ADMIN)
    return web


def form_of(page_text: str, action: str) -> dict:
    """The hidden fields of the page's form that posts to `action` (its CSRF token and ETag)."""
    found = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page_text, re.DOTALL)
    assert found, f"no form posts to {action}"
    return {name: html.unescape(value)
            for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', found.group(1))}


def checked(page_text: str, element_id: str) -> bool:
    tag = re.search(rf'<input[^>]*id="{re.escape(element_id)}"[^>]*>', page_text)
    assert tag, f"no field {element_id}"
    return " checked" in tag.group(0)


def selected(page_text: str, select_id: str) -> str:
    select = re.search(rf'<select id="{re.escape(select_id)}".*?</select>', page_text, re.DOTALL).group(0)
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)


SARAH = PAGE + "/delegation/lex_sarah"
COMPLAINTS = PAGE + "/klagomal"


def sarah_form(page_text: str, **values) -> dict:
    return {**form_of(page_text, SARAH), "decider_roles": ["verksamhetschef"], "decider_level": "division",
            "delegation_reference": "Delegationsordning 2026 p. 4.2", **values}


def test_the_page_shows_the_delegations_and_settings_as_the_service_holds_them(admin, api):
    page = admin.get(PAGE)
    assert page.status_code == 200, page.text
    text = page.text
    assert "<h1>Ärendeinställningar</h1>" in text
    assert 'aria-current="page">Ärendeinställningar</a>' in text  # linked from the menu
    assert "Delegation för lex Sarah" in text and "Delegation för lex Maria" in text
    assert "Klagomål och återkoppling" in text
    assert checked(text, "lex_sarah-decider_roles")  # Förvaltningschef, the first
    assert not checked(text, "lex_sarah-decider_roles-verksamhetschef")
    assert checked(text, "lex_maria-decider_roles-mas") and checked(text, "lex_maria-decider_roles-mar")
    assert not checked(text, "lex_maria-decider_roles")
    assert selected(text, "lex_sarah-decider_level") == "administration"
    assert ">Förvaltning</option>" in text and ">Nämnd</option>" in text
    assert ">Ärendets enhet eller var som helst ovanför den</option>" in text
    assert ">Medicinskt ansvarig sjuksköterska (MAS)</label>" in text
    assert 'value="Delegationsordningen: beslut om lex Sarah-rapport"' in text
    assert checked(text, "lex_sarah-informing_required") and checked(text, "lex_maria-informing_required")
    assert not checked(text, "klagomal-answer_promised") and not checked(text, "klagomal-hide_reporter_names")
    assert form_of(text, SARAH)["etag"] == f'"lex_sarah.{api.get("/api/v1/lex-policies/lex_sarah")["version"]}"'


def test_saving_the_lex_sarah_delegation_changes_the_services_policy(admin, api):
    before, maria = api.get("/api/v1/lex-policies/lex_sarah"), api.get("/api/v1/lex-policies/lex_maria")
    page = admin.get(PAGE)
    answer = admin.post(SARAH, data=sarah_form(page.text))
    assert answer.status_code == 303, answer.text
    assert answer.headers["Location"].endswith(PAGE + "#lex_sarah")
    policy = api.get("/api/v1/lex-policies/lex_sarah")
    assert policy["decider_roles"] == ["verksamhetschef"]
    assert policy["decider_level"] == "division"
    assert policy["delegation_reference"] == "Delegationsordning 2026 p. 4.2"
    assert policy["informing_required"] is False  # the box was not ticked
    assert policy["version"] == before["version"] + 1
    assert api.get("/api/v1/lex-policies/lex_maria") == maria  # the other section untouched
    shown = admin.get(PAGE).text
    assert "Delegationen för lex Sarah är sparad." in shown
    assert checked(shown, "lex_sarah-decider_roles-verksamhetschef") and not checked(shown, "lex_sarah-decider_roles")
    assert selected(shown, "lex_sarah-decider_level") == "division"


def test_a_kind_without_a_delegation_is_not_found(admin, api):
    page = admin.get(PAGE)
    answer = admin.post(PAGE + "/delegation/avvikelse", data=sarah_form(page.text))
    assert answer.status_code == 404 and "Sidan finns inte" in answer.text


def one_of_1407(services, subject: str, role: str) -> Deviations:
    """Someone of Öckerö's Socialnämnden with `role`, not a demo user (Öckerö has no verksamhetschef); a case there is
    outside Olle's units, so it is in no count of his Inkorgen (test_inbox)."""
    token = LocalIssuer(services.data_dir).issue(subject, "1407", [role], [demo.unit_id("1407", "Socialnämnden")],
                                                 subject)
    return Deviations(services, subject, token)


def test_the_saved_delegation_decides_who_may_decide_a_lex_sarah_case(admin, api, services):
    page = admin.get(PAGE)
    assert admin.post(SARAH, data=sarah_form(page.text, decider_level="")).status_code == 303
    handler = one_of_1407(services, "demo-hugo", "enhetschef")
    status, case, _etag = handler.call("POST", "/api/v1/deviations", {
        "kind": "lex_sarah", "unit_id": demo.unit_id("1407", "Socialnämnden"),
        "description": "Brukaren fick inte sin insats på hela dagen."})
    assert status == 201, case
    for command in ("receive", "start_investigation"):
        fresh = handler.get(f"/api/v1/deviations/{case['id']}")
        status, body, _etag = handler.call("POST", f"/api/v1/deviations/{case['id']}/transitions",
                                           {"command": command}, f'"{fresh["id"]}.{fresh["version"]}"')
        assert status == 200, body
    decision = {"serious": False, "outcome": "inte_missforhallande", "motivering": "Insatsen gavs senare samma dag."}
    for subject, role, expected in (("demo-fia", "forvaltningschef", 403), ("demo-vera", "verksamhetschef", 200)):
        decider = one_of_1407(services, subject, role)
        fresh = decider.get(f"/api/v1/deviations/{case['id']}")
        status, body, _etag = decider.call("PUT", f"/api/v1/deviations/{case['id']}/seriousness", decision,
                                           f'"{fresh["id"]}.{fresh["version"]}"')
        assert status == expected, body
    assert body["seriousness"]["decided_by"] == "demo-vera"
    assert body["seriousness"]["delegation_reference"] == "Delegationsordning 2026 p. 4.2"


def test_any_level_is_sent_as_null(admin, api):
    page = admin.get(PAGE)
    answer = admin.post(SARAH, data=sarah_form(page.text, decider_level="", informing_required="ja"))
    assert answer.status_code == 303, answer.text
    policy = api.get("/api/v1/lex-policies/lex_sarah")
    assert policy["decider_level"] is None and policy["informing_required"] is True
    assert selected(admin.get(PAGE).text, "lex_sarah-decider_level") == ""


def test_no_role_ticked_is_shown_at_the_roles_and_nothing_is_stored(admin, api):
    before = api.get("/api/v1/lex-policies/lex_sarah")
    page = admin.get(PAGE)
    form = sarah_form(page.text)
    del form["decider_roles"]
    answer = admin.post(SARAH, data=form)
    assert answer.status_code == 422
    text = answer.text
    assert "Välj minst en roll som beslutar." in text
    assert 'href="#lex_sarah-decider_roles"' in text  # the error summary links to the first role
    assert 'aria-describedby="lex_sarah-decider_roles-fel" aria-invalid="true"' in text
    assert "<title>Fel i formuläret" in text
    assert 'value="Delegationsordning 2026 p. 4.2"' in text  # what was written is kept
    assert api.get("/api/v1/lex-policies/lex_sarah") == before


def test_the_services_refusal_lands_at_its_field_and_nothing_is_stored(admin, api):
    policy, settings = api.get("/api/v1/lex-policies/lex_sarah"), api.get("/api/v1/case-settings")
    page = admin.get(PAGE)
    answer = admin.post(SARAH, data=sarah_form(page.text, decider_level="planet"))
    assert answer.status_code == 422
    error = re.search(r'<p class="field-error" id="lex_sarah-decider_level-fel">(.*?)</p>', answer.text)
    assert error, answer.text
    assert api.get("/api/v1/lex-policies/lex_sarah") == policy

    answer = admin.post(COMPLAINTS, data={**form_of(page.text, COMPLAINTS), "answer_promised": "ja",
                                          "answer_promise_days": "400"})
    assert answer.status_code == 422
    assert 'id="klagomal-answer_promise_days-fel"' in answer.text
    assert 'value="400"' in answer.text
    assert api.get("/api/v1/case-settings") == settings


def test_a_form_read_before_someone_elses_change_says_so_and_shows_the_settings_now(admin, api):
    page = admin.get(PAGE)
    now = api.put("/api/v1/lex-policies/lex_sarah", {**DEFAULTS["/api/v1/lex-policies/lex_sarah"],
                                                     "decider_roles": ["enhetschef"]})
    answer = admin.post(SARAH, data=sarah_form(page.text))
    assert answer.status_code == 412
    text = answer.text
    assert "Någon annan har ändrat inställningarna medan du hade sidan öppen." in text
    assert checked(text, "lex_sarah-decider_roles-enhetschef")  # as it is now, not as sent
    assert not checked(text, "lex_sarah-decider_roles-verksamhetschef")
    assert form_of(text, SARAH)["etag"] == f'"lex_sarah.{now["version"]}"'  # a save from here goes through
    assert api.get("/api/v1/lex-policies/lex_sarah")["decider_roles"] == ["enhetschef"]


def test_saving_the_complaint_settings(admin, api):
    page = admin.get(PAGE)
    answer = admin.post(COMPLAINTS, data={**form_of(page.text, COMPLAINTS), "answer_promised": "ja",
                                          "answer_promise_days": "10", "hide_reporter_names": "ja"})
    assert answer.status_code == 303, answer.text
    settings = api.get("/api/v1/case-settings")
    assert (settings["answer_promised"], settings["answer_promise_days"], settings["hide_reporter_names"]) == \
        (True, 10, True)
    assert "Inställningarna för klagomål och återkoppling är sparade." in admin.get(PAGE).text

    promised_without_days = {**form_of(admin.get(PAGE).text, COMPLAINTS), "answer_promised": "ja"}
    answer = admin.post(COMPLAINTS, data=promised_without_days)
    assert answer.status_code == 422
    assert "Skriv inom hur många arbetsdagar svaret utlovas" in answer.text
    assert api.get("/api/v1/case-settings")["version"] == settings["version"]


@pytest.mark.parametrize("user", ["anna", "erik"])
def test_only_an_administrator_gets_the_pages(web, services, user):
    sign_in(web, user)
    for path in (PAGE, CALENDAR_PAGE):
        page = web.get(path)
        assert page.status_code == 403
        assert "Du har inte behörighet" in page.text
    assert "Ärendeinställningar</a>" not in web.get("/rapportera").text
    token = csrf_of(web.get("/rapportera"))
    answer = web.post(SARAH, data={"csrf_token": token, "decider_roles": "enhetschef", "decider_level": "unit",
                                   "delegation_reference": "x", "etag": '"lex_sarah.0"'})
    assert answer.status_code == 403


def test_the_working_calendar_adds_and_removes_a_day_of_the_municipalitys_own(admin, api):
    page = admin.get(CALENDAR_PAGE)
    assert page.status_code == 200, page.text
    assert "<h1>Arbetskalender</h1>" in page.text
    assert "Juldagen" in page.text  # the public holidays beside
    assert checked(page.text, "aftnar-non_working_eves-julafton") and ">Julafton</label>" in page.text
    assert not checked(page.text, "aftnar-non_working_eves")  # allahelgonsafton, the first: a working day
    add = CALENDAR_PAGE + "/dagar"
    answer = admin.post(add, data={**form_of(page.text, add), "day": "2026-05-15"})
    assert answer.status_code == 303, answer.text
    assert api.get("/api/v1/working-calendar")["extra_days_off"] == ["2026-05-15"]
    page = admin.get(CALENDAR_PAGE)
    assert "2026-05-15 är en ledig dag." in page.text

    answer = admin.post(add, data={**form_of(page.text, add), "day": "2026-05-15"})
    assert answer.status_code == 422 and "Dagen finns redan" in answer.text
    answer = admin.post(add, data={**form_of(page.text, add), "day": "15 maj"})
    assert answer.status_code == 422 and 'id="ny-day-fel"' in answer.text and 'value="15 maj"' in answer.text

    remove = CALENDAR_PAGE + "/dagar/2026-05-15/ta-bort"
    answer = admin.post(remove, data=form_of(page.text, remove))
    assert answer.status_code == 303, answer.text
    assert api.get("/api/v1/working-calendar")["extra_days_off"] == []


def test_the_working_calendar_says_when_someone_else_changed_it(admin, api):
    page = admin.get(CALENDAR_PAGE)
    api.put("/api/v1/working-calendar", {**DEFAULTS["/api/v1/working-calendar"], "extra_days_off": ["2026-06-05"]})
    add = CALENDAR_PAGE + "/dagar"
    answer = admin.post(add, data={**form_of(page.text, add), "day": "2026-05-15"})
    assert answer.status_code == 412
    assert "Någon annan har ändrat inställningarna" in answer.text
    assert "2026-06-05" in answer.text and 'value="2026-05-15"' in answer.text  # now, and what was written kept
    assert api.get("/api/v1/working-calendar")["extra_days_off"] == ["2026-06-05"]

    eves = CALENDAR_PAGE + "/aftnar"
    answer = admin.post(eves, data={**form_of(admin.get(CALENDAR_PAGE).text, eves),
                                    "non_working_eves": ["julafton", "klämdag"]})
    assert answer.status_code == 303, answer.text
    calendar = api.get("/api/v1/working-calendar")
    assert calendar["non_working_eves"] == ["julafton", "klämdag"] and calendar["extra_days_off"] == ["2026-06-05"]


def test_the_pages_say_so_when_the_deviations_service_is_down(services):
    from ordning_web.app import create_app

    from .conftest import free_port_url

    web = create_app(services.web_settings(deviations_url=free_port_url())).test_client()
    sign_in(web, ADMIN)
    for path in (PAGE, CALENDAR_PAGE):
        page = web.get(path)
        assert page.status_code == 503 and "Tjänsten för avvikelser svarar inte just nu" in page.text
