"""The IVO steps on Ärendet by keyboard alone, at phone and desk widths (issue 14): the enhetschef records a
komplettering IVO asks for, its answer and IVO's decision (a day before the report refused at its field); the
kvalitetsutvecklare records an external provider's own report to IVO, the municipality's follow-up and the lex
Maria case's händelseanalys. axe runs on every page through the fixtures."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import requests
from ordning_shared import demo
from ordning_shared.workdays import today_in_sweden

pytestmark = pytest.mark.e2e

NORR = demo.unit_id("0138", "Hemtjänst Norr")
PROVIDER = demo.unit_id("0138", "Omsorgshuset AB (privat regi)")
CASE_PAGE_TABS = 250  # the case page is long, and the IVO steps come after the investigation and the actions
WIDTHS = {"phone": 360, "desk": 1280}


def deviations_url(web_stack) -> str:
    """The launcher's ports: the web on the base port, then processes and deviations."""
    return f"http://127.0.0.1:{int(web_stack.web_url.rsplit(':', 1)[1]) + 2}"


def token(url: str, user: str) -> dict:
    answer = requests.post(f"{url}/dev/token", json={"user": user}, timeout=30)
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def serious_case(url: str, kind: str, unit: str, reporter: str, handler: str, decider: str,
                 ivo_reporter: str | None = None) -> str:
    """A lex case received, under investigation and decided serious through the API (and reported to IVO by
    `ivo_reporter`, if named); its id."""
    reported = requests.post(f"{url}/api/v1/deviations", json={
        "kind": kind, "unit_id": unit, "description": "Brukaren fick fel dos vid lunch."},
        headers={**token(url, reporter), "Idempotency-Key": str(uuid.uuid4())}, timeout=30)
    assert reported.status_code == 201, reported.text
    case = f"{url}/api/v1/deviations/{reported.json()['id']}"
    etag = requests.get(case, headers=token(url, handler), timeout=30).headers["ETag"]
    for command in ("receive", "start_investigation"):
        moved = requests.post(f"{case}/transitions", json={"command": command},
                              headers={**token(url, handler), "If-Match": etag}, timeout=30)
        assert moved.status_code == 200, moved.text
        etag = moved.headers["ETag"]
    decided = requests.put(f"{case}/seriousness", json={"serious": True},
                           headers={**token(url, decider), "If-Match": etag}, timeout=30)
    assert decided.status_code == 200, decided.text
    if ivo_reporter:
        sent = requests.put(f"{case}/ivo-report", json={"reported_on": today_in_sweden().isoformat(),
                                                        "reference": "3.5.1-4711/2026"},
                            headers={**token(url, ivo_reporter), "If-Match": decided.headers["ETag"]}, timeout=30)
        assert sent.status_code == 200, sent.text
    return reported.json()["id"]


def press(browser, element_id: str) -> None:
    browser.tab_to_id(element_id, limit=CASE_PAGE_TABS)
    browser.enter()


