"""The layout's promises: Swedish, a skip link, a strict Content-Security-Policy with no inline script or
style in any template, htmx served from the package, and all JavaScript and CSS under 100 KB."""
from __future__ import annotations

import re
from pathlib import Path

import ordning_web

PACKAGE = Path(ordning_web.__file__).parent
BUDGET = 100 * 1024


def test_all_javascript_and_css_stay_under_100_kb():
    assets = [path for path in (PACKAGE / "static").iterdir() if path.suffix in (".js", ".css")]
    assert {path.name for path in assets} >= {"ordning.css", "htmx-2.0.11.min.js"}
    total = sum(path.stat().st_size for path in assets)
    assert total < BUDGET, f"{total} bytes of JavaScript and CSS"


def test_htmx_travels_with_its_licence():
    assert "Zero-Clause BSD" in (PACKAGE / "static" / "htmx-LICENSE.txt").read_text()


def test_no_template_has_inline_script_style_or_event_handlers():
    for template in (PACKAGE / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template.name
        assert not re.search(r"<style\b|\sstyle=", text), template.name
        assert not re.search(r"\son[a-z]+=|\shx-on", text), template.name
        assert "http://" not in text and "https://" not in text, f"{template.name} loads from elsewhere"


def test_pages_are_swedish_with_a_skip_link_and_a_strict_policy(client):
    page = client.get("/logga-in")
    assert '<html lang="sv">' in page.text
    assert '<a class="skip-link" href="#innehall">Hoppa till innehållet</a>' in page.text
    assert '<main id="innehall"' in page.text
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["Cache-Control"] == "no-store"
    script = client.get("/static/htmx-2.0.11.min.js")
    assert script.status_code == 200 and b"htmx" in script.data


def test_errors_are_pages_in_swedish_never_a_trace(client):
    page = client.get("/finns-inte")
    assert page.status_code == 404 and "Sidan finns inte" in page.text
