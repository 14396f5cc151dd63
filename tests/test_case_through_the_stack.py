"""One case through the whole stack: org tree in processes, events over RabbitMQ, the case in deviations."""
from __future__ import annotations

import time
import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from ordning_shared.testing import bearer

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
TENANT = "0138"




def report_when_unit_known(stack, token, body, timeout=30):
    """The deviations service learns of a new unit only through the event; wait for it."""
    deadline = time.monotonic() + timeout
    while True:
        response = requests.post(f"{stack.urls['deviations']}/api/v1/deviations", json=body,
                                 headers=bearer(token, **{"Idempotency-Key": str(uuid.uuid4())}), timeout=10)
        if response.status_code == 201 or time.monotonic() > deadline:
            return response
        assert response.status_code == 422 and response.json()["code"] == "unknown_unit", response.text
        time.sleep(0.2)


def test_a_unit_created_in_processes_scopes_deviations_for_the_forvaltningschef(stack):
    admin = stack.token("admin-e2e", TENANT, ["administrator"])
    board = stack.create_unit(admin, "board", "Socialnämnden")
    administration = stack.create_unit(admin, "administration", "Socialförvaltningen", board)
    division = stack.create_unit(admin, "division", "Äldreomsorg", administration)
    unit = stack.create_unit(admin, "unit", "Hemtjänst Väster", division)
    sibling = stack.create_unit(admin, "unit", "Hemtjänst Öster", division)

    staff = stack.token("staff-1", TENANT, ["medarbetare"], [unit])
    reported = report_when_unit_known(stack, staff, {
        "kind": "avvikelse", "unit_id": unit, "description": "Fel läkemedelslista skickades med vid utskrivning."})
    assert reported.status_code == 201, reported.text
    case = reported.json()
    assert case["status"] == "reported"

    chief = stack.token("chief-1", TENANT, ["forvaltningschef"], [administration])
    listed = requests.get(f"{stack.urls['deviations']}/api/v1/deviations", headers=bearer(chief), timeout=10)
    assert listed.status_code == 200, listed.text
    assert case["id"] in [item["id"] for item in listed.json()["items"]]

    other_manager = stack.token("chief-2", TENANT, ["enhetschef"], [sibling])
    hidden = requests.get(f"{stack.urls['deviations']}/api/v1/deviations", headers=bearer(other_manager), timeout=10)
    assert hidden.status_code == 200
    assert case["id"] not in [item["id"] for item in hidden.json()["items"]]

    # The enhetschef takes the case through to closing, with an action on the way.
    manager = stack.token("manager-1", TENANT, ["enhetschef"], [unit])
    url = f"{stack.urls['deviations']}/api/v1/deviations/{case['id']}"
    etag = requests.get(url, headers=bearer(manager), timeout=10).headers["ETag"]
    for command in ("receive", "start_investigation"):
        response = requests.post(f"{url}/transitions", json={"command": command},
                                 headers=bearer(manager, **{"If-Match": etag}), timeout=10)
        assert response.status_code == 200, response.text
        etag = response.headers["ETag"]
    response = requests.put(f"{url}/investigation", json={
        "what_happened": "Listan var inaktuell.", "why": "Ingen avstämning vid utskrivning.",
        "what_must_change": "Avstämning mot journalen före utskick."}, headers=bearer(manager, **{"If-Match": etag}),
        timeout=10)
    assert response.status_code == 200, response.text
    etag = response.headers["ETag"]
    action = requests.post(f"{url}/actions", json={
        "title": "Inför avstämningsrutin", "owner": "manager-1", "due_date": "2030-01-31"},
        headers=bearer(manager, **{"Idempotency-Key": str(uuid.uuid4())}), timeout=10)
    assert action.status_code == 201, action.text
    etag = requests.get(url, headers=bearer(manager), timeout=10).headers["ETag"]
    response = requests.post(f"{url}/transitions", json={"command": "complete_investigation"},
                             headers=bearer(manager, **{"If-Match": etag}), timeout=10)
    assert response.status_code == 200, response.text
    etag = response.headers["ETag"]
    refused = requests.post(f"{url}/transitions", json={"command": "close"},
                            headers=bearer(manager, **{"If-Match": etag}), timeout=10)
    assert refused.status_code == 409
    assert refused.headers["Content-Type"].startswith("application/problem+json")

    action_url = f"{url}/actions/{action.json()['id']}"
    done = requests.post(f"{action_url}/transitions", json={"command": "complete"},
                         headers=bearer(manager, **{"If-Match": action.headers["ETag"]}), timeout=10)
    assert done.status_code == 200, done.text
    closed = requests.post(f"{url}/transitions", json={"command": "close"},
                           headers=bearer(manager, **{"If-Match": etag}), timeout=10)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"


