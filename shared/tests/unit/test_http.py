import io
import json

import pytest
import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ordning_shared import http
from ordning_shared.problems import Conflict, Problem
from ordning_shared.testing import issue_token


class ThingSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(max=100), metadata={"description": "saken så här"})
    count = fields.Integer()


class ThingOutSchema(Schema):
    name = fields.String()
    count = fields.Integer()
    tenant = fields.String()


class QuotaExceeded(Problem):
    http_status, code = 409, "quota_exceeded"


class Unmapped(Exception):
    pass


def make_blueprint():
    blp = Blueprint("things", __name__, url_prefix="/api/v1/things")

    @blp.route("/")
    class Things(MethodView):
        @blp.arguments(ThingSchema)
        @blp.response(201, ThingOutSchema)
        def post(self, body):
            if body["name"] == "boom":
                raise RuntimeError("a bug")
            if body["name"] == "quota":
                raise QuotaExceeded("Kvoten är slut.", "The quota is used up.")
            if body["name"] == "problem":
                raise Conflict("Det finns redan.", "It is there already.")
            return {**body, "tenant": http.current_principal().tenant}

    public = Blueprint("public", __name__, url_prefix="/api/v1/public")

    @public.route("/ping")
    class Ping(MethodView):
        @public.response(200)
        def get(self):
            return {"pong": True}

    return [blp, public]


@pytest.fixture
def app(platform):
    app = http.create_app(platform, make_blueprint(), title="Things")
    app.testing = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def auth(settings):
    return {"Authorization": "Bearer " + issue_token(settings, "anna", "0180", ["enhetschef"], ["u1"])}


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["title"]
    return body


def test_valid_post(client, auth):
    response = client.post("/api/v1/things/", json={"name": "x", "count": 2}, headers=auth)
    assert response.status_code == 201
    assert response.get_json() == {"name": "x", "count": 2, "tenant": "0180"}


def test_json_answers_are_utf8_without_escapes(client, auth):
    name = "Åsa Öberg på Läkarhuset"
    created = client.post("/api/v1/things/", json={"name": name}, headers=auth)
    assert created.status_code == 201 and name.encode() in created.data and b"\\u00" not in created.data
    assert created.get_json()["name"] == name
    refused = client.post("/api/v1/things/", json={"name": "quota"}, headers=auth)  # a problem with å in it
    assert refused.status_code == 409 and "är".encode() in refused.data and b"\\u00" not in refused.data
    document = client.get("/openapi.json")
    assert "saken så här".encode() in document.data and b"\\u00" not in document.data
    assert document.get_json()  # and it is JSON


def test_each_request_is_logged_once_as_json_without_its_query_or_body(client, auth):
    import logging

    from ordning_shared.observability import JsonFormatter

    lines = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(JsonFormatter("things").format(record)))

    access = logging.getLogger("ordning.access")
    keep = Keep()
    access.addHandler(keep)
    try:
        client.post("/api/v1/things/?q=Anna+Andersson", json={"name": "Bertil Berg"}, headers=auth)
        client.get("/api/v1/nothing/Cecilia", headers=auth)
    finally:
        access.removeHandler(keep)
    assert [(line["method"], line["route"], line["status"], line.get("tenant")) for line in lines] == [
        ("POST", "/api/v1/things/", 201, "0180"), ("GET", "unmatched", 404, "0180")]
    assert all(line["duration_ms"] >= 0 and len(line["trace_id"]) == 32 for line in lines)
    text = json.dumps(lines)
    assert "Anna" not in text and "Bertil" not in text and "Cecilia" not in text and "Bearer" not in text


def test_unknown_field_is_422(client, auth):
    body = assert_problem(client.post("/api/v1/things/", json={"name": "x", "colour": "red"}, headers=auth), 422)
    assert "colour" in json.dumps(body["errors"])


def test_wrong_type_is_422(client, auth):
    body = assert_problem(client.post("/api/v1/things/", json={"name": "x", "count": "many"}, headers=auth), 422)
    assert "count" in json.dumps(body["errors"])


def test_missing_and_too_long_are_422(client, auth):
    assert_problem(client.post("/api/v1/things/", json={"count": 1}, headers=auth), 422)
    assert_problem(client.post("/api/v1/things/", json={"name": "x" * 101}, headers=auth), 422)


