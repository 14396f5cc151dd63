"""Calls to the services' APIs: the signed-in person's token, problem+json as Swedish messages, a service down.

(A small stand-in written in the web-case branch until web-core's client lands; same place, same job.)
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import requests
from flask import current_app, request

from .signin import current_token

# "Svensk mening. English sentence.": the Swedish part ends where a sentence with no Swedish letter and an
# English start begins. The services write every message so (ordning_shared.problems).
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9ÅÄÖ])")
_ENGLISH_START = re.compile(r"^(The|A|An|It|Only|Seriousness|Cannot|There|This|Give|Must|Contact|Request|Too|"
                            r"No|You|Your|Unknown|Not|Invalid|Field|Missing|Length|Shorter|Longer)\b")


def swedish_part(detail: str | None) -> str:
    if not detail:
        return ""
    sentences = _SENTENCE.split(detail.strip())
    kept = []
    for sentence in sentences:
        if kept and _ENGLISH_START.match(sentence) and not re.search("[åäöÅÄÖ]", sentence):
            break
        kept.append(sentence)
    return " ".join(kept)


class ServiceUnavailable(Exception):
    """A service did not answer (down, or slower than the timeout)."""

    def __init__(self, service: str):
        super().__init__(service)
        self.service = service


class ApiError(Exception):
    """A 4xx/5xx answer: its status, code, Swedish message and per-field Swedish messages."""

    def __init__(self, status: int, document: dict | None):
        self.status = status
        self.document = document or {}
        self.code = self.document.get("code")
        self.message = swedish_part(self.document.get("detail")) or GENERIC.get(status, "Något gick fel.")
        super().__init__(f"{status} {self.code}")

    def field_errors(self) -> dict[str, str]:
        """{field: Swedish message} from a 422's errors (flask-smorest: {location: {field: [messages]}})."""
        errors = self.document.get("errors") or {}
        if isinstance(errors, dict) and set(errors) <= {"json", "query", "headers", "form"}:
            merged = {}
            for part in errors.values():
                if isinstance(part, dict):
                    merged.update(part)
            errors = merged
        found = {}
        for name, messages in (errors.items() if isinstance(errors, dict) else ()):
            if isinstance(messages, dict):  # nested (contact: {email: [...]})
                messages = [m for value in messages.values() for m in (value if isinstance(value, list) else [value])]
            if isinstance(messages, list) and messages and isinstance(messages[0], str):
                found[name] = swedish_part(messages[0])
        return found


GENERIC = {400: "Det som skickades kunde inte tas emot.", 403: "Du har inte behörighet att göra det.",
           404: "Det finns inte.", 409: "Det går inte just nu.", 412: "Någon annan har ändrat det under tiden.",
           422: "Något i formuläret behöver rättas.", 429: "För många försök. Vänta en stund och försök igen."}


@dataclass
class Answer:
    status: int
    json: object
    headers: dict


def _base(service: str) -> str:
    return getattr(current_app.extensions["ordning_web"], f"{service}_url")


def call(service: str, method: str, path: str, *, json=None, headers=None, token: bool = True) -> Answer:
    settings = current_app.extensions["ordning_web"]
    sent = dict(headers or {})
    if token:
        bearer = current_token()
        if bearer:
            sent["Authorization"] = f"Bearer {bearer}"
    else:
        # A citizen's call: the service limits each client, so it is told who the client is (it trusts this
        # header only for the proxy hops its ORDNING_TRUSTED_PROXIES allows).
        sent["X-Forwarded-For"] = request.remote_addr or ""
    try:
        response = requests.request(method, _base(service) + path, json=json, headers=sent,
                                    timeout=settings.api_timeout)
    except requests.RequestException:
        raise ServiceUnavailable(service) from None
    if response.status_code >= 500 and response.status_code in (502, 503, 504):
        raise ServiceUnavailable(service)
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    if response.status_code >= 400:
        raise ApiError(response.status_code, body if isinstance(body, dict) else None)
    return Answer(response.status_code, body, dict(response.headers))


def get(service, path, **kw):
    return call(service, "GET", path, **kw)


def post(service, path, **kw):
    return call(service, "POST", path, **kw)


def put(service, path, **kw):
    return call(service, "PUT", path, **kw)


def patch(service, path, **kw):
    return call(service, "PATCH", path, **kw)


def public_get(service, path, **kw):
    return call(service, "GET", path, token=False, **kw)


def public_post(service, path, **kw):
    return call(service, "POST", path, token=False, **kw)