def test_metrics_and_health_of_every_service(stack):
    for service, url in stack.urls.items():
        assert requests.get(f"{url}/healthz", timeout=5).json()["status"] == "ok"
        for _ in range(20):
            requests.get(f"{url}/healthz", timeout=5)
        metrics = requests.get(f"{url}/metrics", timeout=5).text
        healthz = [sample.value for family in text_string_to_metric_families(metrics)
                   for sample in family.samples
                   if sample.name == "ordning_http_requests_total" and sample.labels.get("route") == "/healthz"]
        # Each of gunicorn's workers counted its share; one scrape must see them all.
        assert sum(healthz) >= 21, (service, healthz)
        assert requests.get(f"{url}/openapi.json", timeout=5).json()["openapi"].startswith("3.")


def test_a_unit_created_in_processes_can_be_risk_analysed_in_risks(stack):
    """The risks worker keeps its org-tree copy from the processes service's events, as deviations' does."""
    admin = stack.token("admin-e2e", TENANT, ["administrator"])
    board = stack.create_unit(admin, "board", "Omsorgsnämnden")
    administration = stack.create_unit(admin, "administration", "Omsorgsförvaltningen", board)
    unit = stack.create_unit(admin, "unit", "Boende Sjöudden", administration)
    chief = stack.token("chief-2", TENANT, ["enhetschef"], [unit])
    body = {"title": "Sommarbemanning", "scope_type": "unit", "scope_id": unit, "trigger": "larger_change",
            "trigger_change": "summer_staffing", "analysis_date": "2026-05-12"}
    deadline = time.monotonic() + 30
    while True:
        response = requests.post(f"{stack.urls['risks']}/api/v1/risk-analyses", json=body, headers=bearer(chief),
                                 timeout=10)
        if response.status_code == 201 or time.monotonic() > deadline:
            break
        assert response.status_code == 422 and response.json()["code"] == "unknown_unit", response.text
        time.sleep(0.2)
    assert response.status_code == 201, response.text
    analysis = response.json()
    assert analysis["unit_name"] == "Boende Sjöudden" and analysis["matrix_version"] == 1
    manager = stack.token("f-chief-2", TENANT, ["forvaltningschef"], [administration])
    listed = requests.get(f"{stack.urls['risks']}/api/v1/risk-analyses", headers=bearer(manager), timeout=10)
    assert [item["id"] for item in listed.json()["items"]] == [analysis["id"]]


def test_a_case_reported_in_deviations_is_counted_in_reporting_for_its_forvaltning_only(stack):
    """Reporting stores every event from the bus (on its own broker user) and counts the case where it belongs."""
    admin = stack.token("admin-e2e", TENANT, ["administrator"])
    board = stack.create_unit(admin, "board", "Vård- och omsorgsnämnden")
    administration = stack.create_unit(admin, "administration", "Vård- och omsorgsförvaltningen", board)
    other = stack.create_unit(admin, "administration", "Individ- och familjeförvaltningen", board)
    unit = stack.create_unit(admin, "unit", "Korttidsboendet Ekbacken", administration)
    staff = stack.token("staff-3", TENANT, ["medarbetare"], [unit])
    reported = report_when_unit_known(stack, staff, {
        "kind": "lex_maria", "unit_id": unit, "description": "Fel dos insulin gavs på kvällen."})
    assert reported.status_code == 201, reported.text
    year = reported.json()["reported_at"][:4]

    def lex_maria(token, unit_id):
        response = requests.get(f"{stack.urls['reporting']}/api/v1/figures", headers=bearer(token), timeout=10,
                                params={"unit_id": unit_id, "from": f"{year}-01-01", "to": f"{year}-12-31",
                                        "section": "lex_maria"})
        if response.status_code != 200:
            return response.status_code
        return {f["key"]: f.get("value") for f in response.json()["sections"][0]["figures"]}["reported"]

    chief = stack.token("chief-3", TENANT, ["forvaltningschef"], [administration])
    deadline = time.monotonic() + 30
    while lex_maria(chief, administration) != 1 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert lex_maria(chief, administration) == 1
    assert lex_maria(stack.token("chief-4", TENANT, ["forvaltningschef"], [other]), other) == 0
    assert lex_maria(chief, other) == 404  # not among the chief's units