@pytest.mark.parametrize("data", ['{"name": ', "[1, 2", "\xff"])
def test_broken_json_is_400(client, auth, data):
    response = client.post("/api/v1/things/", data=data, content_type="application/json", headers=auth)
    assert_problem(response, 400)


def test_json_that_is_not_an_object_is_not_a_500(client, auth):
    response = client.post("/api/v1/things/", data="[1, 2]", content_type="application/json", headers=auth)
    assert response.status_code in (400, 422)
    assert response.content_type == "application/problem+json"


def test_body_too_large_is_413(client, auth, settings):
    assert settings.max_request_bytes == 64 * 1024
    big = json.dumps({"name": "x", "padding": "y" * (1024 * 1024)})
    response = client.post("/api/v1/things/", data=big, content_type="application/json", headers=auth)
    body = assert_problem(response, 413)
    assert str(64 * 1024) in body["detail"]


def test_a_chunked_body_over_the_limit_is_413_and_one_within_it_is_read(client, auth, settings):
    chunked = {**auth, "Transfer-Encoding": "chunked"}
    big = io.BytesIO(json.dumps({"name": "x", "padding": "y" * (settings.max_request_bytes + 10)}).encode())
    body = assert_problem(client.post("/api/v1/things/", input_stream=big, content_type="application/json",
                                      headers=chunked), 413)
    assert str(settings.max_request_bytes) in body["detail"]
    assert big.tell() <= settings.max_request_bytes + 1  # read one byte past the limit, no further
    small = io.BytesIO(json.dumps({"name": "Åsa", "count": 2}).encode())
    created = client.post("/api/v1/things/", input_stream=small, content_type="application/json", headers=chunked)
    assert created.status_code == 201 and created.get_json()["name"] == "Åsa"


def test_non_json_content_type_is_415(client, auth):
    response = client.post("/api/v1/things/", data="name=x", content_type="application/x-www-form-urlencoded",
                           headers=auth)
    assert_problem(response, 415)


def test_missing_token_is_401(client):
    response = client.post("/api/v1/things/", json={"name": "x"})
    body = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert body["code"] == "unauthorized"


@pytest.mark.parametrize("header", ["Basic YWJjOmRlZg==", "Bearer", "Bearer not-a-jwt", "Token abc"])
def test_malformed_authorization_is_401(client, header):
    response = client.post("/api/v1/things/", json={"name": "x"}, headers={"Authorization": header})
    assert_problem(response, 401)
    assert "WWW-Authenticate" in response.headers


def test_public_prefix_needs_no_token(client):
    response = client.get("/api/v1/public/ping")
    assert response.status_code == 200


def test_unknown_api_route_is_problem(client, auth):
    assert_problem(client.get("/api/v1/nothing-here", headers=auth), 404)


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["database"] == "ok"


def test_readyz_stays_ready_while_the_broker_is_down(platform, settings):
    from dataclasses import replace

    from prometheus_client import REGISTRY

    from ordning_shared.platform import Platform

    # Nothing listens on port 1: the broker is unreachable, the database is fine.
    down = Platform(replace(settings, broker_url="amqp://guest:guest@127.0.0.1:1//"), platform.tables)
    try:
        response = http.create_app(down, [], title="x").test_client().get("/readyz")
    finally:
        down.dispose()
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["checks"] == {"database": "ok"}
    assert body["information"]["broker"].startswith("error")
    assert REGISTRY.get_sample_value("ordning_broker_up", {"service": "deviations"}) == 0


