"""RFC 9457 problem details (application/problem+json)."""
from __future__ import annotations

import json

from flask import Response, request

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_response(status: int, title: str, detail: str | None = None, *, code: str | None = None,
                     headers: dict | None = None, **extra) -> Response:
    body = {"type": f"urn:ordning:problem:{code}" if code else "about:blank", "title": title,
            "status": status}
    if detail:
        body["detail"] = detail
    try:
        body["instance"] = request.path
    except RuntimeError:  # outside a request
        pass
    if code:
        body["code"] = code
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                        content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(self, status: int, title: str, detail: str | None = None, *, code: str | None = None,
                 headers: dict | None = None, **extra):
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.code, self.headers, self.extra = code, headers, extra

    def response(self) -> Response:
        return problem_response(self.status, self.title, self.detail, code=self.code, headers=self.headers,
                                **self.extra)
