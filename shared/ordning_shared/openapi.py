"""What every operation of a service's OpenAPI document says beyond its schemas, from one set of declarations.

- security: bearer (`bearerAuth`) on /api/v1/, none (`security: []`) on /api/v1/public/;
- problem responses: what the platform can answer on its own (400, 422, 500; 401 unless public, 429 when
  public; 413 and 415 with a body; 404 with path parameters) and the Problem classes its route declares with
  `Blueprint.raises`, `Blueprint.checks_if_match` and `Blueprint.idempotent` (ordning_shared.http), each as
  application/problem+json with the Problem schema;
- header parameters: If-Match (required) and Idempotency-Key (optional), declared by the same decorators;
- path parameters: their description and example, declared once per blueprint (`Blueprint(path_parameters=)`).

/healthz, /readyz, /metrics and /docs are plain Flask routes for probes, Prometheus and people: they are not
API operations and stay out of the document.
"""
from __future__ import annotations

from apispec import BasePlugin

from .problems import (PROBLEM_CONTENT_TYPE, TITLES, BadRequest, InternalError, InvalidQuery, MalformedJSON, NotFound,
                       PayloadTooLarge, Problem, RateLimited, Unauthorized, UnsupportedMediaType,
                       ValidationFailed)

PUBLIC_PREFIX = "/api/v1/public/"
BODY_METHODS = {"post", "put", "patch"}
OPERATION_METHODS = {"get", "post", "put", "patch", "delete"}
# The key under which a route's declared Problem classes travel from its view to this plugin.
DECLARED = "x-ordning-problems"
BEARER = "bearerAuth"

BEARER_SCHEME = {
    "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
    "description": "An access token from the municipality's identity provider (in the embedded stack: "
                   "POST /dev/token or `make token`). It names the user (sub), the tenant (the municipality or "
                   "region), the roles and the organisational units the user belongs to.",
}

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error, as RFC 9457 problem details (application/problem+json). Branch on `code` (or "
                   "`type`); `detail` is for people: a Swedish sentence and then the same in English.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "The problem type: urn:ordning:problem:<code>.",
                 "example": "urn:ordning:problem:if_match_required"},
        "title": {"type": "string", "description": "A short summary of the problem type, the same for every "
                                                    "problem of one HTTP status.",
                  "example": "Precondition Required"},
        "status": {"type": "integer", "description": "The HTTP status code of this answer.", "example": 428},
        "detail": {"type": "string", "description": "What went wrong in this request and what to do about it, "
                                                     "for people: in Swedish, then in English.",
                   "example": "Skicka If-Match med den ETag du senast läste. Send If-Match with the ETag you last read."},
        "instance": {"type": "string", "description": "The path of the request that was refused.",
                     "example": "/api/v1/deviations/3f6c2b1e-8d4a-4c59-9f0e-2a7b5d1c9e84"},
        "code": {"type": "string", "description": "A stable code for clients to branch on; the operation's "
                                                  "response description lists the codes it can answer with.",
                 "example": "if_match_required"},
        "errors": {"type": "object", "additionalProperties": {"type": "object"},
                   "description": "Only when the request does not match the operation's schema (code "
                                  "unprocessable_entity): the messages per location (json, query) and field.",
                   "example": {"json": {"unit_id": ["Missing data for required field."]}}},
        "pointer": {"type": "string", "description": "Where in the request body the problem is, as a JSON pointer "
                                                     "(RFC 6901), when one part is to blame; never its value.",
                    "example": "/recipients/0/role"},
        "rows": {"type": "array", "description": "Only when an uploaded file is refused (code csv_rejected): each bad "
                                                 "row, with its line (the header is line 1), column, code and "
                                                 "message (Swedish; message_en in English). Nothing was stored.",
                 "items": {"type": "object", "properties": {
                     "row": {"type": "integer"}, "column": {"type": "string"}, "code": {"type": "string"},
                     "message": {"type": "string"}, "message_en": {"type": "string"}}},
                 "example": [{"row": 3, "column": "value", "code": "invalid_value",
                              "message": "Värdet ska vara ett tal, till exempel 92,5.",
                              "message_en": "The value must be a number, e.g. 92.5."}]},
    },
}

