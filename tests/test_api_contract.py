"""The HTTP error contract of every service: each operation of its /openapi.json documents the problems it can
answer with, as problem+json, and its errors are declarations that need no Flask."""
from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from ordning_shared.problems import PROBLEM_CONTENT_TYPE, Problem
from ordning_shared.testing import make_settings

SERVICES = ("processes", "deviations", "risks", "reporting", "notify")
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module", params=SERVICES)
def app(request, tmp_path_factory):
    module = __import__(f"ordning_{request.param}.app", fromlist=["create_app"])
    data_dir = tmp_path_factory.mktemp(request.param)
    settings = make_settings(request.param, database_url=f"sqlite:///{data_dir / 'db.sqlite'}",
                             broker_url="filesystem://", data_dir=data_dir)
    app = module.create_app(settings)
    yield app
    app.extensions["ordning"].dispose()


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/openapi.json").get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                parameters = item.get("parameters", []) + operation.get("parameters", [])
                yield path, method, operation, parameters


def test_every_operation_documents_the_platforms_problems(spec):
    for path, method, operation, parameters in operations(spec):
        statuses = {int(status) for status in operation["responses"] if status != "default"}
        expected = {400, 422, 500}
        if not path.startswith("/api/v1/public/"):
            expected.add(401)
        if method in {"post", "put", "patch"}:
            expected |= {413, 415}
        if any(parameter["in"] == "path" for parameter in parameters):
            expected.add(404)
        if any(parameter["in"] == "header" and parameter["name"] == "If-Match" for parameter in parameters):
            expected |= {412, 428}
        assert expected <= statuses, (method, path, sorted(expected - statuses))


def test_every_error_response_is_a_problem_document(spec):
    schemas = spec["components"]["schemas"]
    assert "Problem" in schemas and "Error" not in schemas  # flask-smorest's application/json error is gone
    for path, method, operation, _parameters in operations(spec):
        assert "default" not in operation["responses"], (method, path)
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {
                    PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}, (method, path, status)
                assert "code: " in response["description"]


def test_every_update_with_if_match_says_so(spec):
    """An operation that checks If-Match documents the header as required, and its 412 and 428."""
    for path, method, operation, parameters in operations(spec):
        if {"412", "428"} & set(operation["responses"]):
            headers = [p for p in parameters if p["in"] == "header" and p["name"] == "If-Match"]
            assert headers and headers[0]["required"] is True, (method, path)


def _is_reference(prop: dict) -> bool:
    """A property that is another component schema (or a list of, or null or): its example is that schema's."""
    if "$ref" in prop:
        return True
    if any(_is_reference(choice) for choice in prop.get("anyOf", []) + prop.get("oneOf", [])):
        return True
    return prop.get("type") in ("array", ["array", "null"]) and _is_reference(prop.get("items", {}))


def _has_example(item: dict) -> bool:
    return any(key in item for key in ("example", "examples"))


def undocumented(spec) -> list[str]:
    """Every component schema property, operation, parameter and response header that lacks a description or
    an example."""
    missing = []
    for name, schema in spec["components"]["schemas"].items():
        if not schema.get("description") and not schema.get("properties"):
            missing.append(f"schema {name}: no description")
        for field, prop in schema.get("properties", {}).items():
            if not prop.get("description"):
                missing.append(f"schema {name}.{field}: no description")
            if not _has_example(prop) and not _is_reference(prop):
                missing.append(f"schema {name}.{field}: no example")
    for path, method, operation, parameters in operations(spec):
        for part in ("summary", "description"):
            if not operation.get(part):
                missing.append(f"{method.upper()} {path}: no {part}")
        for parameter in parameters:
            where = f"{method.upper()} {path} {parameter['in']} parameter {parameter['name']}"
            if not parameter.get("description"):
                missing.append(f"{where}: no description")
            if not _has_example(parameter) and not _has_example(parameter.get("schema", {})):
                missing.append(f"{where}: no example")
        for status, response in operation["responses"].items():
            for name, header in response.get("headers", {}).items():
                if not header.get("description") or not _has_example(header):
                    missing.append(f"{method.upper()} {path} {status} header {name}: no description or example")
    for tag in spec.get("tags", []):
        if not tag.get("description"):
            missing.append(f"tag {tag['name']}: no description")
    return missing


def test_every_field_operation_and_parameter_has_a_description_and_an_example(spec):
    assert undocumented(spec) == []


