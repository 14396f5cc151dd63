"""The API documentation for people: Swagger UI at /docs of every service, on that service's /openapi.json.

Its files are vendored in the package (static/swagger-ui, with their licence), so the page loads nothing
from another origin; a municipality's network that blocks CDNs still shows it. The page needs no token:
the document describes the API to whoever may call it and holds no data. Its own Content-Security-Policy
allows scripts, styles, images and fetches from the service itself only (styles also inline, which Swagger
UI's components set; images also data:, which its stylesheet holds).
"""
from __future__ import annotations

from html import escape
from pathlib import Path

from flask import Blueprint, Flask, Response, url_for

ASSETS = Path(__file__).parent / "static" / "swagger-ui"
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
                           "form-action 'none'; frame-ancestors 'none'")

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<link rel="stylesheet" href="{css}">
<link rel="icon" type="image/png" href="{icon}">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{bundle}"></script>
<script src="{init}"></script>
</body>
</html>
"""


def register_docs(app: Flask, title: str) -> None:
    """GET /docs (the page) and /docs/assets/<file> (Swagger UI's files)."""
    docs = Blueprint("docs", __name__, static_folder=str(ASSETS), static_url_path="/assets",
                     url_prefix="/docs")

    @docs.get("")
    def page():
        def asset(name):
            return url_for("docs.static", filename=name)

        html = PAGE.format(title=escape(f"{title}: API"), css=asset("swagger-ui.css"),
                           icon=asset("favicon-32x32.png"), openapi=url_for("api-docs.openapi_json"),
                           bundle=asset("swagger-ui-bundle.js"), init=asset("init.js"))
        return Response(html, content_type="text/html; charset=utf-8")

    @docs.after_request
    def _protect(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    app.register_blueprint(docs)
