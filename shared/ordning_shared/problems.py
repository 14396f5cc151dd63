"""RFC 9457 problem details (application/problem+json), declared as exceptions.

An error is a subclass of `Problem` that declares its `http_status` and `code`; its title is the one of
its status (TITLES, the same everywhere). It is raised with its message as a Swedish sentence and the
English one (`raise CaseClosed("Ärendet är stängt.", "The case is closed.")`), which the problem's
`detail` gives in that order. The platform's error handler (ordning_shared.http) renders every one of
them, and the OpenAPI error responses are generated from the same classes.
Plain Python: domain modules subclass these without importing Flask.
"""
from __future__ import annotations

import json

PROBLEM_CONTENT_TYPE = "application/problem+json"

# The one title of each status (RFC 9110's reason phrases), for the app's problems, werkzeug's and
# flask-smorest's errors, gunicorn's refusals and the public gate alike.
TITLES = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    409: "Conflict", 412: "Precondition Failed", 413: "Content Too Large", 414: "URI Too Long",
    415: "Unsupported Media Type", 422: "Unprocessable Content", 428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large", 500: "Internal Server Error", 503: "Service Unavailable",
}


class Problem(Exception):
    """An error with its HTTP answer; subclasses declare `http_status` and `code`, and are raised with a
    Swedish sentence and the English one."""

    http_status = 500
    title = TITLES[500]
    code = "internal"
    headers: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # One title per status: a class's title is its status's, never its own.
        cls.title = TITLES[cls.http_status]

    def __init__(self, sv: str | None = None, en: str | None = None, **extra):
        self.sv, self.en = sv, en
        self.message = " ".join(part for part in (sv, en) if part) or None
        super().__init__(self.message or self.title)
        self.extra = extra  # further members of the problem document (ids, counts; never free text)

    @property
    def detail(self) -> str | None:
        return self.message

    def document(self, instance: str | None = None) -> dict:
        return problem_document(self.http_status, self.title, self.detail, code=self.code, instance=instance,
                                **self.extra)


def problem_document(status: int, title: str, detail: str | None = None, *, code: str | None = None,
                     instance: str | None = None, **extra) -> dict:
    body = {"type": f"urn:ordning:problem:{code}" if code else "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    if code:
        body["code"] = code
    body.update(extra)
    return body


def problem_json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, default=str).encode()


# --- the platform's own problems --------------------------------------------------------------------

class BadRequest(Problem):
    http_status, code = 400, "bad_request"


class MalformedJSON(BadRequest):
    """A body that is not JSON, or JSON we refuse: a key twice, nesting or numbers past their bounds."""
    code = "invalid_json"


class InvalidQuery(BadRequest):
    """A query string whose percent-encoded bytes are not UTF-8."""
    code = "invalid_query"


class Unauthorized(Problem):
    http_status, code = 401, "unauthorized"
    headers = {"WWW-Authenticate": 'Bearer realm="ordning"'}


class Forbidden(Problem):
    http_status, code = 403, "forbidden"


class NotFound(Problem):
    http_status, code = 404, "not_found"


class MethodNotAllowed(Problem):
    http_status, code = 405, "method_not_allowed"


class Conflict(Problem):
    http_status, code = 409, "conflict"


class PreconditionFailed(Problem):
    http_status, code = 412, "stale_etag"


class PayloadTooLarge(Problem):
    http_status, code = 413, "request_entity_too_large"


class UriTooLong(Problem):
    http_status, code = 414, "uri_too_long"


class UnsupportedMediaType(Problem):
    http_status, code = 415, "unsupported_media_type"


class Unprocessable(Problem):
    http_status, code = 422, "unprocessable"


class ValidationFailed(Unprocessable):
    """The body or the query does not match the operation's schema; `errors` says where."""

    code = "unprocessable_entity"


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"


class BadIdempotencyKey(BadRequest):
    code = "bad_idempotency_key"


class PreconditionRequired(Problem):
    http_status, code = 428, "if_match_required"


class IfMatchWildcard(PreconditionRequired):
    code = "if_match_wildcard"


class RateLimited(Problem):
    """Too many calls to a public endpoint from one client or for one tenant; Retry-After says when to try."""
    http_status, code = 429, "rate_limited"
    headers = {"Retry-After": ""}  # the names document the answer; each refusal sets its own value

    def __init__(self, sv: str, en: str, retry_after: int):
        super().__init__(sv, en)
        self.headers = {"Retry-After": str(retry_after)}


class HeaderFieldsTooLarge(Problem):
    http_status, code = 431, "request_header_fields_too_large"


class InternalError(Problem):
    http_status, code = 500, "internal"


class InvalidSetting(ValueError):
    """A tenant's setting (deadlines, a calendar, retention, a grace period) out of its bounds, found by domain
    code; its args are a Swedish sentence and the English one, which the service answers as a 422 problem."""


# werkzeug's HTTP errors by status, rendered with the platform's declaration of that status.
PLATFORM_PROBLEMS: dict[int, type[Problem]] = {
    cls.http_status: cls for cls in (BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, Conflict,
                                     PreconditionFailed, PayloadTooLarge, UriTooLong, UnsupportedMediaType,
                                     ValidationFailed, PreconditionRequired, HeaderFieldsTooLarge, InternalError)}