def test_every_operation_declares_its_security(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, method, operation, _parameters in operations(spec):
        expected = [] if path.startswith("/api/v1/public/") else [{"bearerAuth": []}]
        assert operation.get("security") == expected, (method, path)
    assert not {"/healthz", "/readyz", "/metrics", "/docs", "/dev/token"} & set(spec["paths"])


def test_where_if_match_is_needed_the_etag_is_documented(spec):
    """An update with If-Match, and the read of the same resource, document the ETag header of their answer (a
    delete with If-Match answers 204 with nothing to tag; the read of what it deletes still documents one)."""
    for path, method, operation, parameters in operations(spec):
        if any(p["in"] == "header" and p["name"] == "If-Match" for p in parameters):
            if method == "delete":
                assert set(operation["responses"]) & {"200", "204"}, (method, path)
            updates = [] if method == "delete" else [("update", operation)]
            for name, op in updates + [("read", spec["paths"][path].get("get"))]:
                if op is not None:
                    answer = op["responses"]["200"]
                    assert answer["headers"]["ETag"]["required"] is True, (name, method, path)


def test_every_creation_with_an_idempotency_key_says_so(spec):
    """An operation that may answer idempotency_key_reused documents the optional header, with an example."""
    for path, method, operation, parameters in operations(spec):
        if "idempotency_key_reused" in operation["responses"].get("422", {}).get("description", ""):
            headers = [p for p in parameters if p["in"] == "header" and p["name"] == "Idempotency-Key"]
            assert headers and headers[0]["required"] is False and headers[0]["example"], (method, path)


def test_every_error_class_declares_its_answer():
    import ordning_deviations.app  # noqa: F401 (loads every error class of the services)
    import ordning_processes.app  # noqa: F401
    import ordning_risks.app  # noqa: F401
    import ordning_reporting.app  # noqa: F401
    import ordning_notify.app  # noqa: F401

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    declared = [cls for cls in subclasses(Problem) if cls.__module__.startswith("ordning_")]
    assert len(declared) > 30
    for cls in declared:
        assert 400 <= cls.http_status < 600 and cls.title and cls.code, cls


@pytest.mark.parametrize("module", ["ordning_deviations.domain", "ordning_processes.domain", "ordning_risks.domain",
                                    "ordning_reporting.domain", "ordning_reporting.domain.reports",
                                    "ordning_notify.domain",
                                    "ordning_shared.actions", "ordning_shared.problems"])
def test_the_domain_and_its_errors_need_no_flask(module):
    code = f"import sys, {module}; assert 'flask' not in sys.modules, 'flask was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.openapi_url = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [attrs[name] for name in ("src", "href") if attrs.get(name)]
        if tag == "script" and not attrs.get("src"):
            self.inline_scripts += 1
        self.openapi_url = attrs.get("data-openapi-url", self.openapi_url)


def test_the_docs_are_served_from_the_service_itself_without_a_token(app):
    """/docs is Swagger UI on the service's own /openapi.json: every asset from the same origin, shipped with
    the package, answering 200; no inline script, so its Content-Security-Policy needs no 'unsafe-inline'."""
    client = app.test_client()
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    policy = dict(part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["connect-src"] == "'self'"
    assert policy["default-src"] == "'none'"
    parsed = _Page()
    parsed.feed(page.get_data(as_text=True))
    assert parsed.inline_scripts == 0
    assert parsed.openapi_url == "/openapi.json"
    assert client.get(parsed.openapi_url).status_code == 200
    assert len(parsed.urls) >= 4  # the stylesheet, the icon, Swagger UI and its start
    kinds = set()
    for url in parsed.urls:
        assert url.startswith("/") and not url.startswith("//"), url  # same origin: no CDN
        asset = client.get(url)
        assert asset.status_code == 200, url
        kinds.add(asset.mimetype)
        if url.endswith(".js"):
            body = asset.get_data(as_text=True)
            assert not re.search(r"https?://(cdn|unpkg|fonts\.)", body[:2000]), url
    assert {"text/css", "text/javascript", "image/png"} <= kinds
    init = client.get([url for url in parsed.urls if url.endswith("init.js")][0]).get_data(as_text=True)
    assert "SwaggerUIBundle(" in init and "data-openapi-url" in init and "validatorUrl: null" in init
    for outside in ("/docs/assets/../docs.py", "/docs/assets/%2e%2e/docs.py", "/docs/assets/..%2fhttp.py"):
        assert client.get(outside).status_code == 404, outside


def test_swagger_ui_ships_with_its_licence():
    from ordning_shared.docs import ASSETS

    for name in ("LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt", "README.md"):
        assert (ASSETS / name).stat().st_size > 0, name
