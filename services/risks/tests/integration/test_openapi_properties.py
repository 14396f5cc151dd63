"""schemathesis over the risks API's /openapi.json: generated requests with a valid token, some of them on an
existing analysis, risk, action and escalation, get no 5xx and nothing the document does not say."""
from __future__ import annotations

import pytest
from ordning_shared.testing import openapi_property_failures

from .conftest import A, U

EVERY_ROLE = ("karin", ["administrator", "kvalitetsutvecklare", "forvaltningschef", "enhetschef"], ["n"])

pytestmark = pytest.mark.integration


def test_no_operation_answers_with_a_5xx_or_off_its_document(env):
    headers = env.auth(*EVERY_ROLE)
    analysis = env.analysis(who=EVERY_ROLE)
    risk = env.risk(analysis["id"], who=EVERY_ROLE)
    base = f"/api/v1/risk-analyses/{analysis['id']}/risks/{risk['id']}"
    action = env.client.post(f"{base}/actions", headers=headers, json={
        "title": "Introduktion", "owner": "karin", "due_date": "2027-01-01"})
    escalated = env.client.post(f"{base}/escalations", headers=headers, json={"to_unit_id": U["f"], "reason": "x"})
    assert (action.status_code, escalated.status_code) == (201, 201)
    known = {"analysis_id": analysis["id"], "risk_id": risk["id"], "action_id": action.get_json()["id"],
             "escalation_id": escalated.get_json()["escalations"][0]["id"], "version": "1", "tenant": A}
    assert openapi_property_failures(env.app, headers, known) == []
