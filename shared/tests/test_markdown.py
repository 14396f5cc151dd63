"""Governing documents' Markdown renders to HTML that cannot run code (XSS payloads from the usual lists)."""
from __future__ import annotations

import re

import pytest

from ordning_shared.markdown import render

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "[klicka](javascript:alert(1))",
    "[klicka](JaVaScRiPt:alert(1))",
    "[klicka](java\tscript:alert(1))",
    "[klicka](vbscript:msgbox(1))",
    "[klicka](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[klicka](file:///etc/passwd)",
    "![x](javascript:alert(1))",
    "![x](https://example.org/x.png)",
    "<iframe src=https://example.org></iframe>",
    "<svg onload=alert(1)>",
    "[a](<javascript:alert(1)>)",
    "[a]: javascript:alert(1)\n\n[a]",
    "`<script>`",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_becomes_markup_or_a_runnable_link(payload):
    html = render(payload)
    assert not re.search(r"<(script|img|iframe|svg|div|object|embed|style)\b", html, re.I), html
    # A raw "<" only ever opens a tag the renderer made: the payload's own "<" comes out as &lt;.
    assert not re.search(r"<[a-z][^>]*\s(on\w+|src|style)\s*=", html, re.I), html
    assert not re.search(r'href="\s*(javascript|vbscript|data|file):', html, re.I), html


def test_ordinary_markdown_renders_with_safe_links():
    html = render("# Rutin\n\n1. Ring **chefen**\n2. Skriv i [Ordning](https://ordning.example/avvikelser)\n\n"
                  "| Steg | Vem |\n|---|---|\n| 1 | Personal |\n")
    assert "<h1>Rutin</h1>" in html and "<ol>" in html and "<strong>chefen</strong>" in html
    assert '<a href="https://ordning.example/avvikelser" rel="noopener noreferrer nofollow">Ordning</a>' in html
    assert "<table>" in html
    assert '<a href="/dokument/1"' in render("[intern](/dokument/1)")
    assert 'href="mailto:' in render("[mejla](mailto:kvalitet@kommun.se)")


def test_nothing_renders_to_nothing():
    assert render("") == ""
