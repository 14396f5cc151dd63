"""The problems the platform answers by itself, compared with what each service's /openapi.json says for that
operation and status: content type, body (validated against the documented schema), headers and code.

On SQLite (the embedded default): these answers come from the shared platform, not from a database."""
from __future__ import annotations

from dataclasses import replace

import jsonschema
import pytest

from ordning_shared import migrations
from ordning_shared.problems import PROBLEM_CONTENT_TYPE
from ordning_shared.testing import issue_token, make_settings

TENANT = "0138"


def _app(service: str, tmp_path, **overrides):
    module = __import__(f"ordning_{service}.app", fromlist=["create_app"])
    settings = make_settings(service, database_url=f"sqlite:///{tmp_path / f'{service}.db'}",
                             broker_url="filesystem://", data_dir=tmp_path)
    settings = replace(settings, **overrides)
    migrations.upgrade(service, settings)
    app = module.create_app(settings)
    app.config["settings"] = settings
    return app


@pytest.fixture
def processes(tmp_path):
    app = _app("processes", tmp_path, max_request_bytes=4096)
    yield app
    app.extensions["ordning"].dispose()


@pytest.fixture
def deviations(tmp_path):
    app = _app("deviations", tmp_path, public_rate_limit_per_client=(2, 60))
    yield app
    app.extensions["ordning"].dispose()


def test_the_deadline_problems_answer_as_documented(notify):
    app, path, list_path = notify, "/api/v1/deadline-settings", "/api/v1/deadlines"
    client, admin = app.test_client(), _admin(app)
    settings = {"grace_working_days": 3, "patient_safety_roles": ["mas"], "patient_safety_lead_days": 5}
    for headers, status, code in (({}, 428, "if_match_required"), ({"If-Match": '"stale.0"'}, 412, "stale_etag")):
        answer = client.put(path, json=settings, headers={**admin, **headers})
        assert answer.status_code == status
        assert_documented(app, "PUT", path, answer, code)
    current = {**admin, "If-Match": client.get(path, headers=admin).headers["ETag"]}
    for body, code in (({**settings, "grace_working_days": 31}, "unprocessable_entity"),
                       ({**settings, "patient_safety_roles": ["kung"]}, "unprocessable_entity"),
                       ({**settings, "extra": 1}, "unprocessable_entity")):
        answer = client.put(path, json=body, headers=current)
        assert answer.status_code == 422, answer.json
        assert_documented(app, "PUT", path, answer, code)
    kval = {"Authorization": "Bearer " + issue_token(app.config["settings"], "karl", TENANT, ["kvalitetsutvecklare"])}
    forbidden = client.put(path, json=settings, headers={**kval, "If-Match": current["If-Match"]})
    assert forbidden.status_code == 403
    assert_documented(app, "PUT", path, forbidden, "forbidden")
    staff = {"Authorization": "Bearer " + issue_token(app.config["settings"], "anna", TENANT, ["medarbetare"])}
    assert_documented(app, "GET", list_path, client.get(list_path, headers=staff), "forbidden")
    assert_documented(app, "GET", list_path, client.get(f"{list_path}?cursor=garbage", headers=admin),
                      "invalid_cursor")


def _admin(app) -> dict:
    token = issue_token(app.config["settings"], "admin-1", TENANT, ["administrator"])
    return {"Authorization": f"Bearer {token}"}


def assert_documented(app, method: str, path: str, response, code: str) -> None:
    """The answer is what the document gives for `method path` and its status, and names `code` there."""
    spec = app.test_client().get("/openapi.json").get_json()
    documented = spec["paths"][path][method.lower()]["responses"].get(str(response.status_code))
    assert documented is not None, f"{method} {path} answers {response.status_code}, which it does not document"
    assert response.mimetype == PROBLEM_CONTENT_TYPE and PROBLEM_CONTENT_TYPE in documented["content"]
    schema = {**documented["content"][PROBLEM_CONTENT_TYPE]["schema"], "components": spec["components"]}
    jsonschema.validate(response.get_json(), schema, cls=jsonschema.Draft202012Validator)
    body = response.get_json()
    assert body["status"] == response.status_code and body["type"] == f"urn:ordning:problem:{body['code']}"
    assert body["code"] == code and code in documented["description"].split("code: ", 1)[1].split(", ")
    for name, header in documented.get("headers", {}).items():
        value = response.headers.get(name)
        assert value is not None or not header.get("required"), f"{name} is documented but missing"
        if value is not None:
            jsonschema.validate(value, header["schema"])


