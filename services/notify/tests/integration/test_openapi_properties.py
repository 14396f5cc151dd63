"""schemathesis over the notify API's /openapi.json: generated requests with a valid token, some of them on an
existing rule and notice, get no 5xx and nothing the document does not say."""
from __future__ import annotations

import pytest
from ordning_shared.testing import openapi_property_failures

from .conftest import A, ADMIN, reported_event_body, role_event_body

pytestmark = pytest.mark.integration


def test_no_operation_answers_with_a_5xx_or_off_its_document(env):
    env.feed(role_event_body(A, ADMIN[0], "enhetschef", "e1"))
    env.feed(reported_event_body(A, "e1", "avvikelse"))
    headers = env.auth(*ADMIN)
    rule = env.client.get("/api/v1/notification-rules", headers=headers).get_json()["items"][0]
    notice = env.client.get("/api/v1/notices", headers=headers).get_json()["items"][0]
    known = {"rule_id": rule["id"], "notice_id": notice["id"], "tenant": A}
    assert openapi_property_failures(env.app, headers, known) == []
