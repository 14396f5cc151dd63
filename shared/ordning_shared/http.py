"""The Flask app factory every service uses, and its HTTP conventions.

- OpenAPI from the marshmallow schemas (flask-smorest), served at /openapi.json; Swagger UI at /docs
- RFC 9457 problem+json for every error; a bad request never yields a 500
- unknown fields rejected (marshmallow's default RAISE), request size bounded
- JSON bodies parsed strictly (no duplicate keys, bounded nesting and numbers, no lone surrogates);
  a path id that holds control characters answers 404 before any query
- an unexpected error is logged by its class and traceback, never with its message, the body or the query
- bearer tokens on /api/v1/, except /api/v1/public/
- /healthz, /readyz, /metrics; RED metrics per route; a span per request
"""
from __future__ import annotations

import io
import json
import logging
import re
import time
from copy import deepcopy
from typing import Callable, Iterable
from urllib.parse import unquote_to_bytes

import flask
import flask_smorest
import sqlalchemy as sa
from flask import Flask, Response, g, has_request_context, jsonify, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import RAISE
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from . import openapi, problems
from .auth import Principal, TokenVerifier
from .docs import register_docs
from .auth import Unauthorized as TokenRefused
from .fields import has_surrogate
from .observability import (BROKER_UP, HTTP_DURATION, HTTP_REQUESTS, OUTBOX_PENDING, exception_without_values,
                            extract_context, log_access, metrics_payload, setup_logging, setup_tracing, tracer)
from .platform import Platform
from .problems import (PLATFORM_PROBLEMS, PROBLEM_CONTENT_TYPE, BadIdempotencyKey, Conflict, Forbidden,
                       IdempotencyKeyReused, IfMatchWildcard, InternalError, InvalidQuery, MalformedJSON, NotFound,
                       PreconditionFailed, PreconditionRequired, Problem, Unauthorized, UnsupportedMediaType,
                       problem_document, problem_json)
from .public import TENANT_PATTERN, PublicGate

log = logging.getLogger(__name__)

PUBLIC_PREFIXES = ("/api/v1/public/",)
UNAUTHENTICATED = {"/healthz", "/readyz", "/metrics", "/openapi.json"}
JSON_METHODS = {"POST", "PUT", "PATCH"}
JSON_MAX_DEPTH = 64
JSON_NUMBER_MAX_CHARS = 40  # digits, sign, point and exponent: enough for any real count, date part or amount
PATH_VALUE_MAX = 100  # ids are UUIDs, kinds and tenants shorter still


class InvalidJSON(ValueError):
    """A body that is JSON but not one we accept; its Swedish and English sentences say why, without the
    values."""


TOO_DEEP = (f"JSON-värdet är nästlat djupare än {JSON_MAX_DEPTH} nivåer.",
            f"The JSON is nested deeper than {JSON_MAX_DEPTH} levels.")