def test_if_match_answers_as_documented(processes):
    client, admin = processes.test_client(), _admin(processes)
    board = client.post("/api/v1/org-units", json={"kind": "board", "name": "Socialnämnden"}, headers=admin)
    assert board.status_code == 201
    path, url = "/api/v1/org-units/{unit_id}", f"/api/v1/org-units/{board.json['id']}"
    cases = [({}, 428, "if_match_required"), ({"If-Match": "*"}, 428, "if_match_wildcard"),
             ({"If-Match": '"stale.0"'}, 412, "stale_etag")]
    for headers, status, code in cases:
        answer = client.patch(url, json={"name": "Vård- och omsorgsnämnden"}, headers={**admin, **headers})
        assert answer.status_code == status, answer.json
        assert_documented(processes, "PATCH", path, answer, code)


def test_body_problems_answer_as_documented(processes):
    client, admin, path = processes.test_client(), _admin(processes), "/api/v1/org-units"
    cases = [
        (dict(data="name=x", content_type="text/plain"), 415, "unsupported_media_type"),
        (dict(data=b'{"kind": "board", "name": "' + b"x" * 5000 + b'"}', content_type="application/json"), 413,
         "request_entity_too_large"),
        (dict(data=b'{"kind": "board", "kind": "unit"}', content_type="application/json"), 400, "invalid_json"),
        (dict(json={"kind": "board"}), 422, "unprocessable_entity"),
        (dict(json={"kind": "board", "name": "N", "colour": "red"}), 422, "unprocessable_entity"),
    ]
    for request, status, code in cases:
        answer = client.post(path, headers=admin, **request)
        assert answer.status_code == status, answer.json
        assert_documented(processes, "POST", path, answer, code)
    validation = client.post(path, headers=admin, json={"kind": "board"}).get_json()
    assert validation["errors"] == {"json": {"name": ["Missing data for required field."]}}


def test_token_and_query_problems_answer_as_documented(processes):
    client = processes.test_client()
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        answer = client.get("/api/v1/org-units", headers=headers)
        assert answer.status_code == 401
        assert_documented(processes, "GET", "/api/v1/org-units", answer, "unauthorized")
    unknown = client.get("/api/v1/org-units?colour=red", headers=_admin(processes))
    assert unknown.status_code == 422
    assert_documented(processes, "GET", "/api/v1/org-units", unknown, "unprocessable_entity")
    missing = client.get("/api/v1/org-units/00000000-0000-4000-8000-000000000000", headers=_admin(processes))
    assert_documented(processes, "GET", "/api/v1/org-units/{unit_id}", missing, "not_found")


