"""schemathesis over the deviations API's /openapi.json: generated requests with a valid token, some of them
on an existing case, action and category, get no 5xx and nothing the document does not say."""
from __future__ import annotations

from datetime import timedelta

from ordning_shared.testing import openapi_property_failures
from ordning_shared.workdays import today_in_sweden

from .conftest import A

EVERY_ROLE = ("karin", ["administrator", "kvalitetsutvecklare", "forvaltningschef", "enhetschef", "mas"], ["n"])


def test_no_operation_answers_with_a_5xx_or_off_its_document(env):
    headers = env.auth(*EVERY_ROLE)
    case = env.report(who=EVERY_ROLE)
    action = env.client.post(f"/api/v1/deviations/{case['id']}/actions", headers=headers, json={
        "title": "Se över rutinen", "owner": "karin", "due_date": (today_in_sweden() + timedelta(days=9)).isoformat()})
    category = env.client.post("/api/v1/categories", headers=headers, json={"name": "Fall"})
    assert (action.status_code, category.status_code) == (201, 201)
    known = {"deviation_id": case["id"], "action_id": action.get_json()["id"],
             "category_id": category.get_json()["id"], "kind": "avvikelse", "tenant": A,
             "reference": case["reference"]}
    assert openapi_property_failures(env.app, headers, known) == []