def test_readyz_reports_failing_check(platform):
    app = http.create_app(platform, [], title="x", readiness=lambda: {"broker": "error: down"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "ok", "broker": "error: down"}


def test_metrics_count_requests_by_route(client, auth):
    client.post("/api/v1/things/", json={"name": "x"}, headers=auth)
    text = client.get("/metrics").get_data(as_text=True)
    lines = [line for line in text.splitlines()
             if line.startswith("ordning_http_requests_total{") and 'route="/api/v1/things/"' in line
             and 'status="201"' in line and 'service="deviations"' in line]
    assert lines, text[:2000]
    assert float(lines[0].rsplit(" ", 1)[1]) >= 1


def test_openapi(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.get_data())
    assert "/api/v1/things/" in spec["paths"]
    assert "post" in spec["paths"]["/api/v1/things/"]
    assert spec["info"]["title"] == "Things"


def test_unexpected_exception_is_500_problem(client, auth):
    body = assert_problem(client.post("/api/v1/things/", json={"name": "boom"}, headers=auth), 500)
    assert "a bug" not in json.dumps(body)


def test_a_declared_error_is_rendered_with_its_status_title_and_code(client, auth):
    body = assert_problem(client.post("/api/v1/things/", json={"name": "quota"}, headers=auth), 409)
    assert body["code"] == "quota_exceeded"
    assert body["type"] == "urn:ordning:problem:quota_exceeded"
    assert body["title"] == "Conflict"  # the title of its status
    assert body["detail"] == "Kvoten är slut. The quota is used up."


def test_problem_error(client, auth):
    body = assert_problem(client.post("/api/v1/things/", json={"name": "problem"}, headers=auth), 409)
    assert body["code"] == "conflict"
    assert body["instance"] == "/api/v1/things/"


def test_require_roles(app):
    from ordning_shared.auth import Principal

    principal = Principal("anna", "0180", frozenset({"medarbetare"}))
    http.require_roles(principal, "medarbetare", "mas")
    with pytest.raises(Problem) as info:
        http.require_roles(principal, "administrator")
    assert info.value.http_status == 403


def test_check_if_match(app):
    tag = http.etag("abc", 3)
    assert tag == '"abc.3"'
    with app.test_request_context("/x", method="PUT"):
        with pytest.raises(Problem) as info:
            http.check_if_match("abc", 3)
        assert info.value.http_status == 428
    with app.test_request_context("/x", method="PUT", headers={"If-Match": http.etag("abc", 2)}):
        with pytest.raises(Problem) as info:
            http.check_if_match("abc", 3)
        assert info.value.http_status == 412
    with app.test_request_context("/x", method="PUT", headers={"If-Match": "*"}):
        with pytest.raises(Problem) as info:
            http.check_if_match("abc", 3)
        # "*" would overwrite whatever is there, a change the editor never saw included
        assert (info.value.http_status, info.value.code) == (428, "if_match_wildcard")
        assert "ETag" in info.value.detail
    for header in (tag, f"W/{tag}", f'"other.1", {tag}'):
        with app.test_request_context("/x", method="PUT", headers={"If-Match": header}):
            http.check_if_match("abc", 3)


def test_method_not_allowed_says_which_methods_are(client, auth):
    body = assert_problem(client.delete("/api/v1/things/", headers=auth), 405)
    assert body["code"] == "method_not_allowed"
    assert {method.strip() for method in client.delete("/api/v1/things/", headers=auth).headers["Allow"].split(",")
            } >= {"POST", "OPTIONS"}


def test_every_operation_documents_its_problem_responses(client):
    spec = client.get("/openapi.json").get_json()
    post = spec["paths"]["/api/v1/things/"]["post"]["responses"]
    assert set(post) == {"201", "400", "401", "413", "415", "422", "500"}
    for status in ("400", "401", "413", "415", "422", "500"):
        assert list(post[status]["content"]) == ["application/problem+json"]
        assert post[status]["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "WWW-Authenticate" in post["401"]["headers"]
    ping = spec["paths"]["/api/v1/public/ping"]["get"]["responses"]
    assert set(ping) == {"200", "400", "422", "429", "500"}  # public: rate limited, no 401; no body: no 413 or 415
    assert "Retry-After" in ping["429"]["headers"]
    assert spec["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]


def test_an_answer_missing_from_the_openapi_document_is_recorded(app, client, auth):
    from ordning_shared.testing import watch_documented_answers

    undocumented = watch_documented_answers(app)
    client.post("/api/v1/things/", json={"name": "x"}, headers=auth)
    assert undocumented == []
    client.post("/api/v1/things/", json={"name": "quota"}, headers=auth)  # raises a 409 it does not declare
    assert undocumented == ["POST /api/v1/things/ -> 409"]
