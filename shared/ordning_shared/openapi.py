"""The problem responses of every operation in a service's OpenAPI document, from the Problem declarations.

Each operation documents what the platform can answer on its own (400, 422, 500; 401 unless public; 413 and
415 with a body; 404 with path parameters) and the Problem classes its route declares with
`Blueprint.raises`, `Blueprint.checks_if_match` and `Blueprint.idempotent` (ordning_shared.http).
"""
from __future__ import annotations

from apispec import BasePlugin

from .problems import (PROBLEM_CONTENT_TYPE, TITLES, BadRequest, InternalError, InvalidQuery, MalformedJSON, NotFound,
                       PayloadTooLarge, Problem, RateLimited, Unauthorized, UnsupportedMediaType,
                       ValidationFailed)

PUBLIC_PREFIX = "/api/v1/public/"
BODY_METHODS = {"post", "put", "patch"}
# The key under which a route's declared Problem classes travel from its view to this plugin.
DECLARED = "x-ordning-problems"

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "urn:ordning:problem:<code>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what went wrong, in Swedish / English"},
        "instance": {"type": "string"},
        "code": {"type": "string", "description": "stable, for clients to branch on"},
        "errors": {"type": "object", "description": "schema validation: the messages per location and field"},
    },
}


def platform_problems(path: str, method: str, has_path_parameters: bool) -> list[type[Problem]]:
    """The problems the platform itself may answer an operation with, whatever its route does."""
    problems = [BadRequest, InvalidQuery, ValidationFailed, InternalError]
    if path.startswith(PUBLIC_PREFIX):
        problems.append(RateLimited)  # every public endpoint is rate limited by the platform (ordning_shared.public)
    else:
        problems.append(Unauthorized)
    if method in BODY_METHODS:
        problems += [PayloadTooLarge, UnsupportedMediaType, MalformedJSON]
    if has_path_parameters:
        problems.append(NotFound)
    return problems


def problem_responses(problems) -> dict:
    """One response per status: the problem schema, and the codes of that status in its description."""
    by_status: dict[int, list[type[Problem]]] = {}
    for problem in problems:
        by_status.setdefault(problem.http_status, [])
        if problem not in by_status[problem.http_status]:
            by_status[problem.http_status].append(problem)
    responses = {}
    for status, classes in sorted(by_status.items()):
        codes = sorted({cls.code for cls in classes})
        response = {"description": f"{TITLES.get(status, classes[0].title)}; code: {', '.join(codes)}",
                    "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        headers = {name for cls in classes for name in cls.headers}
        if headers:
            response["headers"] = {name: {"schema": {"type": "string"}} for name in sorted(headers)}
        responses[str(status)] = response
    return responses


class ProblemsPlugin(BasePlugin):
    """apispec plugin: adds the problem responses to each operation as flask-smorest registers it."""

    def init_spec(self, spec):
        spec.components.schema("Problem", PROBLEM_SCHEMA)

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        has_path_parameters = bool(rule.arguments) if rule is not None else "{" in (path or "")
        for method, operation in (operations or {}).items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            declared = operation.pop(DECLARED, [])
            responses = operation.setdefault("responses", {})
            documented = problem_responses(platform_problems(path or "", method, has_path_parameters) + declared)
            for status in documented:
                responses.pop(int(status), None)  # flask-smorest's own 422 (application/json) is replaced
            responses.update(documented)