IF_MATCH_PARAMETER = {
    "in": "header", "name": "If-Match", "required": True, "schema": {"type": "string", "minLength": 1},
    "description": "The ETag of the resource as you last read it (from its GET, or the answer to your last "
                   "change). Without it the answer is 428 (if_match_required); * is refused (if_match_wildcard); "
                   "a stale ETag, changed by someone else since, is 412 (stale_etag).",
    "example": '"3f6c2b1e-8d4a-4c59-9f0e-2a7b5d1c9e84.3"',
}
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": "Optional: a key you choose for this creation (a UUID, say). A retry with the same key and "
                   "body creates nothing twice and answers with what the first request created; the same key "
                   "with another body is 422 (idempotency_key_reused).",
    "example": "5b0d8c8e-2f7a-4d38-9a5e-0c1f6e4b7a21",
}
TENANT_PARAMETER = {
    "description": "The municipality or region (tenant) whose public service is called, e.g. its "
                   "municipality code.", "example": "0138"}

# Problem response headers: what each says, and an example value.
PROBLEM_HEADERS = {
    "WWW-Authenticate": {"description": "The authentication scheme the API expects: a bearer token.",
                         "schema": {"type": "string"}, "example": 'Bearer realm="ordning"'},
    "Retry-After": {"description": "Seconds until the rate-limit window ends and a new call may pass.",
                    "schema": {"type": "string", "pattern": "^[0-9]+$"}, "example": "42"},
}


def platform_problems(path: str, method: str, has_path_parameters: bool) -> list[type[Problem]]:
    """The problems the platform itself may answer an operation with, whatever its route does."""
    problems = [BadRequest, InvalidQuery, ValidationFailed, InternalError]
    if is_public(path):
        problems.append(RateLimited)  # every public endpoint is rate limited by the platform (ordning_shared.public)
    else:
        problems.append(Unauthorized)
    if method in BODY_METHODS:
        problems += [PayloadTooLarge, UnsupportedMediaType, MalformedJSON]
    if has_path_parameters:
        problems.append(NotFound)
    return problems


def is_public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIX)


def security(path: str) -> list:
    """Bearer for the API, nothing for the public endpoints (they are rate limited instead)."""
    return [] if is_public(path) else [{BEARER: []}]


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
            response["headers"] = {name: {**PROBLEM_HEADERS[name], "required": True} for name in sorted(headers)}
        responses[str(status)] = response
    return responses


class ProblemsPlugin(BasePlugin):
    """apispec plugin: adds security and the problem responses to each operation as flask-smorest registers it."""

    def init_spec(self, spec):
        spec.components.schema("Problem", PROBLEM_SCHEMA)
        spec.components.security_scheme(BEARER, BEARER_SCHEME)

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        has_path_parameters = bool(rule.arguments) if rule is not None else "{" in (path or "")
        for method, operation in (operations or {}).items():
            if method not in OPERATION_METHODS:
                continue
            declared = operation.pop(DECLARED, [])
            operation["security"] = security(path or "")
            responses = operation.setdefault("responses", {})
            documented = problem_responses(platform_problems(path or "", method, has_path_parameters) + declared)
            for status in documented:
                responses.pop(int(status), None)  # flask-smorest's own 422 (application/json) is replaced
            responses.update(documented)


def api_description(service: str) -> str:
    """The document's info.description: the conventions every operation follows."""
    return (
        f"The API of Ordning's {service} service. Documentation for people: /docs.\n\n"
        "- **Authentication**: a bearer token (bearerAuth) on every operation except those under "
        "/api/v1/public/, which need none and are rate limited (429 with Retry-After).\n"
        "- **Changes**: an update needs `If-Match` with the ETag you read (428 without it, 412 when someone "
        "changed it since); a creation accepts an `Idempotency-Key`, so a retry creates nothing twice.\n"
        "- **Errors**: application/problem+json (the Problem schema); branch on its `code`.\n"
        "- **Language**: field names, summaries and descriptions are English; the Swedish terms of the domain "
        "(avvikelse, lex Sarah, lex Maria, klagomål, enhetschef, IVO, gallring) are kept as they are. Fields "
        "ending in `_label_sv` and a problem's `detail` are text for people in Swedish (`detail`: then English).\n"
        "- **Times**: RFC 3339 with their offset; dates are calendar dates (YYYY-MM-DD).")


# Success headers, for `Blueprint.response(..., headers=...)`: an answer with a resource's version gives its
# ETag (what If-Match needs next), a creation also its Location.
ETAG = {"ETag": {"description": "The resource's version as an ETag: send it in If-Match to change it.",
                 "required": True, "schema": {"type": "string", "pattern": '^"[^"]+"$'},
                 "example": '"3f6c2b1e-8d4a-4c59-9f0e-2a7b5d1c9e84.3"'}}
CREATED = {**ETAG, "Location": {"description": "The path of the created resource.", "required": True,
                                "schema": {"type": "string"},
                                "example": "/api/v1/deviations/3f6c2b1e-8d4a-4c59-9f0e-2a7b5d1c9e84"}}
