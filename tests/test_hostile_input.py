"""Hostile input against every route of every service, over real PostgreSQL.

The routes come from each app's url_map and the fields from the marshmallow
schemas flask-smorest attached to them, so a new route or field is covered
without editing this file; only a valid request per route is written here (a
route without one fails the test). Two tests:

- every class of input that once made a 500 (NUL, lone surrogates, 10,000-deep
  JSON, 5,000-digit integers, dates at the edges, duplicate keys, "yes" and 1
  as booleans, invisible and bidi names) answers a 4xx problem+json and
  changes no row; the valid request then succeeds, so the 4xx was the input's;
- a fake personnummer and e-mail planted in every field, path value and query
  parameter, bare and with NUL or a lone surrogate, never reach a log record
  and never make a 5xx.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field, replace
from typing import Callable
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa
from marshmallow import Schema, fields
from ordning_shared import consumer, events
from ordning_shared.events import DomainEvent
from ordning_shared.testing import issue_token

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"
TENANT = "0138"
PERSONNUMMER = "19121212-1212"
EMAIL = "tolvan.tolvansson@example.se"
RAW = "__raw_json__"  # placeholder replaced by raw JSON text (numbers Python would not print)
DEEP = "[" * 10_000 + "]" * 10_000
HUGE_INTEGER = "7" * 5_000
EDGE_DATETIMES = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")
EDGE_DATES = ("0001-01-01", "9999-12-31")
NAME_KEYS = {"name", "title", "owner", "reference", "phone"}
# Files, not API operations: the docs' assets are served by Flask's send_from_directory, whose refusal of a
# path outside its folder tests/test_api_contract.py checks.
SKIPPED_PREFIXES = ("/static/", "/docs/assets/")
# A refused public call still counts against its client's rate limit (abuse is what the limit is for), so
# the limit's windows and the key its client hashes are made with change on refused requests too.
RATE_LIMIT_BOOKKEEPING = {"rate_limit_windows", "installation_keys"}
UNLIMITED = (1_000_000, 60)  # this test sends hundreds of public calls from one address on purpose


# --------------------------------------------------------------------------
# The services: how to build each, seed it, and one valid request per route
# --------------------------------------------------------------------------

@dataclass
class Service:
    app: object
    client: object
    platform: object
    headers: dict
    fresh: Callable[[], dict]  # new resources for one route: the path values and ids its request needs
    bodies: dict  # (method, rule) -> values -> a valid JSON body
    queries: dict = field(default_factory=dict)  # (method, rule) -> values -> a valid query

    def counts(self) -> dict:
        with self.platform.engine.connect() as connection:
            return {t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    for t in self.platform.metadata.sorted_tables if t.name not in RATE_LIMIT_BOOKKEEPING}


def _ok(response, *statuses):
    assert response.status_code in (statuses or (200, 201)), (response.status_code, response.get_data(as_text=True))
    return response.get_json()


def deviations_service(settings) -> Service:
    from ordning_deviations.app import create_app
    from ordning_deviations.handlers import HANDLERS

    app = create_app(settings)
    platform = app.extensions["ordning"]
    board, unit = "a0000000-0000-0000-0000-00000000000c", "a0000000-0000-0000-0000-0000000000e1"
    for unit_id, kind, parent in ((board, "namnd", None), (unit, "enhet", board)):
        event = DomainEvent(type="se.ordning.org_unit.created.v1", tenant=TENANT, subject=unit_id,
                            data={"unit_id": unit_id, "kind": kind, "name": f"{kind} {unit_id[-2:]}",
                                  "parent_id": parent, "closed_at": None, "revision": 1})
        assert consumer.handle_event(platform, HANDLERS, events.serialize(events.to_cloudevent(event, "processes"))) \
            == "processed"
    roles = ["administrator", "kvalitetsutvecklare", "enhetschef", "verksamhetschef", "forvaltningschef", "mas",
             "medarbetare", "dataskyddsombud"]
    headers = {"Authorization": "Bearer " + issue_token(settings, "adam", TENANT, roles, [board])}
    client = app.test_client()

    def fresh() -> dict:
        category = _ok(client.post("/api/v1/categories", json={"name": f"Fall {uuid.uuid4().hex[:8]}"},
                                   headers=headers))["id"]
        reported = _ok(client.post("/api/v1/deviations", headers=headers,
                                   json={"kind": "lex_sarah", "unit_id": unit, "description": "Fallolycka"}))
        case = reported["id"]
        def read(path=f"/api/v1/deviations/{case}"):
            return {**headers, "If-Match": client.get(path, headers=headers).headers["ETag"]}

        for command in ("receive", "start_investigation"):
            _ok(client.post(f"/api/v1/deviations/{case}/transitions", json={"command": command}, headers=read()))
        _ok(client.put(f"/api/v1/deviations/{case}/investigation", headers=read(),
                       json={"what_happened": "Föll", "why": "Halt golv", "what_must_change": "Mattor"}))
        _ok(client.put(f"/api/v1/deviations/{case}/seriousness", json={"serious": True}, headers=read()))
        action = _ok(client.post(f"/api/v1/deviations/{case}/actions", headers=headers, json={
            "title": "Ny rutin", "owner": "adam", "due_date": "2027-01-01"}))["id"]
        _ok(client.post(f"/api/v1/deviations/{case}/actions", headers=headers, json={  # a second page of adam's
            "title": "Ny matta", "owner": "adam", "due_date": "2027-02-01"}))
        receipt = _ok(client.post(f"/api/v1/public/{TENANT}/feedback", json={
            "kind": "synpunkt", "unit_id": unit, "description": "Bra", "anonymous": True}))
        return {"deviation_id": case, "action_id": action, "category_id": category, "kind": "lex_sarah",
                "tenant": TENANT, "unit": unit, "reference": reported["reference"], "cursor": next_cursor(),
                "action_cursor": _ok(client.get("/api/v1/actions?limit=1", headers=headers))["next_cursor"],
                "receipt_reference": receipt["reference"], "secret": receipt["secret"]}

    def next_cursor() -> str:
        """The cursor of a first page of one case (a second case is reported if there is no second page)."""
        cursor = _ok(client.get("/api/v1/deviations?limit=1", headers=headers))["next_cursor"]
        if cursor is None:
            _ok(client.post("/api/v1/deviations", headers=headers,
                            json={"kind": "avvikelse", "unit_id": unit, "description": "Fallolycka"}))
            cursor = _ok(client.get("/api/v1/deviations?limit=1", headers=headers))["next_cursor"]
        return cursor

    d = "/api/v1/deviations/<deviation_id>"
    bodies = {
        ("POST", "/api/v1/public/<tenant>/feedback"): lambda v: {
            "kind": "klagomal", "unit_id": v["unit"], "description": "Maten var kall", "anonymous": False,
            "contact": {"name": "Tolva Tolvansson", "email": "tolva@example.se", "phone": "070-123 45 67"}},
        ("POST", "/api/v1/public/<tenant>/feedback/status"): lambda v: {"reference": v["receipt_reference"],
                                                                        "secret": v["secret"]},
        ("POST", "/api/v1/deviations"): lambda v: {
            "kind": "avvikelse", "unit_id": v["unit"], "description": "Fallolycka i korridoren",
            "category_id": v["category_id"], "occurred_at": "2026-01-01T10:00:00+01:00",
            "immediate_action": "Plåster"},
        ("PATCH", d): lambda v: {"category_id": v["category_id"], "unit_id": v["unit"]},
        ("POST", d + "/transitions"): lambda v: {"command": "complete_investigation"},
        ("PUT", d + "/investigation"): lambda v: {"what_happened": "Föll igen", "why": "Blankt golv",
                                                  "what_must_change": "Halkskydd"},
        ("PUT", d + "/seriousness"): lambda v: {"serious": True},
        ("PUT", d + "/ivo-report"): lambda v: {"reported_on": "2026-01-05", "reference": "IVO 3.1.1-1234/2026"},
        ("POST", d + "/actions"): lambda v: {"title": "Halkskydd", "description": "Köp in", "owner": "erik",
                                             "due_date": "2027-01-01"},
        ("PATCH", d + "/actions/<action_id>"): lambda v: {"title": "Halkskydd överallt", "description": "Alla",
                                                          "owner": "eva", "due_date": "2027-02-01"},
        ("POST", d + "/actions/<action_id>/transitions"): lambda v: {"command": "complete",
                                                                     "effect_followup": "Följs upp i maj"},
        ("POST", "/api/v1/categories"): lambda v: {"name": f"Läkemedel {uuid.uuid4().hex[:8]}",
                                                   "kinds": ["avvikelse"], "active": True},
        ("PATCH", "/api/v1/categories/<category_id>"): lambda v: {"name": f"Fall {uuid.uuid4().hex[:8]}",
                                                                  "kinds": ["avvikelse"], "active": False},
        ("PUT", "/api/v1/deadline-policies/<kind>"): lambda v: {"receipt_days": 3, "investigation_days": 20,
                                                                "ivo_report_days": 14},
        ("PUT", "/api/v1/retention-policies/<kind>"): lambda v: {"years": 7},
        ("PUT", "/api/v1/working-calendar"): lambda v: {"non_working_eves": ["julafton", "klämdag"],
                                                        "extra_days_off": ["2027-05-14"]},
        ("POST", "/dev/token"): lambda v: {"user": "anna"},
    }
    queries = {("GET", "/api/v1/deviations"): lambda v: {
        "unit_id": v["unit"], "kind": "lex_sarah", "status": "investigating",
        "reported_from": "2020-01-01T00:00:00+01:00", "reported_to": "2999-01-01T00:00:00+01:00",
        "overdue": "false", "category_id": v["category_id"], "mine": "false", "q": "fallolyckor",
        "sort": "-reported_at", "cursor": v["cursor"], "limit": "10", "offset": "0"},
        ("GET", "/api/v1/actions"): lambda v: {
            "owner": "me", "status": "planned", "cursor": v["action_cursor"], "limit": "10", "offset": "0"},
        ("GET", "/api/v1/read-log/deviations"): lambda v: {
            "entity_type": "deviation", "entity_id": v["deviation_id"], "actor": "adam", "how": "read",
            "from": "2020-01-01T00:00:00+01:00", "to": "2999-01-01T00:00:00+01:00", "limit": "10", "offset": "0"}}
    return Service(app, client, platform, headers, fresh, bodies, queries)


def processes_service(settings) -> Service:
    from ordning_processes.app import create_app

    app = create_app(settings)
    headers = {"Authorization": "Bearer " + issue_token(settings, "admin-1", TENANT, ["administrator"], [])}
    client = app.test_client()

    def fresh() -> dict:
        board = _ok(client.post("/api/v1/org-units", json={"kind": "board", "name": "Socialnämnden"},
                                headers=headers))["id"]
        administration = _ok(client.post("/api/v1/org-units", headers=headers, json={
            "kind": "administration", "name": "Socialförvaltningen", "parent_id": board}))["id"]
        unit = _ok(client.post("/api/v1/org-units", headers=headers, json={
            "kind": "unit", "name": "Hemtjänst Norr", "parent_id": administration}))["id"]
        other = _ok(client.post("/api/v1/org-units", headers=headers, json={
            "kind": "administration", "name": "Äldreförvaltningen", "parent_id": board}))["id"]
        return {"unit_id": unit, "tenant": TENANT, "board": board, "administration": administration, "other": other}

    bodies = {
        ("POST", "/api/v1/org-units"): lambda v: {"id": str(uuid.uuid4()), "kind": "unit", "name": "Hemtjänst Syd",
                                                  "parent_id": v["administration"]},
        ("PATCH", "/api/v1/org-units/<uuid:unit_id>"): lambda v: {"name": "Hemtjänst Norra"},
        ("POST", "/api/v1/org-units/<uuid:unit_id>/move"): lambda v: {"parent_id": v["other"]},
        ("POST", "/api/v1/org-units/<uuid:unit_id>/close"): lambda v: {},
        ("POST", "/dev/token"): lambda v: {"user": "anna"},
    }
    queries = {("GET", "/api/v1/org-units"): lambda v: {"include_closed": "false", "kind": "unit",
                                                         "under": v["board"]}}
    return Service(app, client, app.extensions["ordning"], headers, fresh, bodies, queries)


SERVICES = {"deviations": deviations_service, "processes": processes_service}


@pytest.fixture(params=sorted(SERVICES))
def service(request, migrated_settings):
    settings = replace(migrated_settings(request.param), public_rate_limit_per_client=UNLIMITED,
                       public_rate_limit_per_tenant=UNLIMITED)
    built = SERVICES[request.param](settings)
    yield built
    built.platform.dispose()


# --------------------------------------------------------------------------
# Routes and fields, read from the apps
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    method: str
    rule: object

    @property
    def key(self):
        return self.method, self.rule.rule

    def path(self, values: dict, **raw) -> str:
        """The URL with each path value from `values`, or as given (already URL-encoded) in `raw`."""
        parts = {name: raw.get(name, quote(str(values[name]), safe="")) for name in self.rule.arguments}
        path = self.rule.rule
        for name in self.rule.arguments:
            path = path.replace(f"<{name}>", parts[name]).replace(f"<uuid:{name}>", parts[name])
        return path


def routes(app) -> list[Route]:
    """Every route a client can call; the public ones first, since nobody needs a token to send them."""
    found = [Route(method, rule) for rule in app.url_map.iter_rules() if not rule.rule.startswith(SKIPPED_PREFIXES)
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(found, key=lambda r: ("/public/" not in r.rule.rule, r.rule.rule, r.method))


def schema_of(app, route: Route, location: str) -> Schema | None:
    view = app.view_functions[route.rule.endpoint]
    function = getattr(getattr(view, "view_class", None), route.method.lower(), view)
    for parameter in getattr(function, "_apidoc", {}).get("arguments", {}).get("parameters", []):
        if parameter.get("in") == location:
            return parameter["schema"]
    return None


def kind_of(item: fields.Field) -> str | None:
    if isinstance(item, fields.List):
        return kind_of(item.inner)
    for cls, name in ((fields.Boolean, "boolean"), (fields.Integer, "integer"), (fields.DateTime, "datetime"),
                      (fields.Date, "date"), (fields.Email, "email"), (fields.String, "text"),
                      (fields.UUID, "text")):
        if isinstance(item, cls):
            return name
    return None


def leaves(schema: Schema, body: dict, prefix=()):
    """(path, key, kind) of each field present in `body`, nested schemas included."""
    for key, value in body.items():
        item = schema.fields.get(key, fields.String())  # a route without a schema reads its body as text
        if isinstance(item, fields.Nested) and isinstance(value, dict):
            yield from leaves(item.schema, value, prefix + (key,))
        elif kind_of(item):
            yield prefix + (key,), key, kind_of(item)


def replaced(body: dict, path: tuple, value, as_list: bool):
    copy = json.loads(json.dumps(body))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = [value] if as_list else value
    return copy


def dumped(body) -> str:
    return json.dumps(body).replace(json.dumps(RAW), "{raw}")


# --------------------------------------------------------------------------
# Hostile values
# --------------------------------------------------------------------------

def hostile_values(key: str, kind: str, valid) -> list[tuple[str, object]]:
    """(label, value) of each class of input that once made a 500; RAW marks raw JSON."""
    sample = valid[0] if isinstance(valid, list) else valid
    text = str(sample)
    values = {
        "text": [("NUL", text + "\x00"), ("lone surrogate", text + "\ud800")],
        "email": [("NUL", text + "\x00"), ("lone surrogate", text + "\ud800")],
        "boolean": [('"yes"', "yes"), ('"true"', "true"), ("1", 1)],
        "integer": [("5,000 digits", (RAW, HUGE_INTEGER))],
        "datetime": [(f"edge {d}", d) for d in EDGE_DATETIMES],
        "date": [(f"edge {d}", d) for d in EDGE_DATES],
    }[kind]
    if key in NAME_KEYS and kind == "text":
        values += [("zero-width only", "\u200b\u200c\u200d"), ("bidi override", "\u202e" + text)]
    return values


def body_requests(schema: Schema, body: dict) -> list[tuple[str, str]]:
    """(label, raw JSON text) of the hostile bodies built from one valid body."""
    out = []
    for path, key, kind in leaves(schema, body):
        valid = body
        for part in path:
            valid = valid[part]
        for label, value in hostile_values(key, kind, valid):
            raw = None
            if isinstance(value, tuple) and value[0] == RAW:
                raw, value = value[1], RAW
            text = json.dumps(replaced(body, path, value, isinstance(valid, list)))
            if raw is not None:
                text = text.replace(json.dumps(RAW), raw)
            out.append((f"{'.'.join(path)}: {label}", text))
    out.append(("10,000-deep JSON", DEEP))
    first = next(iter(body), None)
    if first is not None:
        out.append((f"10,000-deep JSON in {first}",
                    json.dumps(replaced(body, (first,), RAW, False)).replace(json.dumps(RAW), DEEP)))
        # the later key wins in a lenient parser: the valid value goes last, so only a refusal fails it
        out.append((f"duplicate key {first}", "{" + json.dumps(first) + ': "x", ' + json.dumps(body)[1:]))
    else:
        out.append(("duplicate key", '{"x": 1, "x": 2}'))
    return out


def encoded(value: str) -> str:
    return quote(value, safe="", errors="surrogatepass")


def query_requests(schema: Schema, query: dict) -> list[tuple[str, str]]:
    out = []
    by_key = {field.data_key or name: field for name, field in schema.fields.items()}
    for key, valid in query.items():
        kind = kind_of(by_key[key])
        values = [("5,000 digits", HUGE_INTEGER)] if kind == "integer" else [
            (label, value) for label, value in hostile_values(key, kind, valid)]
        if kind == "boolean":
            values = [('"yes"', "yes"), ("1", "1")]
        for label, value in values:
            out.append((f"?{key}: {label}", urlencode({**query, key: value}, quote_via=lambda s, *a: encoded(s))))
    return out


PATH_GARBAGE = (("NUL", "%00"), ("lone surrogate (as UTF-8 bytes)", "%ED%A0%80"), ("bidi override", "%E2%80%AE"))


def current_etag(service: Service, route: Route, path: str) -> str | None:
    """The ETag an editor would have read: of the resource the path names, or of the nearest one above it
    (a case for its transitions, an action for its own). If-Match: * is refused, so each update sends it."""
    if route.method == "GET":
        return None
    parts = path.rstrip("/").split("/")
    while len(parts) > 3:
        response = service.client.get("/".join(parts), headers=service.headers)
        if response.status_code == 200 and response.headers.get("ETag"):
            return response.headers["ETag"]
        parts = parts[:-1]
    return None


def send(service: Service, route: Route, path: str, body: str | None = None, query: str = "",
         if_match: str | None = None):
    url = path + (f"?{query}" if query else "")
    headers = {**service.headers, **({"If-Match": if_match} if if_match else {})}
    if body is None:
        return service.client.open(url, method=route.method, headers=headers)
    return service.client.open(url, method=route.method, headers=headers, data=body,
                               content_type="application/json")


# --------------------------------------------------------------------------
# 1. No input makes a 5xx, and a refused request changes nothing
# --------------------------------------------------------------------------

def test_no_hostile_input_makes_a_5xx_or_changes_a_row(service):
    tried, failures = 0, []
    for route in routes(service.app):
        body_schema = schema_of(service.app, route, "json")
        query_schema = schema_of(service.app, route, "query")
        if body_schema is not None or route.method in {"POST", "PUT", "PATCH"}:
            assert route.key in service.bodies, f"write a valid body for {route.key} in this test"
        if query_schema is not None:
            assert route.key in service.queries, f"write a valid query for {route.key} in this test"
        values = service.fresh() if route.rule.arguments or route.key in service.bodies or query_schema else {}
        body = service.bodies[route.key](values) if route.key in service.bodies else None
        query = service.queries[route.key](values) if route.key in service.queries else {}
        valid_query = urlencode(query)
        attempts = [(f"{arg}: {label}", route.path(values, **{arg: encoded_value(values[arg], raw)}), None,
                     valid_query) for arg in sorted(route.rule.arguments) for label, raw in PATH_GARBAGE]
        if body is not None:
            attempts += [(label, route.path(values), text, valid_query)
                         for label, text in body_requests(body_schema or Schema.from_dict({})(), body)]
        if query_schema is not None:
            attempts += [(label, route.path(values), None if body is None else json.dumps(body), text)
                         for label, text in query_requests(query_schema, query)]
        if_match = current_etag(service, route, route.path(values))  # read before counting: a read may be logged
        for label, path, text, query_text in attempts:
            before = service.counts()
            response = send(service, route, path, text, query_text, if_match)
            tried += 1
            problem = (response.status_code, response.content_type, label)
            if not (400 <= response.status_code < 500 and response.content_type == PROBLEM):
                failures.append((route.key, label, response.status_code, response.get_data(as_text=True)[:200]))
            elif service.counts() != before:
                failures.append((route.key, label, "changed rows", problem))
        if attempts:  # the same request, valid, is accepted: the refusals above were the hostile values'
            response = send(service, route, route.path(values), None if body is None else json.dumps(body),
                            valid_query, if_match)
            if response.status_code >= 300:
                failures.append((route.key, "the valid request", response.status_code, response.get_json()))
    assert tried > 50
    assert not failures, "\n".join(map(str, failures))


def encoded_value(valid: str, garbage: str) -> str:
    return quote(str(valid), safe="") + garbage


# --------------------------------------------------------------------------
# 2. Personal data never reaches a log
# --------------------------------------------------------------------------

class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record):
        parts = [str(record.msg), repr(record.args), record.exc_text or "", record.stack_info or ""]
        try:
            parts.append(record.getMessage())
        except Exception:  # a bad format string still leaves msg and args above
            pass
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        self.texts.append("\n".join(parts))


def planted(kind: str, valid) -> list:
    marker = EMAIL if kind == "email" else PERSONNUMMER
    values = [marker, marker + "\x00", marker + "\ud800"]
    return [[v] for v in values] if isinstance(valid, list) else values


def test_planted_personal_data_never_reaches_a_log(service, caplog):
    capture = Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    previous = root.level
    root.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    statuses = []
    try:
        for route in routes(service.app):
            body_schema = schema_of(service.app, route, "json")
            query_schema = schema_of(service.app, route, "query")
            if not (route.rule.arguments or body_schema or query_schema or route.key in service.bodies):
                continue
            values = service.fresh()
            body = service.bodies[route.key](values) if route.key in service.bodies else None
            query = service.queries[route.key](values) if route.key in service.queries else {}
            requests = []
            for arg in sorted(route.rule.arguments):
                for raw in ("", "%00", "%ED%A0%80"):
                    requests.append((route.path(values, **{arg: encoded(PERSONNUMMER) + raw}), body, query))
            if body is not None:
                for path, _key, kind in leaves(body_schema or Schema.from_dict({})(), body):
                    valid = body
                    for part in path:
                        valid = valid[part]
                    for value in planted(kind, valid):
                        requests.append((route.path(values), replaced(body, path, value, False), query))
            for key in query:
                for value in planted("text", query[key]):
                    requests.append((route.path(values), body, {**query, key: value}))
            if_match = current_etag(service, route, route.path(values))
            for path, request_body, request_query in requests:
                query_text = urlencode(request_query, quote_via=lambda s, *a: encoded(s))
                response = send(service, route, path, None if request_body is None else json.dumps(request_body),
                                query_text, if_match)
                statuses.append((route.key, response.status_code))
    finally:
        root.removeHandler(capture)
        root.setLevel(previous)
    texts = capture.texts + [record.getMessage() + (record.exc_text or "") for record in caplog.records]
    leaked = [text[:300] for text in texts if PERSONNUMMER in text or EMAIL in text]
    assert len(statuses) > 30
    assert not leaked, f"{len(leaked)} log records hold the planted personal data, e.g. {leaked[:3]}"
    assert not [s for s in statuses if s[1] >= 500], [s for s in statuses if s[1] >= 500]
