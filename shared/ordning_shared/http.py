"""The Flask app factory every service uses, and its HTTP conventions.

- OpenAPI from the marshmallow schemas (flask-smorest), served at /openapi.json
- RFC 9457 problem+json for every error; a bad request never yields a 500
- unknown fields rejected (marshmallow's default RAISE), request size bounded
- bearer tokens on /api/v1/, except /api/v1/public/
- /healthz, /readyz, /metrics; RED metrics per route; a span per request
"""
from __future__ import annotations

import logging
import time
from typing import Iterable

import flask_smorest
import sqlalchemy as sa
from flask import Flask, Response, g, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .auth import Principal, TokenVerifier, Unauthorized
from .observability import (HTTP_DURATION, HTTP_REQUESTS, OUTBOX_PENDING, extract_context, metrics_payload,
                            setup_logging, setup_tracing, tracer)
from .platform import Platform
from .problems import PROBLEM_CONTENT_TYPE, ProblemError, problem_response
from .public import PublicGate

log = logging.getLogger(__name__)

PUBLIC_PREFIXES = ("/api/v1/public/",)
UNAUTHENTICATED = {"/healthz", "/readyz", "/metrics", "/openapi.json"}
JSON_METHODS = {"POST", "PUT", "PATCH"}


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, parsing each request with one schema instance per endpoint."""

    def arguments(self, schema, **kwargs):
        # webargs builds a schema given as a class anew for every request (a deepcopy of its fields);
        # marshmallow schemas keep no state between loads, so one instance serves every request.
        return super().arguments(schema() if isinstance(schema, type) else schema, **kwargs)


def create_app(platform: Platform, blueprints: Iterable, *, title: str, problem_map: dict | None = None,
               readiness=None, config: dict | None = None) -> Flask:
    settings = platform.settings
    setup_logging(settings.service, settings.log_level)
    setup_tracing(settings.service)
    app = Flask(f"ordning_{settings.service}")
    app.config.update(
        API_TITLE=title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
    )
    app.config.update(config or {})
    app.extensions["ordning"] = platform
    if settings.trusted_proxies:  # the client's address is the entry the nearest trusted proxy added
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)
    public_gate = PublicGate(platform)
    verifier = TokenVerifier(settings)
    api = Api(app, spec_kwargs={"info": {"description": f"Ordning {settings.service} service"}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.extensions["ordning_api"] = api

    problem_map = dict(problem_map or {})

    @app.before_request
    def _start():
        g.started = time.perf_counter()
        g.span_cm = tracer().start_as_current_span(
            f"{request.method} {request.url_rule.rule if request.url_rule else 'unmatched'}",
            context=extract_context(request.headers.get("traceparent")))
        g.span = g.span_cm.__enter__()
        if request.path in UNAUTHENTICATED or not request.path.startswith("/api/"):
            return None
        if request.path.startswith(PUBLIC_PREFIXES):
            public_gate.admit()
        else:
            try:
                g.principal = verifier.verify_header(request.headers.get("Authorization"))
            except Unauthorized as exc:
                raise ProblemError(401, "Unauthorized", str(exc), code="unauthorized",
                                   headers={"WWW-Authenticate": 'Bearer realm="ordning"'}) from None
        has_body = (request.content_length or 0) > 0 or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        if request.method in JSON_METHODS and has_body and not request.is_json:
            raise ProblemError(415, "Unsupported Media Type", "send the body as application/json",
                               code="unsupported_media_type")
        return None

    @app.after_request
    def _record(response: Response):
        route = request.url_rule.rule if request.url_rule else "unmatched"
        HTTP_REQUESTS.labels(settings.service, request.method, route, str(response.status_code)).inc()
        if "started" in g:
            HTTP_DURATION.labels(settings.service, request.method, route).observe(time.perf_counter() - g.started)
        return response

    @app.teardown_request
    def _end_span(exc):
        span_cm = g.pop("span_cm", None)
        if span_cm is not None:
            span_cm.__exit__(None, None, None)

    @app.errorhandler(ProblemError)
    def _problem(exc: ProblemError):
        return exc.response()

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        extra = {}
        data = getattr(exc, "data", None) or {}
        messages = data.get("messages") or (data.get("errors") if isinstance(data, dict) else None)
        detail = data.get("message") if isinstance(data, dict) and data.get("message") else exc.description
        if messages:
            extra["errors"] = messages
            detail = "the request does not match the schema; see errors"
        if exc.code == 413:
            detail = f"the body is larger than {settings.max_request_bytes} bytes"
        return problem_response(exc.code or 500, exc.name, detail, code=_slug(exc.name), **extra)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        for exc_class, (status, title) in problem_map.items():
            if isinstance(exc, exc_class):
                return problem_response(status, title, str(exc), code=getattr(exc, "code", _slug(title)))
        log.exception("unhandled error")
        return problem_response(500, "Internal Server Error", "an unexpected error; it has been logged",
                                code="internal")

    if settings.local_issuer:
        _add_demo_token_route(app, settings)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", service=settings.service)

    @app.get("/readyz")
    def readyz():
        checks = {"database": _check_database(platform), "broker": _check_broker(platform)}
        if readiness is not None:
            checks.update(readiness())
        ok = all(value == "ok" for value in checks.values())
        return jsonify(status="ok" if ok else "unavailable", checks=checks), (200 if ok else 503)

    @app.get("/metrics")
    def metrics():
        _refresh_outbox_gauge(platform)
        body, content_type = metrics_payload()
        return Response(body, content_type=content_type)

    return app


def _add_demo_token_route(app: Flask, settings) -> None:
    """Embedded default only: hands out tokens for the demo users (ordning_shared.demo)."""
    from .auth import LocalIssuer
    from .demo import USERS, claims_for

    issuer = LocalIssuer(settings.data_dir, settings.auth_issuer, settings.auth_audience)

    @app.post("/dev/token")
    def demo_token():
        user = (request.get_json(silent=True) or {}).get("user") or request.args.get("user", "")
        if user not in USERS:
            raise ProblemError(404, "Not Found", "demo users: " + ", ".join(sorted(USERS)), code="unknown_demo_user")
        claims = claims_for(user)
        token = issuer.issue(claims["subject"], claims["tenant"], claims["roles"], claims["org_units"], claims["name"])
        return jsonify(access_token=token, token_type="Bearer", user=user, **claims)


def _refresh_outbox_gauge(platform: Platform) -> None:
    """The backlog is read from the table at scrape time, so any replica reports it."""
    outbox = platform.tables.outbox
    try:
        with platform.engine.connect() as connection:
            pending = connection.execute(sa.select(sa.func.count()).select_from(outbox)
                                         .where(outbox.c.published_at.is_(None))).scalar_one()
        OUTBOX_PENDING.labels(platform.settings.service).set(pending)
    except Exception:  # a scrape must not fail because the database is down; /readyz says so
        log.warning("could not read the outbox backlog", exc_info=True)


def _check_broker(platform: Platform) -> str:
    from .bus import connect

    try:
        with connect(platform.settings, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)
        return "ok"
    except Exception as exc:  # readiness reports, it does not raise
        return f"error: {exc.__class__.__name__}"


def _check_database(platform: Platform) -> str:
    try:
        with platform.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return "ok"
    except Exception as exc:  # readiness reports, it does not raise
        return f"error: {exc.__class__.__name__}"


def _slug(text: str) -> str:
    return "_".join(text.lower().split())


def current_principal() -> Principal:
    return g.principal


def require_roles(principal: Principal, *roles: str) -> None:
    if not principal.has_any(*roles):
        raise ProblemError(403, "Forbidden", "your roles do not allow this: needs one of " + ", ".join(roles),
                           code="forbidden")


def etag(entity_id: str, version: int) -> str:
    return f'"{entity_id}.{version}"'


def check_if_match(entity_id: str, version: int) -> None:
    """Updates need If-Match with the current ETag, so two editors cannot overwrite each other unseen."""
    header = request.headers.get("If-Match")
    if not header:
        raise ProblemError(428, "Precondition Required",
                           "send If-Match with the ETag you last read", code="if_match_required")
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" not in wanted and etag(entity_id, version) not in wanted:
        raise ProblemError(412, "Precondition Failed",
                           "it was changed by someone else since you read it; read it again",
                           code="stale_etag")


__all__ = ["Blueprint", "create_app", "current_principal", "require_roles", "etag", "check_if_match",
           "ProblemError", "problem_response", "PROBLEM_CONTENT_TYPE"]
