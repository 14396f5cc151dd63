"""The HTTP error contract of every service: each operation of its /openapi.json documents the problems it can
answer with, as problem+json, and its errors are declarations that need no Flask."""
from __future__ import annotations

import subprocess
import sys

import pytest

from ordning_shared.problems import PROBLEM_CONTENT_TYPE, Problem
from ordning_shared.testing import make_settings

SERVICES = ("processes", "deviations")
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module", params=SERVICES)
def spec(request, tmp_path_factory):
    module = __import__(f"ordning_{request.param}.app", fromlist=["create_app"])
    data_dir = tmp_path_factory.mktemp(request.param)
    settings = make_settings(request.param, database_url=f"sqlite:///{data_dir / 'db.sqlite'}",
                             broker_url="filesystem://", data_dir=data_dir)
    app = module.create_app(settings)
    yield app.test_client().get("/openapi.json").get_json()
    app.extensions["ordning"].dispose()


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


def test_every_error_class_declares_its_answer():
    import ordning_deviations.app  # noqa: F401 (loads every error class of both services)
    import ordning_processes.app  # noqa: F401

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    declared = [cls for cls in subclasses(Problem) if cls.__module__.startswith("ordning_")]
    assert len(declared) > 30
    for cls in declared:
        assert 400 <= cls.http_status < 600 and cls.title and cls.code, cls


@pytest.mark.parametrize("module", ["ordning_deviations.domain", "ordning_processes.domain",
                                    "ordning_shared.actions", "ordning_shared.problems"])
def test_the_domain_and_its_errors_need_no_flask(module):
    code = f"import sys, {module}; assert 'flask' not in sys.modules, 'flask was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
