"""Markdown to HTML, safely: the text of a governing document shown in a browser.

markdown-it-py (CommonMark) with raw HTML off: a `<script>` or an `onerror=` in the text comes out as escaped
text, never as markup. Its link check refuses javascript:, vbscript:, file: and data: URLs (data: images of
the usual types aside; images are turned off here anyway), so a link or an image cannot run code. Links get
rel="noopener noreferrer nofollow": a document's reader leaves for the link's site without handing it the page.
"""
from __future__ import annotations

from markdown_it import MarkdownIt

_ALLOWED_SCHEMES = ("http:", "https:", "mailto:", "tel:")


def _validate_link(url: str) -> bool:
    """Only web, mail and phone links and relative ones: no scheme the browser could run."""
    lowered = "".join(url.split()).lower()  # "java\tscript:" is javascript: to a browser
    if ":" not in lowered.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]:
        return True  # relative: no scheme at all
    return lowered.startswith(_ALLOWED_SCHEMES)


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")  # a document's images come as attachments later, not from other sites
    md.validateLink = _validate_link

    def link_open(renderer, tokens, idx, options, env):
        tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    md.enable("table")
    md.enable("strikethrough")
    return md


_MD = _renderer()


def render(text: str) -> str:
    """The text as HTML with no raw markup, no script and no unsafe link."""
    return _MD.render(text or "")
