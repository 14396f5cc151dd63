"""The case page and the citizens' pages against the real processes and deviations services (ordning_web.teststack)."""
from __future__ import annotations

import itertools
import re

import pytest

from ordning_web.app import create_app
from ordning_web.config import WebSettings
from ordning_web.teststack import start_stack

_addresses = itertools.count(10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    services = start_stack(tmp_path_factory.mktemp("web-stack"), trusted_proxies=1)
    yield services
    services.stop()


@pytest.fixture(scope="module")
def web(stack):
    settings = WebSettings(env="embedded", data_dir=stack.data_dir, processes_url=stack.urls["processes"],
                           deviations_url=stack.urls["deviations"], secret_key="k" * 48, log_level="WARNING")
    return create_app(settings)


def csrf_of(page_text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text).group(1)


class Browser:
    """A test client with its own address (each counts as one client at the services' rate limits)."""

    def __init__(self, app):
        self.client = app.test_client()
        self.address = f"10.0.{next(_addresses) // 250}.{next(_addresses) % 250 + 1}"
        self.client.environ_base["REMOTE_ADDR"] = self.address

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path, data=None, page=None, **kw):
        """POST a form with the CSRF token of `page` (the text of the page it came from), or of a fresh page."""
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_of(page if page is not None else self.get("/logga-in").text))
        return self.client.post(path, data=data, **kw)


@pytest.fixture
def browser(web):
    """Factory: a browser, signed in as a demo user (anna, erik, sara, frida, maria, karin, admin, olle) or not."""

    def _browser(user: str | None = None) -> Browser:
        b = Browser(web)
        if user:
            answer = b.post("/logga-in", {"user": user, "next": "/rapportera"})
            assert answer.status_code == 302, answer.text
        return b

    return _browser
