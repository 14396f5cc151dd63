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
from copy import deepcopy
from typing import Iterable

import flask_smorest
import sqlalchemy as sa
from flask import Flask, Response, g, has_request_context, jsonify, request
from werkzeug.exceptions import HTTPException

from . import openapi, problems
from .auth import Principal, TokenVerifier
from .auth import Unauthorized as TokenRefused
from .observability import (HTTP_DURATION, HTTP_REQUESTS, OUTBOX_PENDING, extract_context, metrics_payload,
                            setup_logging, setup_tracing, tracer)
from .platform import Platform
from .problems import (PLATFORM_PROBLEMS, PROBLEM_CONTENT_TYPE, BadIdempotencyKey, Forbidden, IdempotencyKeyReused,
                       IfMatchWildcard, PreconditionFailed, PreconditionRequired, Problem, ProblemError,
                       Unauthorized, UnsupportedMediaType, problem_document, problem_json, problem_response)

log = logging.getLogger(__name__)

PUBLIC_PREFIXES = ("/api/v1/public/",)
UNAUTHENTICATED = {"/healthz", "/readyz", "/metrics", "/openapi.json"}
JSON_METHODS = {"POST", "PUT", "PATCH"}


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, parsing each request with one schema instance per endpoint, and
    documenting the problems each route declares (ordning_shared.openapi)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_problems_doc)

    def arguments(self, schema, **kwargs):
        # webargs builds a schema given as a class anew for every request (a deepcopy of its fields);
        # marshmallow schemas keep no state between loads, so one instance serves every request.
        return super().arguments(schema() if isinstance(schema, type) else schema, **kwargs)

    @staticmethod
    def raises(*problems: type[Problem], parameters: tuple = ()):
        """Declare the Problem classes a route may raise; its OpenAPI responses list them."""
        def decorator(func):
            func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
            func._apidoc.setdefault("problems", []).extend(problems)
            manual = func._apidoc.setdefault("manual_doc", {})
            manual.setdefault("parameters", []).extend(deepcopy(list(parameters)))
            return func
        return decorator

    def checks_if_match(self, func):
        """The route updates with If-Match (check_if_match): the header is required, and its problems."""
        return self.raises(PreconditionRequired, IfMatchWildcard, PreconditionFailed,
                           parameters=(IF_MATCH_PARAMETER,))(func)

    def idempotent(self, func):
        """The route creates through idempotency.create_once: the optional header, and its problems."""
        return self.raises(BadIdempotencyKey, IdempotencyKeyReused, parameters=(IDEMPOTENCY_KEY_PARAMETER,))(func)

    @staticmethod
    def _prepare_problems_doc(doc, doc_info, **_kwargs):
        if doc_info.get("problems"):
            doc[openapi.DECLARED] = doc_info["problems"]
        return doc


class Api(flask_smorest.Api):
    """Errors are documented per operation as problem+json (ordning_shared.openapi), not with
    flask-smorest's default error response and its application/json Error schema."""

    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_responses(self):
        pass


IF_MATCH_PARAMETER = {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
                      "description": "the ETag you read; * is not accepted"}
IDEMPOTENCY_KEY_PARAMETER = {"in": "header", "name": "Idempotency-Key", "required": False,
                             "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                             "description": "a retry with the same key creates nothing twice"}


def create_app(platform: Platform, blueprints: Iterable, *, title: str, readiness=None,
               config: dict | None = None) -> Flask:
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
    verifier = TokenVerifier(settings)
    api = Api(app, spec_kwargs={"info": {"description": f"Ordning {settings.service} service"},
                                "extra_plugins": [openapi.ProblemsPlugin()]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.extensions["ordning_api"] = api

    @app.before_request
    def _start():
        g.started = time.perf_counter()
        g.span_cm = tracer().start_as_current_span(
            f"{request.method} {request.url_rule.rule if request.url_rule else 'unmatched'}",
            context=extract_context(request.headers.get("traceparent")))
        g.span = g.span_cm.__enter__()
        if request.path in UNAUTHENTICATED or not request.path.startswith("/api/"):
            return None
        if not request.path.startswith(PUBLIC_PREFIXES):
            try:
                g.principal = verifier.verify_header(request.headers.get("Authorization"))
            except TokenRefused as exc:
                raise Unauthorized(str(exc)) from None
        has_body = (request.content_length or 0) > 0 or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        if request.method in JSON_METHODS and has_body and not request.is_json:
            raise UnsupportedMediaType("send the body as application/json")
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

    @app.errorhandler(Problem)
    def _problem(exc: Problem):
        return render_problem(exc.document(), exc.headers)

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
        status = exc.code or 500
        declared = PLATFORM_PROBLEMS.get(status)
        title, code = (declared.title, declared.code) if declared else (exc.name, _slug(exc.name))
        # werkzeug's own headers (Allow on a 405, for one), but not its text/html content type.
        headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
        return render_problem(problem_document(status, title, detail, code=code, **extra), headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
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


def render_problem(document: dict, headers: dict | None = None) -> Response:
    """The problem document as the answer to the current request (its path is the instance)."""
    if has_request_context():
        document.setdefault("instance", request.path)
    response = Response(problem_json(document), status=document["status"], content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _add_demo_token_route(app: Flask, settings) -> None:
    """Embedded default only: hands out tokens for the demo users (ordning_shared.demo)."""
    from .auth import LocalIssuer
    from .demo import USERS, claims_for

    issuer = LocalIssuer(settings.data_dir, settings.auth_issuer, settings.auth_audience)

    @app.post("/dev/token")
    def demo_token():
        user = (request.get_json(silent=True) or {}).get("user") or request.args.get("user", "")
        if user not in USERS:
            raise UnknownDemoUser("demo users: " + ", ".join(sorted(USERS)))
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
        raise Forbidden("your roles do not allow this: needs one of " + ", ".join(roles))


def etag(entity_id: str, version: int) -> str:
    return f'"{entity_id}.{version}"'


def check_if_match(entity_id: str, version: int) -> None:
    """Updates need If-Match with the current ETag, so two editors cannot overwrite each other unseen."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired("Skicka If-Match med den ETag du läste / send If-Match with the ETag you last read")
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" in wanted:
        # "*" matches whatever is there, so it would overwrite a change the editor never saw.
        raise IfMatchWildcard("If-Match: * godtas inte; skicka den ETag du läste / If-Match: * is not accepted; "
                              "send the ETag you read")
    if etag(entity_id, version) not in wanted:
        raise PreconditionFailed("Det har ändrats av någon annan sedan du läste det; läs om det / it was changed "
                                 "by someone else since you read it; read it again")


class UnknownDemoUser(problems.NotFound):
    code = "unknown_demo_user"


__all__ = ["Blueprint", "create_app", "current_principal", "require_roles", "etag", "check_if_match",
           "render_problem", "Problem", "ProblemError", "problem_response", "PROBLEM_CONTENT_TYPE"]
