"""The case page and the citizens' pages against the real services of services/web/tests/conftest.py."""
from __future__ import annotations

import itertools
import re

import pytest
import requests

from ordning_web.app import create_app

_addresses = itertools.count(1)


def csrf_of(page_text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text).group(1)


class Browser:
    """A test client with an address of its own: each is one client at the services' rate limits."""

    def __init__(self, app):
        self.client = app.test_client()
        number = next(_addresses)
        self.client.environ_base["REMOTE_ADDR"] = f"10.9.{number // 250}.{number % 250 + 1}"

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path, data=None, page=None, **kw):
        """POST a form with the CSRF token of `page` (the text it came from), else of a fresh sign-in page."""
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_of(page if page is not None else self.get("/logga-in").text))
        return self.client.post(path, data=data, **kw)


@pytest.fixture(scope="module")
def web_app(services):
    return create_app(services.web_settings())


@pytest.fixture
def browser(web_app):
    """Factory: a browser, signed in as a demo user (anna, erik, sara, frida, maria, karin, admin, olle) or not."""

    def _browser(user: str | None = None) -> Browser:
        b = Browser(web_app)
        if user:
            answer = b.post("/logga-in", {"user": user, "next": "/rapportera"})
            assert answer.status_code == 302, answer.text
        return b

    return _browser


class Api:
    """Calls straight to a service, as a demo user or as nobody: (status, JSON body, headers)."""

    def __init__(self, services):
        self.services = services

    def call(self, service, method, path, body=None, user=None, headers=None):
        sent = dict(headers or {})
        if user:
            sent["Authorization"] = "Bearer " + self.services.token(user)
        answer = requests.request(method, self.services.urls[service] + path, json=body, headers=sent, timeout=10)
        return answer.status_code, (answer.json() if answer.content else None), answer.headers


@pytest.fixture
def stack(services):
    return Api(services)
