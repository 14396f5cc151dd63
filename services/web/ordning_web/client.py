"""Calls to the services' APIs with the signed-in person's token, and their errors in Swedish.

A page never shows a stack trace or a service's English: a problem+json answer becomes its Swedish
sentence (each problem's detail starts with one), a service that does not answer becomes
ServiceUnavailable, which the page shows with the form the person filled kept.
"""
from __future__ import annotations

import logging
import re
import uuid

import requests
from flask import current_app

from .signin import current_token

log = logging.getLogger(__name__)

# What a page calls each service when it does not answer ("Tjänsten för avvikelser svarar inte just nu").
SERVICE_NAMES = {"deviations": "avvikelser", "processes": "organisationen", "risks": "risker",
                 "reporting": "uppföljning och rapporter", "notify": "notiser"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"'(])")
GENERIC_FIELD_ERROR = "Kontrollera det du har skrivit här."


def swedish_part(text: str | None) -> str | None:
    """The Swedish sentence our problems and field errors start with ("<svenska>. <English>.").

    A text of one sentence only is a library's English default, not ours: None, and the page says it in
    its own words."""
    if not text:
        return None
    sentences = _SENTENCE_END.split(text.strip(), maxsplit=1)
    return sentences[0] if len(sentences) == 2 else None


class ApiError(Exception):
    """A call that did not give what the page asked for; `message` is Swedish, for the page."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class ServiceUnavailable(ApiError):
    """The service did not answer (refused, timed out) or failed (5xx)."""

    def __init__(self, service: str, status: int | None = None):
        self.short = f"Tjänsten för {SERVICE_NAMES.get(service, service)} svarar inte just nu."
        super().__init__(f"{self.short} Det du har skrivit finns kvar; försök igen om en stund.", status)
        self.service = service


class SignInRequired(Exception):
    """The service refused the token (401: it ran out, or was never good): the person signs in again.

    Not an ApiError, so that a page that shows errors beside its form does not keep it there."""


class ApiProblem(ApiError):
    """A problem+json answer (4xx): its Swedish sentence, its code, and field errors by field name."""

    def __init__(self, status: int, document: dict):
        self.document = document
        self.code = document.get("code")
        self.field_errors = _field_errors(document.get("errors"))
        super().__init__(swedish_part(document.get("detail")) or _STATUS_TEXT.get(status, _STATUS_TEXT[400]),
                         status)


_STATUS_TEXT = {
    400: "Uppgifterna kunde inte tas emot. Kontrollera formuläret och försök igen.",
    401: "Du behöver logga in igen.",
    403: "Du har inte behörighet att göra det här.",
    404: "Det du söker finns inte, eller så får du inte se det.",
    409: "Någon annan har ändrat samma sak under tiden. Ladda om sidan och försök igen.",
    412: "Någon annan har ändrat samma sak under tiden. Ladda om sidan och försök igen.",
    422: "Några uppgifter behöver rättas.",
    429: "För många försök på kort tid. Vänta en stund och försök igen.",
}


def _field_errors(errors) -> dict[str, str]:
    """flask-smorest's {"json": {"field": ["message", ...]}} as {"field": "Swedish message"}."""
    found: dict[str, str] = {}
    if not isinstance(errors, dict):
        return found
    for location in errors.values():
        if not isinstance(location, dict):
            continue
        for field, messages in location.items():
            first = messages[0] if isinstance(messages, list) and messages else messages
            found[str(field)] = (swedish_part(first) if isinstance(first, str) else None) or GENERIC_FIELD_ERROR
    return found


class Api:
    """One service's API, called as the signed-in person."""

    def __init__(self, service: str, base_url: str, timeout: float, session: requests.Session):
        self.service, self.base_url, self.timeout, self.session = service, base_url, timeout, session

    def request(self, method: str, path: str, **kwargs):
        answer = self.response(method, path, **kwargs)
        if answer.status_code == 204 or not answer.content:
            return None
        return answer.json()

    def response(self, method: str, path: str, *, json=None, params=None, headers=None,
                 token: str | None = None) -> requests.Response:
        """The answer itself (its headers, a CSV body), once it is known to be no error."""
        headers = dict(headers or {})
        token = token or current_token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            answer = self.session.request(method, self.base_url + path, json=json, params=params, headers=headers,
                                          timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("the %s service did not answer: %s", self.service, type(exc).__qualname__)
            raise ServiceUnavailable(self.service) from None
        if answer.status_code >= 500:
            log.warning("the %s service answered %s", self.service, answer.status_code)
            raise ServiceUnavailable(self.service, answer.status_code)
        if answer.status_code == 401:
            raise SignInRequired()
        if answer.status_code >= 400:
            try:
                document = answer.json()
            except ValueError:
                document = {}
            raise ApiProblem(answer.status_code, document if isinstance(document, dict) else {})
        return answer

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.request("POST", path, **kwargs)


def _session() -> requests.Session:
    session = current_app.extensions.get("ordning_web_http")
    if session is None:
        session = current_app.extensions["ordning_web_http"] = requests.Session()
    return session


def deviations() -> Api:
    settings = current_app.extensions["ordning_web"]
    return Api("deviations", settings.deviations_url, settings.api_timeout, _session())


def processes() -> Api:
    settings = current_app.extensions["ordning_web"]
    return Api("processes", settings.processes_url, settings.api_timeout, _session())


def risks() -> Api:
    settings = current_app.extensions["ordning_web"]
    return Api("risks", settings.risks_url, settings.api_timeout, _session())


def reporting() -> Api:
    settings = current_app.extensions["ordning_web"]
    return Api("reporting", settings.reporting_url, settings.api_timeout, _session())


def notify(timeout: float | None = None) -> Api:
    """The notify service; `timeout` shorter than the pages' for a call every page makes (the unread count)."""
    settings = current_app.extensions["ordning_web"]
    return Api("notify", settings.notify_url, min(timeout or settings.api_timeout, settings.api_timeout), _session())


def new_idempotency_key() -> str:
    return str(uuid.uuid4())