def _no_duplicate_keys(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise InvalidJSON(f"Nyckeln {key[:60]!r} förekommer två gånger i ett objekt; skicka den en gång.",
                              f"The key {key[:60]!r} appears twice in one object; send it once.")
        seen[key] = value
    return seen


def _bounded_number(convert):
    def parse(text):
        if len(text) > JSON_NUMBER_MAX_CHARS:
            raise InvalidJSON(f"Ett tal har fler än {JSON_NUMBER_MAX_CHARS} tecken.",
                              f"A number has more than {JSON_NUMBER_MAX_CHARS} characters.")
        return convert(text)
    return parse


def _refuse_constant(name):
    raise InvalidJSON(f"{name} är inte JSON.", f"{name} is not JSON.")


def _check_parsed(value, *, surrogates: bool) -> None:
    """Depth and (when asked) lone surrogates, walked with a stack: no recursion however deep the value."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > JSON_MAX_DEPTH:
                raise InvalidJSON(*TOO_DEEP)
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif surrogates and isinstance(item, str) and has_surrogate(item):
            raise InvalidJSON("En sträng innehåller ett ensamt surrogat (\\ud800-\\udfff), som inte är Unicode-text.",
                              "A string holds a lone surrogate (\\ud800-\\udfff), which is not Unicode text.")


def strict_json_loads(data):
    """JSON as a client means it: one value per key, bounded nesting and numbers, Unicode text only."""
    text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_int=_bounded_number(int),
                           parse_float=_bounded_number(float), parse_constant=_refuse_constant)
    except RecursionError:  # the decoder stops itself at Python's recursion limit, far past ours
        raise InvalidJSON(*TOO_DEEP) from None
    # Only an escape can make a lone surrogate (UTF-8 cannot); an escaped pair is a real character.
    _check_parsed(value, surrogates="\\u" in text)
    return value


class StrictJSONProvider(DefaultJSONProvider):
    ensure_ascii = False  # å, ä and ö as UTF-8, not \u00e5 escapes (jsonify and /openapi.json alike)

    def loads(self, s, **kwargs):
        return strict_json_loads(s)


class StrictRequest(flask.Request):
    def on_json_loading_failed(self, e):
        if e is None:
            return super().on_json_loading_failed(e)
        if isinstance(e, InvalidJSON):
            raise MalformedJSON(*e.args) from None
        raise MalformedJSON("Kroppen är inte giltig JSON.", "The body is invalid JSON.") from None


class _Parser(FlaskParser):
    """webargs, reading the body the app parsed (strictly, once) instead of parsing it again."""

    def _raw_load_json(self, req):
        if not is_json_request(req) or not req.get_data(cache=True):
            return webargs_core.missing
        return req.get_json()


NO_SUCH_RESOURCE = ("Det finns inget här.", "There is no such resource.")

# werkzeug's and flask-smorest's errors by status, in our two sentences instead of werkzeug's English text.
HTTP_ERROR_MESSAGES = {
    400: ("Begäran kunde inte läsas.", "The request could not be read."),
    404: NO_SUCH_RESOURCE,
    405: ("Metoden finns inte för den här adressen; se Allow.", "The method is not allowed here; see Allow."),
    409: ("Begäran krockar med det som finns.", "The request conflicts with what exists."),
    415: ("Skicka kroppen som application/json.", "Send the body as application/json."),
    422: ("Begäran stämmer inte med schemat.", "The request does not match the schema."),
    500: ("Ett oväntat fel inträffade.", "An unexpected error occurred."),
}


def too_large(limit: int) -> tuple[str, str]:
    return (f"Kroppen är större än {limit} byte.", f"The body is larger than {limit} bytes.")


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, parsing each request with one schema instance per endpoint, and
    documenting the problems each route declares (ordning_shared.openapi)."""

    def __init__(self, *args, path_parameters: dict[str, dict] | None = None, **kwargs):
        """`path_parameters`: the description and example of each path parameter of the blueprint's routes, by
        name (`tenant` is known to every blueprint); each route whose rule holds one documents it."""
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_problems_doc)
        self.path_parameters = {"tenant": openapi.TENANT_PARAMETER, **(path_parameters or {})}

    def route(self, rule, *, parameters=None, **options):
        named = [{"in": "path", "name": name, **self.path_parameters[name]}
                 for name in re.findall(r"<(?:[^<>:]+:)?([^<>:]+)>", rule) if name in self.path_parameters]
        return super().route(rule, parameters=named + list(parameters or []), **options)

    ARGUMENTS_PARSER = _Parser()

    def arguments(self, schema, **kwargs):
        # webargs builds a schema given as a class anew for every request (a deepcopy of its fields);
        # marshmallow schemas keep no state between loads, so one instance serves every request.
        # An unknown field is refused wherever it is (webargs would drop one from the query string): the
        # document says additionalProperties false, and a misspelt filter must not silently list everything.
        kwargs.setdefault("unknown", RAISE)
        return super().arguments(schema() if isinstance(schema, type) else schema, **kwargs)

    @staticmethod
    def raises(*problems: type[Problem], parameters: tuple = ()):
        """Declare the Problem classes a route may raise; its OpenAPI responses list them."""
        def decorator(func):
            func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
            func._apidoc.setdefault("problems", []).extend(problems)
            if parameters:  # flask-smorest's manual doc replaces lists: an empty one would drop the query's
                manual = func._apidoc.setdefault("manual_doc", {})
                manual.setdefault("parameters", []).extend(deepcopy(list(parameters)))
            return func
        return decorator

    def checks_if_match(self, func):
        """The route updates with If-Match (check_if_match): the header is required, and its problems."""
        return self.raises(PreconditionRequired, IfMatchWildcard, PreconditionFailed,
                           parameters=(openapi.IF_MATCH_PARAMETER,))(func)

    def idempotent(self, func):
        """The route creates through idempotency.create_once: the optional header, and its problems."""
        return self.raises(BadIdempotencyKey, IdempotencyKeyReused,
                           parameters=(openapi.IDEMPOTENCY_KEY_PARAMETER,))(func)

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

    # flask-smorest's own pagination header and ETag machinery are not used: the lists page in their body
    # and the ETags are the platform's (etag, check_if_match); their components would document neither.
    def _register_pagination_header(self):
        pass

    def _register_etag_headers(self):
        pass


