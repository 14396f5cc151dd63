"""Riskförslag with the keyboard alone, at phone and desk width: a lex Sarah case decided serious in the
deviations service reaches the risks service as a proposal for its unit; the enhetschef finds it on Riskförslag,
is told why an empty dismissal is refused, and accepts it into a new risk analysis of the unit."""
from __future__ import annotations

import time
import uuid

import pytest
import requests

from ordning_shared import demo

pytestmark = pytest.mark.e2e

NORR = demo.unit_id("0138", "Hemtjänst Norr")
PAGE_TABS = 80


def api_urls(web_stack) -> dict:
    """The launcher's ports: the web on the base port, then processes, deviations and risks."""
    base = int(web_stack.web_url.rsplit(":", 1)[1])
    return {"deviations": f"http://127.0.0.1:{base + 2}", "risks": f"http://127.0.0.1:{base + 3}"}


def serious_lex_sarah_case(urls: dict) -> tuple[str, dict]:
    """Erik's lex Sarah case at Hemtjänst Norr, received and investigated by him and decided serious by Frida, the
    förvaltningschef, through the API."""
    token = requests.post(f"{urls['deviations']}/dev/token", json={"user": "erik"}, timeout=30).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    reported = requests.post(f"{urls['deviations']}/api/v1/deviations", json={
        "kind": "lex_sarah", "unit_id": NORR, "description": "Brukaren blev utan sina insatser en helg."},
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())}, timeout=30)
    assert reported.status_code == 201, reported.text
    url = f"{urls['deviations']}/api/v1/deviations/{reported.json()['id']}"
    etag = requests.get(url, headers=headers, timeout=30).headers["ETag"]
    for command in ("receive", "start_investigation"):
        moved = requests.post(f"{url}/transitions", json={"command": command}, headers={**headers, "If-Match": etag},
                              timeout=30)
        assert moved.status_code == 200, moved.text
        etag = moved.headers["ETag"]
    # the decision is the förvaltningschef's, the tenant's delegation for lex Sarah by default (issue 14)
    frida = requests.post(f"{urls['deviations']}/dev/token", json={"user": "frida"}, timeout=30).json()["access_token"]
    decided = requests.put(f"{url}/seriousness", json={"serious": True},
                           headers={"Authorization": f"Bearer {frida}", "If-Match": etag}, timeout=30)
    assert decided.status_code == 200, decided.text
    return reported.json()["id"], headers


def proposal_of(urls: dict, headers: dict, deviation_id: str, timeout: float = 60) -> dict:
    """The proposal the risks worker makes of the case's event (it arrives asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        items = requests.get(f"{urls['risks']}/api/v1/risk-proposals", params={"deviation_id": deviation_id},
                             headers=headers, timeout=30).json()["items"]
        if items or time.monotonic() > deadline:
            assert items, "no risk proposal for the serious case"
            return items[0]
        time.sleep(0.2)


def test_the_enhetschef_accepts_a_serious_cases_risk_proposal_into_a_new_analysis(browser, web_stack):
    urls = api_urls(web_stack)
    case, headers = serious_lex_sarah_case(urls)
    proposal = proposal_of(urls, headers, case)

    browser.sign_in("Erik Eriksson")
    browser.tab_to_text("Riskförslag")
    browser.enter()
    assert browser.path == "/riskforslag" and "Riskförslag" in browser.text("h1")
    rows = browser.driver.find_elements("css selector", f"#rader-forslag tr[data-deviation-id='{case}']")
    assert len(rows) == 1 and "Allvarlig avvikelse (lex Sarah)" in rows[0].text and "Hemtjänst Norr" in rows[0].text
    # newest first: this case's proposal leads the list
    browser.tab_to_text("Allvarlig avvikelse (lex Sarah)")
    browser.enter()
    assert browser.path == f"/riskforslag/{proposal['id']}", browser.path
    assert "Öppet" in browser.text("#forslag-status")

    # An empty dismissal is refused, the reason said at its field.
    browser.tab_to_id("avfarda-knapp", limit=PAGE_TABS)
    browser.enter()
    assert "Något behöver rättas" in browser.text(".error-summary")
    assert browser.driver.execute_script(
        "return document.getElementById('avf-reason').getAttribute('aria-invalid') === 'true'")
    assert "Öppet" in browser.text("#forslag-status")

    # Accepted into a new analysis of the unit ("En ny riskanalys" is chosen, its title and day filled in).
    browser.tab_to_id("acc-description", limit=PAGE_TABS)
    browser.type("Brukare blir utan insatser när helgbemanningen inte räcker.")
    browser.tab_to_id("acceptera-knapp", limit=PAGE_TABS)
    browser.enter()
    assert "Accepterat" in browser.text("#forslag-status")
    assert "Förslaget är accepterat" in browser.text("main")

    decided = requests.get(f"{urls['risks']}/api/v1/risk-proposals/{proposal['id']}", headers=headers,
                           timeout=30).json()
    assert decided["status"] == "accepted"
    risk = requests.get(f"{urls['risks']}/api/v1/risk-analyses/{decided['analysis_id']}/risks/{decided['risk_id']}",
                        headers=headers, timeout=30).json()
    assert risk["description"] == "Brukare blir utan insatser när helgbemanningen inte räcker."
