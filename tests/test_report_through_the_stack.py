"""The kvalitetsberättelse through the whole stack: an org tree made in processes, cases reported in deviations,
their events over RabbitMQ into reporting, and each förvaltning's report counting its own cases and not the
other's; the finished report's PDF read back for its figures."""
from __future__ import annotations

import io
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pypdf
import pytest
import requests

from ordning_shared.testing import bearer

from .test_case_through_the_stack import report_when_unit_known

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
TENANT = "0138"
YEAR = datetime.now(ZoneInfo("Europe/Stockholm")).year  # the year the cases are reported in, as reporting sees it


def counted(stack, token, unit_id, at_least: int, timeout: float = 60) -> int:
    """The deviations counted for a scope once reporting has taken in at least `at_least` of them."""
    deadline = time.monotonic() + timeout
    while True:
        answer = requests.get(f"{stack.urls['reporting']}/api/v1/figures", headers=bearer(token), timeout=10,
                              params={"unit_id": unit_id, "section": "deviations"})
        assert answer.status_code == 200, answer.text
        total = next(f["value"] for f in answer.json()["sections"][0]["figures"] if f["key"] == "total")
        if total >= at_least or time.monotonic() > deadline:
            return total
        time.sleep(0.3)


def create_report(stack, token, unit_id):
    response = requests.post(f"{stack.urls['reporting']}/api/v1/reports", headers=bearer(
        token, **{"Idempotency-Key": str(uuid.uuid4())}), timeout=60, json={
        "kind": "quality_report", "scope_type": "administration", "unit_id": unit_id, "year": YEAR})
    assert response.status_code == 201, response.text
    return response


def total_of(report: dict) -> int | str:
    deviations = next(s for s in report["figures"]["sections"] if s["key"] == "deviations")
    return next(f["value"] for f in deviations["figures"] if f["key"] == "total")


def test_each_förvaltnings_kvalitetsberättelse_counts_its_own_cases(stack):
    admin = stack.token("admin-report", TENANT, ["administrator"])
    board = stack.create_unit(admin, "board", "Nämnden för berättelser")
    social = stack.create_unit(admin, "administration", "Socialförvaltningen B", board)
    home_care = stack.create_unit(admin, "unit", "Hemtjänst Berättelse", social)
    school = stack.create_unit(admin, "administration", "Utbildningsförvaltningen B", board)
    pupils = stack.create_unit(admin, "unit", "Elevhälsan Berättelse", school)

    staff = stack.token("staff-report", TENANT, ["medarbetare"], [home_care])
    for description in ("Larmet gick inte att återställa.", "Fel dos gavs på kvällen.", "Dörren stod olåst."):
        reported = report_when_unit_known(stack, staff, {"kind": "avvikelse", "unit_id": home_care,
                                                         "description": description})
        assert reported.status_code == 201, reported.text
    nurse = stack.token("nurse-report", TENANT, ["medarbetare"], [pupils])
    assert report_when_unit_known(stack, nurse, {"kind": "avvikelse", "unit_id": pupils,
                                                 "description": "Journalen saknades."}).status_code == 201

    social_chief = stack.token("chief-social", TENANT, ["forvaltningschef"], [social])
    school_chief = stack.token("chief-school", TENANT, ["forvaltningschef"], [school])
    assert counted(stack, social_chief, social, 3) == 3
    assert counted(stack, school_chief, school, 1) == 1

    created = create_report(stack, social_chief, social)
    report = created.json()
    # The figures above count 3 and 1; the report, which goes to the nämnd, shows a count under the tenant's
    # threshold (5) as "< 5" (ordning_reporting.domain.report_suppression)
    assert total_of(report) == "< 5"
    other = create_report(stack, school_chief, school).json()
    assert total_of(other) == "< 5"
    hidden = requests.get(f"{stack.urls['reporting']}/api/v1/reports/{report['id']}", headers=bearer(school_chief),
                          timeout=10)
    assert hidden.status_code == 404  # the other förvaltning's report is not revealed

    url = f"{stack.urls['reporting']}/api/v1/reports/{report['id']}"
    written = requests.put(f"{url}/sections/avvikelser", json={"text": "Tre avvikelser i hemtjänsten."},
                           headers=bearer(social_chief, **{"If-Match": created.headers["ETag"]}), timeout=10)
    assert written.status_code == 200, written.text
    finished = requests.post(f"{url}/finish", headers=bearer(social_chief, **{"If-Match": written.headers["ETag"]}),
                             timeout=60)
    assert finished.status_code == 200, finished.text

    document = requests.get(url, headers=bearer(social_chief, Accept="application/pdf"), timeout=120)
    assert document.status_code == 200 and document.headers["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(document.content)).pages)
                    .split())
    assert f"Kvalitetsberättelse {YEAR}" in text and "Socialförvaltningen B" in text
    assert "Anmälda ärenden < 5" in text and "Tre avvikelser i hemtjänsten." in text
    assert "Utbildningsförvaltningen B" not in text and "Elevhälsan Berättelse" not in text
    assert "Hemtjänst Berättelse" in text  # the unit, by name, in the chart and the table per unit