def fits(browser, size: str) -> None:
    assert browser.driver.execute_script("return document.documentElement.scrollWidth") <= WIDTHS[size]


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_the_enhetschef_records_a_komplettering_and_ivos_decision_by_keyboard(open_browser, web_stack, size):
    # anna reports it (the reporter may not decide: jäv) and frida, whom the delegation names, decides it
    case_id = serious_case(deviations_url(web_stack), "lex_sarah", NORR, "anna", "erik", "frida", ivo_reporter="erik")
    erik = open_browser(size, "erik")
    erik.sign_in("Erik Eriksson")
    erik.open(f"/arenden/{case_id}")
    assert "IVO har inte begärt någon komplettering." in erik.text("#ivo-steg")

    # Sent without what IVO asks for: refused at its field, the day kept.
    press(erik, "spara-komplettering")
    assert "Skriv vad IVO begär." in erik.text("#komplettering-formular")
    assert erik.driver.execute_script(
        "return document.getElementById('kompl-request').getAttribute('aria-invalid')") == "true"
    erik.tab_to_id("kompl-request", limit=CASE_PAGE_TABS)
    erik.type("Komplettera med rutinen för överlämning.")
    erik.tab_to_id("kompl-due_on", limit=CASE_PAGE_TABS)
    erik.type_date((today_in_sweden() + timedelta(days=14)).isoformat())
    press(erik, "spara-komplettering")
    assert "Komplettera med rutinen för överlämning." in erik.text("#kompletteringar")
    press(erik, "spara-svar-1")  # answered today, the day the field holds
    assert f"Besvarad {today_in_sweden().isoformat()}." in erik.text("#kompletteringar")

    # IVO's decision: a day before the report is refused at the day's field, the outcome chosen kept.
    state = erik.tab_to_name("outcome", limit=CASE_PAGE_TABS)
    assert state["id"] == "besl-outcome-closed_no_criticism", state
    erik.space()
    erik.tab_to_id("besl-decided_on", limit=CASE_PAGE_TABS)
    erik.type_date((today_in_sweden() - timedelta(days=1)).isoformat())
    press(erik, "spara-beslut")
    assert "Datumet kan inte ligga före anmälan till IVO." in erik.text("#beslut-formular")
    assert erik.driver.execute_script("return document.getElementById('besl-outcome-closed_no_criticism').checked")
    erik.tab_to_id("besl-decided_on", limit=CASE_PAGE_TABS)
    erik.type_date(today_in_sweden().isoformat())
    press(erik, "spara-beslut")
    assert f"IVO beslutade {today_in_sweden().isoformat()}: avslutat utan kritik." in erik.text("#ivo-beslut")
    fits(erik, size)


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_an_external_providers_report_its_follow_up_and_the_handelseanalys_by_keyboard(open_browser, web_stack,
                                                                                        size):
    case_id = serious_case(deviations_url(web_stack), "lex_maria", PROVIDER, "karin", "karin", "maria")
    karin = open_browser(size, "karin")
    karin.sign_in("Karin Karlsson")
    karin.open(f"/arenden/{case_id}")
    assert "Utföraren anmäler själv till IVO" in karin.text("#utforare")
    assert not karin.driver.find_elements("id", "ivo")  # no municipal report form for a provider's case

    press(karin, "spara-utforare-anmalan")  # reported today, the day the field holds
    assert f"Utföraren anmälde till IVO {today_in_sweden().isoformat()}." in karin.text("#utforare-anmalan")
    karin.tab_to_id("upf-assessment", limit=CASE_PAGE_TABS)
    karin.type("Utförarens utredning och åtgärder räcker.")
    state = karin.tab_to_name("follow_up_outcome", limit=CASE_PAGE_TABS)
    assert state["id"] == "upf-follow_up_outcome-sufficient", state
    karin.space()
    press(karin, "spara-uppfoljning")
    assert "tillräckligt. Utförarens utredning och åtgärder räcker." in karin.text("#utforare-uppfoljning")

    state = karin.tab_to_name("method", limit=CASE_PAGE_TABS)
    assert state["id"] == "hana-method-handelseanalys", state
    karin.space()
    karin.tab_to_id("hana-participants", limit=CASE_PAGE_TABS)
    karin.type("sjuksköterska: Sara Lind")
    karin.tab_to_id("hana-cause_0_category", limit=CASE_PAGE_TABS)
    karin.type("Rutiner och riktlinjer")
    karin.tab_to_id("hana-cause_0_text", limit=CASE_PAGE_TABS)
    karin.type("Ingen dubbelkontroll vid delning.")
    press(karin, "spara-analys")
    analysis = karin.text("#handelseanalys")
    assert "Metod: händelseanalys." in analysis and "rutiner och riktlinjer: Ingen dubbelkontroll vid delning." in analysis
    assert "sjuksköterska: Sara Lind" in analysis
    fits(karin, size)