def create_app(platform: Platform, blueprints: Iterable, *, title: str, readiness=None,
               config: dict | None = None, scrape: Callable[[], None] | None = None) -> Flask:
    """The service's app; `scrape`, when given, sets the service's own gauges at each /metrics scrape (read
    from its database, as the outbox backlog is)."""
    settings = platform.settings
    setup_logging(settings.service, settings.log_level)
    setup_tracing(settings.service)
    app = Flask(f"ordning_{settings.service}")
    app.request_class = StrictRequest
    app.json = StrictJSONProvider(app)
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
    api = Api(app, spec_kwargs={"info": {"description": openapi.api_description(settings.service)},
                                "extra_plugins": [openapi.ProblemsPlugin()]})
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    app.extensions["ordning_api"] = api
    register_docs(app, title)

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
            except TokenRefused as exc:
                raise Unauthorized(*exc.args) from None
        _refuse_garbage_path_values()
        _refuse_query_not_utf8()
        chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        if chunked and request.content_length is None:
            _bound_chunked_body(settings.max_request_bytes)
        has_body = (request.content_length or 0) > 0 or chunked
        if request.method in JSON_METHODS and has_body and not request.is_json:
            raise UnsupportedMediaType("Skicka kroppen som application/json.", "Send the body as application/json.")
        if request.method in JSON_METHODS and has_body and request.get_data(cache=True):
            request.get_json()  # parsed strictly once, here, for every route; the schemas read the cache
        return None

    @app.after_request
    def _record(response: Response):
        route = request.url_rule.rule if request.url_rule else "unmatched"
        HTTP_REQUESTS.labels(settings.service, request.method, route, str(response.status_code)).inc()
        duration = time.perf_counter() - g.started if "started" in g else 0.0
        if "started" in g:
            HTTP_DURATION.labels(settings.service, request.method, route).observe(duration)
        log_access(request.method, route, response.status_code, duration * 1000, _tenant_of_request())
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
        status = exc.code or 500
        sv, en = HTTP_ERROR_MESSAGES.get(status, ("Begäran kunde inte utföras.", f"The request failed ({exc.name})."))
        if messages:
            extra["errors"] = messages
            sv, en = "Begäran stämmer inte med schemat; se errors.", "The request does not match the schema; see errors."
        if status == 413:
            sv, en = too_large(settings.max_request_bytes)
        detail = f"{sv} {en}"
        declared = PLATFORM_PROBLEMS.get(status)
        title, code = (declared.title, declared.code) if declared else (exc.name, _slug(exc.name))
        # werkzeug's own headers (Allow on a 405, for one), but not its text/html content type.
        headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
        return render_problem(problem_document(status, title, detail, code=code, **extra), headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        _log_unexpected(exc)
        return render_problem(InternalError("Ett oväntat fel inträffade; det har loggats.",
                                            "An unexpected error occurred; it has been logged.").document())

    @app.errorhandler(sa.exc.IntegrityError)
    def _integrity(exc: sa.exc.IntegrityError):
        if _is_unique_violation(exc):
            # Two requests created the same thing at once; the loser is told, with no values in the answer.
            return render_problem(Conflict("Det finns redan (en annan begäran skapade det i samma stund); läs om det.",
                                           "It exists already (another request created it at the same moment); "
                                           "read it again.").document())
        return _unexpected(exc)

    if settings.local_issuer:
        _add_demo_token_route(app, settings)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", service=settings.service)

    @app.get("/readyz")
    def readyz():
        # Ready means the database answers; the outbox holds events while the broker is down.
        checks = {"database": _check_database(platform)}
        if readiness is not None:
            checks.update(readiness())
        ok = all(value == "ok" for value in checks.values())
        broker = _check_broker(platform)
        BROKER_UP.labels(settings.service).set(1 if broker == "ok" else 0)
        return (jsonify(status="ok" if ok else "unavailable", checks=checks, information={"broker": broker}),
                200 if ok else 503)

    @app.get("/metrics")
    def metrics():
        _refresh_outbox_gauge(platform)
        if scrape is not None:
            try:
                scrape()
            except Exception as exc:  # a scrape must not fail because the database is down; /readyz says so
                log.warning("could not read the service's metrics: %s", type(exc).__qualname__)
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
    from .demo import USERS, claims_for, demo_token as token_for

    issuer = LocalIssuer(settings.data_dir, settings.auth_issuer, settings.auth_audience)

    @app.post("/dev/token")
    def demo_token():
        user = (request.get_json(silent=True) or {}).get("user") or request.args.get("user", "")
        if user not in USERS:
            names = ", ".join(sorted(USERS))
            raise UnknownDemoUser(f"Okänd demoanvändare; välj en av {names}.", f"Unknown demo user; choose one of {names}.")
        return jsonify(access_token=token_for(issuer, user), token_type="Bearer", user=user, **claims_for(user))


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
        # Short: this runs inside /readyz, whose probe gives up after 3 seconds.
        with connect(platform.settings, connect_timeout=1) as connection:
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


def _bound_chunked_body(limit: int) -> None:
    """A chunked body (no Content-Length) is read up to one byte past the limit, never further: past it, 413.
    Within it, the body is handed on as if its length had been given. (werkzeug alone would cut such a body
    at the limit without a word, which then reads as broken JSON, or read nothing of it at all.)"""
    body = request.environ["wsgi.input"].read(limit + 1)  # the server's decoder of the chunks
    if len(body) > limit:
        raise RequestEntityTooLarge()
    request.environ["wsgi.input"] = io.BytesIO(body)
    request.environ["CONTENT_LENGTH"] = str(len(body))
    request.environ.pop("HTTP_TRANSFER_ENCODING", None)


def _tenant_of_request() -> str | None:
    """The caller's tenant: the token's, or the one a public path names when it is a tenant code at all."""
    principal = g.get("principal")
    if principal is not None:
        return principal.tenant
    if request.path.startswith(PUBLIC_PREFIXES):
        candidate = request.path[len(PUBLIC_PREFIXES[0]):].split("/", 1)[0]
        return candidate if TENANT_PATTERN.match(candidate) else None
    return None


def _refuse_garbage_path_values() -> None:
    """A path value with control or invisible characters, or bytes that were not UTF-8 (decoded as U+FFFD),
    names nothing: 404, before any query."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and (len(value) > PATH_VALUE_MAX or not value.isprintable() or "\ufffd" in value):
            raise NotFound(*NO_SUCH_RESOURCE)


def _refuse_query_not_utf8() -> None:
    """Percent-encoded bytes that are not UTF-8 (an encoded lone surrogate) stay undecoded in request.args,
    where a text filter would take them literally: the query is refused instead."""
    try:
        unquote_to_bytes(request.query_string.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidQuery("Frågesträngen är inte UTF-8.", "The query string is not UTF-8.") from None


def _is_unique_violation(exc: sa.exc.IntegrityError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)  # psycopg
    return sqlstate == "23505" or (sqlstate is None and "UNIQUE constraint failed" in str(exc.orig))


def _log_unexpected(exc: BaseException) -> None:
    """The class and stack of the error, never its message, the request's body or its query."""
    log.error("unhandled error %s in %s %s\n%s", type(exc).__qualname__, request.method,
              request.url_rule.rule if request.url_rule else "unmatched", exception_without_values(exc))


def _slug(text: str) -> str:
    return "_".join(text.lower().split())


def current_principal() -> Principal:
    return g.principal


def require_roles(principal: Principal, *roles: str) -> None:
    if not principal.has_any(*roles):
        needed = ", ".join(roles)
        raise Forbidden(f"Din roll tillåter inte detta; det kräver en av rollerna: {needed}.",
                        f"Your roles do not allow this; it needs one of these roles: {needed}.")


def etag(entity_id: str, version: int) -> str:
    return f'"{entity_id}.{version}"'


def check_if_match(entity_id: str, version: int) -> None:
    """Updates need If-Match with the current ETag, so two editors cannot overwrite each other unseen."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired("Skicka If-Match med den ETag du läste.", "Send If-Match with the ETag you last read.")
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if "*" in wanted:
        # "*" matches whatever is there, so it would overwrite a change the editor never saw.
        raise IfMatchWildcard("If-Match: * godtas inte; skicka den ETag du läste.",
                              "If-Match: * is not accepted; send the ETag you read.")
    if etag(entity_id, version) not in wanted:
        raise PreconditionFailed("Det har ändrats av någon annan sedan du läste det; läs om det.",
                                 "It was changed by someone else since you read it; read it again.")


class UnknownDemoUser(problems.NotFound):
    code = "unknown_demo_user"


__all__ = ["Blueprint", "create_app", "current_principal", "require_roles", "etag", "check_if_match",
           "render_problem", "Problem", "PROBLEM_CONTENT_TYPE"]