def test_the_public_endpoint_answers_as_documented_and_without_a_token(deviations):
    client, path = deviations.test_client(), "/api/v1/public/{tenant}/feedback"
    body = {"kind": "synpunkt", "unit_id": "27460a56-bb16-57e0-90af-507fac38efb8", "description": "Bra",
            "anonymous": True}
    first = client.post(f"/api/v1/public/{TENANT}/feedback", json=body)
    assert first.status_code == 404  # no such municipality in this empty database; but no token was asked for
    assert_documented(deviations, "POST", path, first, "not_found")
    client.post(f"/api/v1/public/{TENANT}/feedback", json=body)
    limited = client.post(f"/api/v1/public/{TENANT}/feedback", json=body)
    assert limited.status_code == 429
    assert_documented(deviations, "POST", path, limited, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0


@pytest.fixture
def notify(tmp_path):
    app = _app("notify", tmp_path)
    yield app
    app.extensions["ordning"].dispose()


def test_the_rules_and_inbox_problems_answer_as_documented(notify):
    client, admin, path = notify.test_client(), _admin(notify), "/api/v1/notification-rules"
    rule = {"event_type": "se.ordning.deviation.reported.v1", "notice_kind": "case_reported",
            "recipients": [{"role": "enhetschef"}]}
    cases = [({**rule, "event_type": "se.ordning.deviation.vanished.v1"}, 422, "unknown_event_type"),
             ({**rule, "recipients": [{"role": "kung"}]}, 422, "unknown_role"),
             ({**rule, "conditions": [{"field": "reporter", "in": ["x"]}]}, 422, "invalid_rule"),
             ({**rule, "cc": ["x"]}, 422, "unprocessable_entity")]
    for body, status, code in cases:
        answer = client.post(path, json=body, headers=admin)
        assert answer.status_code == status, answer.json
        assert_documented(notify, "POST", path, answer, code)
    staff = {"Authorization": "Bearer " + issue_token(notify.config["settings"], "anna", TENANT, ["medarbetare"])}
    forbidden = client.post(path, json=rule, headers=staff)
    assert forbidden.status_code == 403
    assert_documented(notify, "POST", path, forbidden, "forbidden")
    made = client.post(path, json=rule, headers=admin)
    one, url = "/api/v1/notification-rules/{rule_id}", f"{path}/{made.json['id']}"
    for headers, status, code in (({}, 428, "if_match_required"), ({"If-Match": '"stale.0"'}, 412, "stale_etag")):
        answer = client.patch(url, json={"enabled": False}, headers={**admin, **headers})
        assert answer.status_code == status
        assert_documented(notify, "PATCH", one, answer, code)
    missing = client.get(f"{path}/00000000-0000-4000-8000-000000000000", headers=admin)
    assert_documented(notify, "GET", one, missing, "rule_not_found")
    notice = client.post("/api/v1/notices/00000000-0000-4000-8000-000000000000/read", headers=staff)
    assert_documented(notify, "POST", "/api/v1/notices/{notice_id}/read", notice, "notice_not_found")
    cursor = client.get("/api/v1/notices?cursor=garbage", headers=staff)
    assert_documented(notify, "GET", "/api/v1/notices", cursor, "invalid_cursor")


def test_the_notice_preferences_problems_answer_as_documented(notify):
    client, path = notify.test_client(), "/api/v1/notification-preferences"
    erik = {"Authorization": "Bearer " + issue_token(notify.config["settings"], "erik", TENANT, ["enhetschef"])}
    first = {**erik, "If-Match": '"notification-preferences.0"'}
    cases = [(erik, {"address": "erik@tyreso.se"}, 428, "if_match_required"),
             ({**erik, "If-Match": '"notification-preferences.7"'}, {}, 412, "stale_etag"),
             (first, {"kinds": {"no_such_kind": "off"}}, 422, "unknown_notice_kind"),
             (first, {"address": "inte en adress"}, 422, "unprocessable_entity"),
             (first, {"address": "erik@tyreso.se", "cc": "x"}, 422, "unprocessable_entity")]
    for headers, body, status, code in cases:
        answer = client.put(path, json=body, headers=headers)
        assert answer.status_code == status, answer.json
        assert_documented(notify, "PUT", path, answer, code)
        assert "inte en adress" not in answer.get_data(as_text=True)
    assert client.put(path, json={"address": "erik@tyreso.se"}, headers=first).status_code == 200
def test_the_webhook_subscriptions_problems_answer_as_documented(notify):
    client, admin, path = notify.test_client(), _admin(notify), "/api/v1/webhook-subscriptions"
    hook = {"url": "https://93.184.215.14/in", "event_types": ["se.ordning.deviation.reported.v1"]}
    cases = [({**hook, "url": "http://93.184.215.14/in"}, "webhook_url_not_https"),
             ({**hook, "url": "https://10.1.2.3/in"}, "webhook_address_refused"),
             ({**hook, "url": "https://[::ffff:127.0.0.1]/in"}, "webhook_address_refused"),
             ({**hook, "url": "https://nowhere.invalid/in"}, "webhook_host_unresolvable"),
             ({**hook, "url": "https://user:pw@93.184.215.14/in"}, "invalid_webhook_url"),
             ({**hook, "event_types": ["se.ordning.deviation.vanished.v1"]}, "unknown_event_type"),
             ({**hook, "secret": "whsec_mine"}, "unprocessable_entity")]
    for body, code in cases:
        answer = client.post(path, json=body, headers=admin)
        assert answer.status_code == 422, answer.json
        assert_documented(notify, "POST", path, answer, code)
    staff = {"Authorization": "Bearer " + issue_token(notify.config["settings"], "anna", TENANT, ["medarbetare"])}
    assert_documented(notify, "POST", path, client.post(path, json=hook, headers=staff), "forbidden")
    made = client.post(path, json=hook, headers=admin)
    one, url = "/api/v1/webhook-subscriptions/{subscription_id}", f"{path}/{made.json['id']}"
    for headers, status, code in (({}, 428, "if_match_required"), ({"If-Match": '"stale.0"'}, 412, "stale_etag")):
        answer = client.patch(url, json={"event_types": ["se.ordning.deviation.closed.v1"]},
                              headers={**admin, **headers})
        assert answer.status_code == status
        assert_documented(notify, "PATCH", one, answer, code)
        rotated = client.post(f"{url}/rotate-secret", headers={**admin, **headers})
        assert_documented(notify, "POST", f"{one}/rotate-secret", rotated, code)
    private = client.patch(url, json={"url": "https://169.254.169.254/"},
                           headers={**admin, "If-Match": made.headers["ETag"]})
    assert_documented(notify, "PATCH", one, private, "webhook_address_refused")
    missing = client.get(f"{path}/00000000-0000-4000-8000-000000000000", headers=admin)
    assert_documented(notify, "GET", one, missing, "webhook_subscription_not_found")
    resumed = client.post(f"{path}/00000000-0000-4000-8000-000000000000/resume", headers=admin)
    assert_documented(notify, "POST", f"{one}/resume", resumed, "webhook_subscription_not_found")
    cursor = client.get(f"{url}/deliveries?cursor=garbage", headers=admin)
    assert_documented(notify, "GET", f"{one}/deliveries", cursor, "invalid_cursor")
