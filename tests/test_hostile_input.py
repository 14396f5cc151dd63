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
from ordning_shared.testing import issue_token, process_event_body
from ordning_shared.workdays import today_in_sweden

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
PROCESS_STEP = "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"  # a step of an established process of TENANT


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
    probes: int = 50  # at least this many hostile requests (fewer for a service of few routes and fields)
    route_headers: dict = field(default_factory=dict)  # (method, rule) -> the headers of another caller

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
    provider = "a0000000-0000-0000-0000-0000000000e7"  # an external provider (utförare i privat regi)
    for unit_id, kind, parent in ((board, "namnd", None), (unit, "enhet", board), (provider, "enhet", board)):
        event = DomainEvent(type="se.ordning.org_unit.created.v1", tenant=TENANT, subject=unit_id,
                            data={"unit_id": unit_id, "kind": kind, "name": f"{kind} {unit_id[-2:]}",
                                  "parent_id": parent, "closed_at": None, "revision": 1,
                                  "external_provider": unit_id == provider})
        assert consumer.handle_event(platform, HANDLERS, events.serialize(events.to_cloudevent(event, "processes"))) \
            == "processed"
    # the process step the valid requests name, known as the processes service's established event makes it
    assert consumer.handle_event(platform, HANDLERS, process_event_body(
        TENANT, "0e1d2c3b-4a59-4687-9766-554433221100", board, [PROCESS_STEP])) == "processed"
    roles = ["administrator", "kvalitetsutvecklare", "enhetschef", "verksamhetschef", "forvaltningschef", "mas",
             "medarbetare", "dataskyddsombud"]
    headers = {"Authorization": "Bearer " + issue_token(settings, "adam", TENANT, roles, [board])}
    # the case is reported by another: its reporter may not decide it (jäv, issue 14), and adam decides below
    reporter = {"Authorization": "Bearer " + issue_token(settings, "rita", TENANT, roles, [board])}
    client = app.test_client()

    def fresh() -> dict:
        category = _ok(client.post("/api/v1/categories", json={"name": f"Fall {uuid.uuid4().hex[:8]}"},
                                   headers=headers))["id"]
        reported = _ok(client.post("/api/v1/deviations", headers=reporter,
                                   json={"kind": "lex_sarah", "unit_id": unit, "description": "Fallolycka"}))
        case = reported["id"]
        def read(path=f"/api/v1/deviations/{case}"):
            return {**headers, "If-Match": client.get(path, headers=headers).headers["ETag"]}

        for command in ("receive", "start_investigation"):
            _ok(client.post(f"/api/v1/deviations/{case}/transitions", json={"command": command}, headers=read()))
        _ok(client.put(f"/api/v1/deviations/{case}/investigation", headers=read(),
                       json={"what_happened": "Föll", "why": "Halt golv", "what_must_change": "Mattor"}))
        _ok(client.put(f"/api/v1/deviations/{case}/seriousness", json={"serious": True}, headers=read()))
        today = today_in_sweden().isoformat()
        _ok(client.put(f"/api/v1/deviations/{case}/ivo-report", json={"reported_on": today, "reference": "3.1.1-1"},
                       headers=read()))
        supplement = _ok(client.post(f"/api/v1/deviations/{case}/ivo-supplements", headers=read(), json={
            "requested_on": today, "request": "Komplettera"}))["ivo_supplements"][0]["id"]
        # an external provider's lex Maria case, decided serious and its provider's report recorded
        provider_case = _ok(client.post("/api/v1/deviations", headers=reporter, json={
            "kind": "lex_maria", "unit_id": provider, "description": "Fel dos"}))["id"]
        for command in ("receive", "start_investigation"):
            _ok(client.post(f"/api/v1/deviations/{provider_case}/transitions", json={"command": command},
                            headers=read(f"/api/v1/deviations/{provider_case}")))
        _ok(client.put(f"/api/v1/deviations/{provider_case}/seriousness", json={"serious": True},
                       headers=read(f"/api/v1/deviations/{provider_case}")))
        _ok(client.put(f"/api/v1/deviations/{provider_case}/provider-report", json={"reported_on": today},
                       headers=read(f"/api/v1/deviations/{provider_case}")))
        action = _ok(client.post(f"/api/v1/deviations/{case}/actions", headers=headers, json={
            "title": "Ny rutin", "owner": "adam", "due_date": "2027-01-01"}))["id"]
        _ok(client.post(f"/api/v1/deviations/{case}/actions", headers=headers, json={  # a second page of adam's
            "title": "Ny matta", "owner": "adam", "due_date": "2027-02-01"}))
        receipt = _ok(client.post(f"/api/v1/public/{TENANT}/feedback", json={
            "kind": "synpunkt", "unit_id": unit, "description": "Bra", "anonymous": True}))
        # the classification's lists (issue 14): a händelsetyp and a place of the tenant's own
        code = _ok(client.post("/api/v1/event-types", json={"label": f"Trycksår {uuid.uuid4().hex[:8]}"},
                               headers=headers))["code"]
        place = _ok(client.post("/api/v1/places", json={"unit_id": unit, "name": f"Matsalen {uuid.uuid4().hex[:8]}"},
                                headers=headers))["id"]
        return {"deviation_id": case, "action_id": action, "category_id": category, "kind": "lex_sarah",
                "tenant": TENANT, "unit": unit, "board": board, "reference": reported["reference"],
                "cursor": next_cursor(),
                "action_cursor": _ok(client.get("/api/v1/actions?limit=1", headers=headers))["next_cursor"],
                "receipt_reference": receipt["reference"], "secret": receipt["secret"], "code": code,
                "place_id": place, "supplement_id": supplement, "provider_case": provider_case,
                "list_name": "contact_channels"}

    def next_cursor() -> str:
        """The cursor of a first page of one case (a second case is reported if there is no second page)."""
        cursor = _ok(client.get("/api/v1/deviations?limit=1", headers=headers))["next_cursor"]
        if cursor is None:
            _ok(client.post("/api/v1/deviations", headers=headers,
                            json={"kind": "avvikelse", "unit_id": unit, "description": "Fallolycka"}))
            cursor = _ok(client.get("/api/v1/deviations?limit=1", headers=headers))["next_cursor"]
        return cursor

    def duplicate_of(v: dict) -> dict:
        """The fresh case has open actions, which keep it from closing as a duplicate: the route is tried on a case of
        its own (reported now, lex Sarah as its master), closed into the fresh one."""
        v["deviation_id"] = _ok(client.post("/api/v1/deviations", headers=headers, json={
            "kind": "lex_sarah", "unit_id": unit, "description": "Samma fallolycka"}))["id"]
        return {"master": v["reference"]}

    def on_a_complaint(body: dict):
        """The complaint's routes are tried on a klagomål of their own (the fresh case is of another kind)."""
        def valid(v: dict) -> dict:
            v["deviation_id"] = _ok(client.post("/api/v1/deviations", headers=headers, json={
                "kind": "klagomal", "unit_id": unit, "description": "Maten var kall"}))["id"]
            return body
        return valid

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
            "immediate_action": "Plåster", "process_step_id": PROCESS_STEP, "involved_unit_id": v["board"]},
        ("PATCH", d): lambda v: {"category_id": v["category_id"], "unit_id": v["unit"],
                                 "process_step_id": PROCESS_STEP, "involved_unit_id": v["board"]},
        ("POST", d + "/transitions"): lambda v: {"command": "complete_investigation"},
        ("PUT", d + "/investigation"): lambda v: {"what_happened": "Föll igen", "why": "Blankt golv",
                                                  "what_must_change": "Halkskydd"},
        ("PUT", d + "/seriousness"): lambda v: {"serious": True},
        ("PUT", d + "/answer"): on_a_complaint({"answered_on": today_in_sweden().isoformat(), "channel": "phone"}),
        ("PUT", d + "/complainant"): on_a_complaint({"relation": "narstaende", "channel": "phone",
                                                     "name": "Tolva Tolvansson", "phone": "070-123 45 67"}),
        ("PUT", d + "/reporter-feedback"): lambda v: {"text": "Rutinen för nattens tillsyn är ändrad."},
        ("PUT", d + "/ivo-report"): lambda v: {"reported_on": today_in_sweden().isoformat(),
                                               "reference": "IVO 3.1.1-1234/2026"},
        ("POST", d + "/ivo-supplements"): lambda v: {"requested_on": today_in_sweden().isoformat(), "request": "Mer",
                                                     "due_on": "2099-01-01"},
        ("PUT", d + "/ivo-supplements/<supplement_id>"): lambda v: {"answered_on": today_in_sweden().isoformat()},
        ("PUT", d + "/ivo-decision"): lambda v: {"decided_on": today_in_sweden().isoformat(), "outcome": "criticism",
                                                 "reference": "3.1.1-1-2"},
        # the provider's steps and the händelseanalys act on the provider's lex Maria case (the path's case)
        ("PUT", d + "/event-analysis"): lambda v: v.update(deviation_id=v["provider_case"]) or {
            "method": "handelseanalys", "participants": [{"role": "ssk", "name": "Sara"}],
            "root_causes": [{"category": "routines", "text": "Ingen rutin", "action_ids": []}],
            "completed_on": today_in_sweden().isoformat()},
        ("PUT", d + "/provider-report"): lambda v: v.update(deviation_id=v["provider_case"]) or {
            "reported_on": today_in_sweden().isoformat(), "reference": "3.1.1-9"},
        ("PUT", d + "/provider-follow-up"): lambda v: v.update(deviation_id=v["provider_case"]) or {
            "followed_up_on": today_in_sweden().isoformat(), "assessment": "Räcker", "outcome": "sufficient"},
        # issue 14: reclassify, the informing, the involved staff (not adam, who probes), the delegation
        # (on a klagomål of its own: the fresh lex case is reported to IVO, which no reclassification undoes)
        ("POST", d + "/reclassify"): on_a_complaint({"kind": "lex_maria", "reason_code": "other", "note": "Fel lag"}),
        ("PUT", d + "/informing"): lambda v: {"informed_on": today_in_sweden().isoformat(), "method": "phone",
                                              "recipient": "narstaende", "informed_by": "erik",
                                              "view": "Vill bli kontaktad"},
        ("PUT", d + "/involved-staff"): lambda v: {"user_ids": ["olle", "per"]},
        ("PUT", "/api/v1/lex-policies/<kind>"): lambda v: {"decider_roles": ["forvaltningschef"],
                                                           "decider_level": "administration",
                                                           "delegation_reference": "Delegationsordning p. 4.2",
                                                           "informing_required": True},
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
        ("PUT", "/api/v1/case-settings"): lambda v: {"answer_promised": True, "answer_promise_days": 10,
                                                     "hide_reporter_names": False},
        ("PUT", "/api/v1/working-calendar"): lambda v: {"non_working_eves": ["julafton", "klämdag"],
                                                        "extra_days_off": ["2027-05-14"]},
        ("POST", "/dev/token"): lambda v: {"user": "anna"},
        ("PATCH", d + "/classification"): lambda v: {"event_type": v["code"], "consequence_score": 2,
                                                     "matrix_version": 1, "place_id": v["place_id"]},
        ("POST", "/api/v1/event-types"): lambda v: {"label": f"Fall ute {uuid.uuid4().hex[:8]}",
                                                    "code": f"fall_ute_{uuid.uuid4().hex[:8]}"},
        ("PATCH", "/api/v1/event-types/<code>"): lambda v: {"label": f"Trycksår {uuid.uuid4().hex[:8]}",
                                                            "retired": False},
        ("POST", "/api/v1/places"): lambda v: {"unit_id": v["unit"], "name": f"Avdelning {uuid.uuid4().hex[:8]}"},
        ("PATCH", "/api/v1/places/<place_id>"): lambda v: {"name": f"Hallen {uuid.uuid4().hex[:8]}",
                                                           "retired": False},
        ("PUT", "/api/v1/code-lists/<list_name>"): lambda v: {"entries": [
            *({"code": c, "label_sv": c.replace("_", " ")} for c in ("phone", "visit", "letter", "email", "e_service",
                                                                    "meeting", "other")),
            {"code": "sms", "label_sv": "sms", "active": False}]},
        ("PUT", d + "/investigator"): lambda v: {"investigator_id": "erik"},
        ("PUT", d + "/duplicate-of"): duplicate_of,
    }
    queries = {("GET", "/api/v1/deviations"): lambda v: {
        "unit_id": v["unit"], "kind": "lex_sarah", "status": "investigating",
        "reported_from": "2020-01-01T00:00:00+01:00", "reported_to": "2999-01-01T00:00:00+01:00",
        "overdue": "false", "category_id": v["category_id"], "mine": "false", "q": "fallolyckor",
        "sort": "-reported_at", "cursor": v["cursor"], "limit": "10", "offset": "0", "view": "summary",
        "investigator": "me", "involved_unit_id": v["board"]},
        ("GET", "/api/v1/actions"): lambda v: {
            "owner": "me", "status": "planned", "cursor": v["action_cursor"], "limit": "10", "offset": "0"},
        ("GET", "/api/v1/read-log/deviations"): lambda v: {
            "entity_type": "deviation", "entity_id": v["deviation_id"], "actor": "adam", "how": "read",
            "from": "2020-01-01T00:00:00+01:00", "to": "2999-01-01T00:00:00+01:00", "limit": "10", "offset": "0"},
        ("GET", "/api/v1/deviations/reported-by-me"): lambda v: {"limit": "5", "offset": "0"},
        ("GET", d + "/complainant"): on_a_complaint({}),
        ("GET", "/api/v1/event-types"): lambda v: {"include_retired": "true"},
        ("GET", "/api/v1/places"): lambda v: {"unit_id": v["unit"], "include_retired": "true"}}
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
        process = _ok(client.post("/api/v1/processes", headers=headers, json={
            "unit_id": administration, "kind": "huvudprocess", "name": "Myndighetsutövning",
            "steps": [{"name": "Utreda", "roles": ["enhetschef"]}, {"name": "Besluta"}]}))
        goal = _ok(client.post("/api/v1/quality-goals", headers=headers, json={
            "unit_id": unit, "title": "Avvikelser utreds skyndsamt", "period_start": "2026-01-01",
            "period_end": "2026-12-31"}))["id"]
        indicator = _ok(client.post(f"/api/v1/quality-goals/{goal}/indicators", headers=headers, json={
            "name": "Andel utredda inom 14 dagar", "unit_of_measure": "percent", "direction": "higher_is_better",
            "target": 90, "frequency": "monthly"}))["id"]
        assignment = _ok(client.post("/api/v1/role-assignments", headers=headers, json={
            "role": "enhetschef", "unit_id": unit, "user_id": "demo-erik", "display_name": "Erik Enhetschef",
            "valid_from": "2026-01-01"}))["id"]
        return {"unit_id": unit, "tenant": TENANT, "board": board, "administration": administration, "other": other,
                "assignment_id": assignment, "role": "enhetschef", "phase": "planera",
                "process_id": process["id"], "code": "systematiskt_kvalitetsarbete",
                "step_ids": [step["id"] for step in process["draft"]["steps"]], "goal_id": goal, "indicator_id": indicator,
                **documents(unit, administration)}

    author = {"Authorization": "Bearer " + issue_token(settings, "chef-1", TENANT, ["kvalitetsutvecklare"], [])}

    def documents(unit: str, administration: str) -> dict:
        """Governing documents in each state a route needs, written by another user than the one who decides:
        a draft (the default path values), one up for approval, one established with nothing in the works."""
        def create(title: str) -> tuple[str, str]:
            created = client.post("/api/v1/documents", headers=author, json={
                "kind": "rutin", "owner_unit_id": unit, "title": title, "body": "## Syfte\n\nText.",
                "unit_ids": [administration]})
            return _ok(created)["id"], created.headers["ETag"]

        def act(document: str, command: str, etag: str, headers: dict, body=None) -> str:
            return client.post(f"/api/v1/documents/{document}/versions/1/{command}", json=body or {},
                               headers={**headers, "If-Match": etag}).headers["ETag"]

        draft, _ = create("Rutin för avvikelsehantering")
        for_approval, etag = create("Rutin för lex Sarah")
        act(for_approval, "submit", etag, author)
        established, etag = create("Checklista för introduktion")
        act(established, "establish", act(established, "submit", etag, author), headers,
            {"decision_reference": "SN 2026/1", "review_date": "2099-01-01"})
        return {"document_id": draft, "number": 1, "draft": draft, "for_approval": for_approval,
                "established": established,
                "document_cursor": _ok(client.get("/api/v1/documents?limit=1", headers=headers))["next_cursor"]}

    def on(state: str, body):
        """The body of a route that needs a document in `state`: it points the path values at that one."""
        def prepare(v: dict) -> dict:
            v["document_id"] = v[state]
            return body(v) if callable(body) else body
        return prepare

    def established(values) -> dict:
        """A revision starts from an established version: the fresh process's draft is established first."""
        path = f"/api/v1/processes/{values['process_id']}"
        _ok(client.post(f"{path}/establish", json={}, headers={
            **headers, "If-Match": client.get(path, headers=headers).headers["ETag"]}))
        return {}

    p = "/api/v1/processes/<uuid:process_id>"
    bodies = {
        ("POST", "/api/v1/processes"): lambda v: {
            "unit_id": v["unit_id"], "kind": "stodprocess", "name": "Systematiskt kvalitetsarbete",
            "parent_id": v["process_id"], "purpose": "Att förbättra", "owner_role": "processagare",
            "owner_user_id": "anna", "steps": [{"name": "Planera", "description": "Planera året",
                                                "roles": ["kvalitetsutvecklare"], "inputs": ["Mål"],
                                                "outputs": ["Plan"],
                                                "samverkan": [{"actor": "region", "note": "SIP"}]}]},
        ("PATCH", p + "/draft"): lambda v: {
            "name": "Myndighetsutövning, reviderad", "kind": "ledningsprocess", "unit_id": v["unit_id"],
            "parent_id": None, "purpose": "Rätt insats", "owner_role": "processledare", "owner_user_id": "eva",
            "steps": [{"id": v["step_ids"][0], "name": "Utreda", "roles": ["enhetschef"], "inputs": ["Ansökan"],
                       "outputs": ["Utredning"], "samverkan": [{"actor": "other", "note": "Skolan"}]},
                      {"name": "Följa upp"}]},
        ("PUT", p + "/draft/step-order"): lambda v: {"step_ids": list(reversed(v["step_ids"]))},
        ("POST", p + "/establish"): lambda v: {"established_on": "2026-03-02", "decision_reference": "SN § 4"},
        ("POST", p + "/revisions"): established,
        ("POST", "/api/v1/process-templates/<code>/copy"): lambda v: {"unit_id": v["administration"]},
        ("POST", "/api/v1/org-units"): lambda v: {"id": str(uuid.uuid4()), "kind": "unit", "name": "Hemtjänst Syd",
                                                  "parent_id": v["administration"]},
        ("PATCH", "/api/v1/org-units/<uuid:unit_id>"): lambda v: {"name": "Hemtjänst Norra"},
        ("POST", "/api/v1/org-units/<uuid:unit_id>/move"): lambda v: {"parent_id": v["other"]},
        ("POST", "/api/v1/org-units/<uuid:unit_id>/close"): lambda v: {},
        ("PUT", "/api/v1/org-units/<uuid:unit_id>/external-provider"): lambda v: {"external_provider": True},
        ("POST", "/dev/token"): lambda v: {"user": "anna"},
        ("POST", "/api/v1/documents"): lambda v: {
            "kind": "checklista", "owner_unit_id": v["unit_id"], "title": "Checklista vid fall",
            "body": "1. Hjälp\n2. Rapportera", "unit_ids": [v["administration"]],
            "step_ids": [v["step_ids"][0]]},
        ("PUT", "/api/v1/documents/settings"): lambda v: {"self_approval_allowed": False},
        ("POST", "/api/v1/documents/<uuid:document_id>/versions"): on("established", {}),
        ("PATCH", "/api/v1/documents/<uuid:document_id>/versions/<int:number>"): on("draft", lambda v: {
            "title": "Rutin vid avvikelser", "body": "## Syfte\n\nNy text.", "unit_ids": [v["administration"]],
            "step_ids": [v["step_ids"][0]]}),
        ("POST", "/api/v1/documents/<uuid:document_id>/versions/<int:number>/submit"): on("draft", {}),
        ("POST", "/api/v1/documents/<uuid:document_id>/versions/<int:number>/establish"): on("for_approval", {
            "decision_reference": "SN 2026/123 § 45", "review_date": "2099-06-30"}),
        ("POST", "/api/v1/documents/<uuid:document_id>/versions/<int:number>/reject"): on("for_approval", {
            "reason": "Lägg till vem som informerar MAS."}),
        ("POST", "/api/v1/documents/<uuid:document_id>/versions/<int:number>/review-date"): on("established", {
            "review_date": "2099-12-31"}),
        ("POST", "/api/v1/role-assignments"): lambda v: {
            "role": "mas", "unit_id": v["administration"], "user_id": "demo-maria", "display_name": "Maria MAS",
            "valid_from": "2026-01-01", "valid_to": "2026-12-31"},
        ("POST", "/api/v1/role-assignments/<uuid:assignment_id>/end"): lambda v: {},
        ("PUT", "/api/v1/role-duties/<role>/<phase>"): lambda v: {"duties": ["Deltar i riskanalyser."]},
        ("POST", "/api/v1/quality-goals"): lambda v: {
            "unit_id": v["unit_id"], "title": "Brukarnöjdhet i hemtjänsten", "description": "Enkät varje år.",
            "period_start": "2026-01-01", "period_end": "2026-12-31"},
        ("PATCH", "/api/v1/quality-goals/<uuid:goal_id>"): lambda v: {"title": "Nöjda brukare", "description": "Ny"},
        ("POST", "/api/v1/quality-goals/<uuid:goal_id>/close"): lambda v: {},
        ("POST", "/api/v1/quality-goals/<uuid:goal_id>/indicators"): lambda v: {
            "name": "Andel nöjda brukare", "unit_of_measure": "percent", "direction": "higher_is_better",
            "target": "90,5", "threshold": 80, "target_max": None, "source": "U21468", "frequency": "yearly"},
        ("POST", "/api/v1/quality-goals/<uuid:goal_id>/indicators/<uuid:indicator_id>/measurements"): lambda v: {
            "period": "2026-03", "value": "92,5", "note": "Två sena utredningar."},
        ("POST", "/api/v1/quality-goals/<uuid:goal_id>/indicators/<uuid:indicator_id>/measurements/import"):
            lambda v: {"csv": "period;value;note\n2026-01;92,5;ok\n2026-02;88;"},
    }
    queries = {("GET", "/api/v1/org-units"): lambda v: {"include_closed": "false", "kind": "unit",
                                                         "under": v["board"]},
               ("GET", "/api/v1/documents"): lambda v: {
                   "kind": "rutin", "unit": v["unit_id"], "status": "established", "q": "Rutin", "sort": "title",
                   "cursor": v["document_cursor"], "limit": "10"},
               ("GET", "/api/v1/role-assignments"): lambda v: {
                   "unit_id": v["unit_id"], "role": "enhetschef", "user": "demo-erik", "current": "true"},
               ("GET", "/api/v1/role-duties"): lambda v: {"role": "enhetschef", "phase": "planera"},
               ("GET", "/api/v1/processes"): lambda v: {"unit_id": v["board"], "kind": "huvudprocess"},
               ("GET", "/api/v1/quality-goals"): lambda v: {
                   "unit_id": v["unit_id"], "under": v["board"], "from": "2026-01-01", "to": "2026-12-31",
                   "include_closed": "false"},
               ("GET", "/api/v1/quality-goals/<uuid:goal_id>/attainment"): lambda v: {
                   "from": "2026-01-01", "to": "2026-12-31"}}
    return Service(app, client, app.extensions["ordning"], headers, fresh, bodies, queries)


def risks_service(settings) -> Service:
    from ordning_risks.app import create_app
    from ordning_risks.handlers import HANDLERS

    app = create_app(settings)
    platform = app.extensions["ordning"]
    board, administration, unit = ("c0000000-0000-0000-0000-00000000000c", "c0000000-0000-0000-0000-00000000000f",
                                   "c0000000-0000-0000-0000-0000000000e1")
    for unit_id, kind, parent in ((board, "board", None), (administration, "administration", board),
                                  (unit, "unit", administration)):
        event = DomainEvent(type="se.ordning.org_unit.created.v1", tenant=TENANT, subject=unit_id,
                            data={"unit_id": unit_id, "kind": kind, "name": f"{kind} {unit_id[-2:]}",
                                  "parent_id": parent, "closed_at": None, "revision": 1})
        assert consumer.handle_event(platform, HANDLERS, events.serialize(events.to_cloudevent(event, "processes"))) \
            == "processed"
    roles = ["administrator", "enhetschef", "forvaltningschef", "medarbetare"]
    headers = {"Authorization": "Bearer " + issue_token(settings, "adam", TENANT, roles, [board])}
    client = app.test_client()
    a = "/api/v1/risk-analyses"

    def fresh() -> dict:
        analysis = _ok(client.post(a, headers=headers, json={
            "title": "Sommar", "scope_type": "unit", "scope_id": unit, "trigger": "yearly",
            "analysis_date": "2026-05-12"}))["id"]
        etag = client.get(f"{a}/{analysis}", headers=headers).headers["ETag"]
        _ok(client.post(f"{a}/{analysis}/transitions", json={"command": "start"},
                        headers={**headers, "If-Match": etag}))
        risk = _ok(client.post(f"{a}/{analysis}/risks", headers=headers, json={"description": "Fel dos"}))["id"]
        _ok(client.post(f"{a}/{analysis}/risks/{risk}/scorings", headers=headers,
                        json={"probability": 2, "consequence": 3, "kind": "initial"}))
        action = _ok(client.post(f"{a}/{analysis}/risks/{risk}/actions", headers=headers, json={
            "title": "Introduktion", "owner": "adam", "due_date": "2027-01-01"}))["id"]
        _ok(client.post(f"{a}/{analysis}/risks/{risk}/actions", headers=headers, json={  # Mina åtgärder's 2nd page
            "title": "Uppföljning", "owner": "adam", "due_date": "2027-02-01"}))
        action_cursor = _ok(client.get("/api/v1/risk-actions?limit=1", headers=headers))["next_cursor"]
        # a second risk, escalated: its escalation awaits an answer (the first risk stays free to escalate)
        other = _ok(client.post(f"{a}/{analysis}/risks", headers=headers, json={"description": "Ingen tid"}))["id"]
        _ok(client.post(f"{a}/{analysis}/risks/{other}/scorings", headers=headers,
                        json={"probability": 3, "consequence": 3, "kind": "initial"}))
        escalated = _ok(client.post(f"{a}/{analysis}/risks/{other}/escalations", headers=headers, json={
            "to_unit_id": administration, "reason": "Bemanning"}))
        cursor = _ok(client.get(f"{a}?limit=1", headers=headers))["next_cursor"]
        if cursor is None:  # the first call: a second analysis makes a second page
            _ok(client.post(a, headers=headers, json={"title": "Vinter", "scope_type": "unit", "scope_id": unit,
                                                      "trigger": "yearly", "analysis_date": "2026-01-12"}))
            cursor = _ok(client.get(f"{a}?limit=1", headers=headers))["next_cursor"]
        # two serious lex Sarah cases, each a risk proposal for the unit: one to decide, and a second page
        cases = [str(uuid.uuid4()), str(uuid.uuid4())]
        for case in cases:
            decided = DomainEvent(type="se.ordning.deviation.seriousness_decided.v1", tenant=TENANT, subject=case,
                                  sequence=5, data={"deviation_id": case, "kind": "lex_sarah", "unit_id": unit,
                                                    "category_id": None, "status": "investigating", "serious": True,
                                                    "revised": False, "decided_at": "2026-05-18T08:00:00+00:00",
                                                    "version": 5})
            assert consumer.handle_event(platform, HANDLERS, events.serialize(
                events.to_cloudevent(decided, "deviations"))) == "processed"
        proposals = _ok(client.get(f"/api/v1/risk-proposals?limit=1&deviation_id={cases[0]}", headers=headers))
        proposal_cursor = _ok(client.get("/api/v1/risk-proposals?limit=1", headers=headers))["next_cursor"]
        return {"analysis_id": analysis, "risk_id": risk, "action_id": action, "version": "1", "cursor": cursor,
                "escalation_id": escalated["escalations"][0]["id"], "unit": unit, "administration": administration,
                "proposal_id": proposals["items"][0]["id"], "deviation_id": cases[1],
                "proposal_cursor": proposal_cursor,
                "action_cursor": action_cursor}

    matrix = {
        "probability_steps": [{"value": i, "label": f"P{i}", "description": "Beskrivning"} for i in (1, 2, 3)],
        "consequence_steps": [{"value": i, "label": f"K{i}", "description": "Beskrivning"} for i in (1, 2, 3)],
        "levels": [{"code": "lag", "label": "Låg", "colour": "#00aa00"},
                   {"code": "hog", "label": "Hög", "colour": "#cc0000"}],
        "cells": [{"probability": p, "consequence": c, "level": "hog" if p * c >= 4 else "lag"}
                  for p in (1, 2, 3) for c in (1, 2, 3)],
        "plan_threshold": "hog"}
    r = a + "/<analysis_id>/risks/<risk_id>"
    bodies = {
        ("PUT", "/api/v1/risk-matrix"): lambda v: matrix,
        ("POST", a): lambda v: {"title": "Ny metod", "scope_type": "unit", "scope_id": v["unit"],
                                "trigger": "larger_change", "trigger_change": "new_method",
                                "trigger_note": "Ny läkemedelsrutin", "participants": ["Adam"],
                                "analysis_date": "2026-06-01"},
        ("PATCH", a + "/<analysis_id>"): lambda v: {"title": "Sommar 2026", "participants": ["Adam", "Eva"],
                                                    "analysis_date": "2026-05-13", "trigger": "other",
                                                    "trigger_change": None, "trigger_note": "Ny lag"},
        ("POST", a + "/<analysis_id>/transitions"): lambda v: {"command": "complete"},
        ("POST", a + "/<analysis_id>/risks"): lambda v: {"description": "Fall", "causes": ["Halt golv"]},
        ("PATCH", r): lambda v: {"description": "Fall i korridoren", "causes": ["Halt golv", "Mörker"]},
        ("POST", r + "/scorings"): lambda v: {"probability": 3, "consequence": 2, "kind": "initial"},
        ("POST", r + "/escalations"): lambda v: {"to_unit_id": v["administration"], "reason": "Bemanning"},
        ("POST", r + "/actions"): lambda v: {"title": "Halkskydd", "description": "Köp in", "owner": "erik",
                                             "due_date": "2027-01-01"},
        ("PATCH", r + "/actions/<action_id>"): lambda v: {"title": "Halkskydd överallt", "description": "Alla",
                                                          "owner": "eva", "due_date": "2027-02-01"},
        ("POST", r + "/actions/<action_id>/transitions"): lambda v: {"command": "complete",
                                                                     "effect_followup": "Följs upp i maj"},
        ("POST", "/api/v1/risk-escalations/<escalation_id>/decision"): lambda v: {"decision": "return",
                                                                                  "reason": "Hanteras på enheten"},
        ("POST", "/api/v1/risk-proposals/<proposal_id>/decision"): lambda v: {
            "decision": "accept", "new_analysis": {"title": "Efter lex Sarah", "analysis_date": "2026-05-25",
                                                   "participants": ["Adam"]},
            "description": "Fel läkemedel", "causes": ["Ingen avstämning"]},
        ("POST", "/dev/token"): lambda v: {"user": "anna"},
    }
    queries = {
        ("GET", a): lambda v: {"unit_id": v["unit"], "status": "in_progress", "scope_type": "unit",
                               "trigger": "yearly", "date_from": "2020-01-01", "date_to": "2999-01-01",
                               "sort": "-analysis_date", "cursor": v["cursor"], "limit": "10", "offset": "0"},
        ("GET", "/api/v1/risk-escalations"): lambda v: {"to_unit_id": v["administration"], "status": "pending",
                                                        "limit": "10", "offset": "0"},
        ("GET", "/api/v1/risk-treatment-plan"): lambda v: {"unit_id": v["administration"], "year": "2026"},
        ("GET", "/api/v1/risk-heat-map"): lambda v: {"unit_id": v["administration"], "from": "2026-01-01",
                                                     "to": "2026-12-31"},
        ("GET", "/api/v1/risk-proposals"): lambda v: {"status": "open", "unit_id": v["unit"],
                                                      "reason": "serious_deviation", "deviation_id": v["deviation_id"],
                                                      "sort": "-created_at", "cursor": v["proposal_cursor"],
                                                      "limit": "10"},
        ("GET", "/api/v1/risk-actions"): lambda v: {"owner": "me", "status": "planned", "cursor": v["action_cursor"],
                                                    "limit": "10", "offset": "0"},
    }
    return Service(app, client, platform, headers, fresh, bodies, queries)


def reporting_service(settings) -> Service:
    from ordning_reporting.app import create_app
    from ordning_reporting.handlers import HANDLERS

    app = create_app(settings)
    platform = app.extensions["ordning"]
    board, unit = "d0000000-0000-0000-0000-00000000000c", "d0000000-0000-0000-0000-0000000000e1"
    administration = "d0000000-0000-0000-0000-00000000000f"
    for unit_id, kind, parent in ((board, "board", None), (unit, "unit", board), (administration, "administration",
                                                                                   board)):
        event = DomainEvent(type="se.ordning.org_unit.created.v1", tenant=TENANT, subject=unit_id,
                            data={"unit_id": unit_id, "kind": kind, "name": f"{kind} {unit_id[-2:]}",
                                  "parent_id": parent, "closed_at": None, "revision": 1})
        assert consumer.handle_event(platform, HANDLERS, events.serialize(events.to_cloudevent(event, "processes"))) \
            == "processed"
    case = str(uuid.uuid4())
    reported = DomainEvent(type="se.ordning.deviation.reported.v1", tenant=TENANT, subject=case, sequence=1, data={
        "deviation_id": case, "kind": "lex_sarah", "unit_id": unit, "category_id": None, "status": "reported",
        "origin": "staff", "anonymous": False, "occurred_at": None, "reported_at": "2026-03-02T08:00:00+00:00",
        "receipt_due": "2026-03-03", "investigation_due": "2026-03-16", "ivo_due": "2026-03-16", "version": 1})
    assert consumer.handle_event(platform, HANDLERS, events.serialize(events.to_cloudevent(reported, "deviations"))) \
        == "processed"
    headers = {"Authorization": "Bearer " + issue_token(settings, "karl", TENANT, ["kvalitetsutvecklare",
                                                                                  "administrator"], [board])}
    region = {"Authorization": "Bearer " + issue_token(settings, "rut", TENANT[:2], ["region_host"], [])}
    client = app.test_client()
    # One report per kind, scope and year, and a report's year is not after this year: each route gets a
    # quality report of its own (a förvaltning's, then the municipality's, year by year back), and the create
    # route's body a patient safety report's free year.
    this_year = today_in_sweden().year
    scopes = iter([{"scope_type": "administration", "unit_id": administration, "year": year}
                   for year in range(this_year, 1999, -1)]
                  + [{"scope_type": "municipality", "year": year} for year in range(this_year, 1999, -1)])
    free_years = iter(range(this_year, 1999, -1))
    volume_years = iter(range(2000, 2101))  # a volume recorded for a year of its own, to read and to change

    def fresh() -> dict:
        report = _ok(client.post("/api/v1/reports", headers=headers, json={"kind": "quality_report",
                                                                            **next(scopes)}))
        volume_year = str(next(volume_years))
        _ok(client.put(f"/api/v1/volumes/{unit}/varddygn/{volume_year}", json={"value": 100}, headers=headers), 201)
        return {"unit": unit, "administration": administration, "report_id": report["id"],
                "section_key": "sammanfattning", "chart_key": "avvikelser_per_manad", "free_year": next(free_years),
                "unit_id": unit, "measure": "varddygn", "year": volume_year}

    bodies = {("POST", "/dev/token"): lambda v: {"user": "anna"},
              ("POST", "/api/v1/reports"): lambda v: {"kind": "patient_safety_report",
                                                      "scope_type": "administration",
                                                      "unit_id": v["administration"], "year": v["free_year"]},
              ("PUT", "/api/v1/reports/<report_id>/sections/<section_key>"): lambda v: {"text": "Året i korthet."},
              ("POST", "/api/v1/reports/<report_id>/regenerate"): lambda v: {},
              ("POST", "/api/v1/reports/<report_id>/finish"): lambda v: {},
              ("PUT", "/api/v1/volumes/<unit_id>/<measure>/<year>"): lambda v: {"value": "36500"},
              ("PUT", "/api/v1/region/consent"): lambda v: {"region": TENANT[:2]},
              ("PUT", "/api/v1/suppression"): lambda v: {"threshold": 6}}
    queries = {("GET", "/api/v1/figures"): lambda v: {"unit_id": v["unit"], "from": "2026-01-01", "to": "2026-12-31",
                                                      "section": "lex_sarah", "format": "csv",
                                                      "table": "lex_sarah.by_month"},
               ("GET", "/api/v1/reports"): lambda v: {"kind": "quality_report", "year": "2026", "status": "draft",
                                                      "unit_id": v["administration"]},
               ("GET", "/api/v1/reports/<report_id>"): lambda v: {"format": "html"},
               ("GET", "/api/v1/reports/<report_id>/figures"): lambda v: {"format": "csv",
                                                                          "table": "deviations.by_month"},
               ("GET", "/api/v1/reports/<report_id>/charts/<chart_key>"): lambda v: {"format": "csv"},
               ("GET", "/api/v1/patterns/trends"): lambda v: {"unit_id": v["unit"], "from": "2026-01-01",
                                                              "to": "2026-06-30"},
               ("GET", "/api/v1/patterns/flags"): lambda v: {"unit_id": v["unit"], "month": "2026-03",
                                                             "kind": "lex_sarah"},
               ("GET", "/api/v1/patterns/providers"): lambda v: {"unit_id": v["unit"], "year": "2026",
                                                                 "measure": "varddygn"},
               ("GET", "/api/v1/volumes"): lambda v: {"unit_id": v["unit"], "year": "2026", "measure": "varddygn"},
               ("GET", "/api/v1/region/figures"): lambda v: {"year": 2026, "format": "csv"}}
    return Service(app, client, platform, headers, fresh, bodies, queries, probes=15,
                   route_headers={("GET", "/api/v1/region/figures"): region})


def notify_service(settings) -> Service:
    from ordning_notify.app import create_app
    from ordning_notify.handlers import HANDLERS

    app = create_app(settings)
    platform = app.extensions["ordning"]
    board, unit = "e0000000-0000-0000-0000-00000000000c", "e0000000-0000-0000-0000-0000000000e1"

    def feed(event_type: str, subject: str, data: dict, service: str) -> None:
        event = DomainEvent(type=event_type, tenant=TENANT, subject=subject, data=data, sequence=1)
        assert consumer.handle_event(platform, HANDLERS, events.serialize(events.to_cloudevent(event, service))) \
            == "processed"

    for unit_id, kind, parent in ((board, "board", None), (unit, "unit", board)):
        feed("se.ordning.org_unit.created.v1", unit_id, {"unit_id": unit_id, "kind": kind, "parent_id": parent,
                                                          "name": f"{kind} {unit_id[-2:]}", "closed_at": None,
                                                          "revision": 1}, "processes")
    assignment = str(uuid.uuid4())  # adam is the unit's enhetschef: every reported case is a notice of his
    feed("se.ordning.role.assigned.v1", assignment, {
        "assignment_id": assignment, "role": "enhetschef", "unit_id": unit, "process_id": None, "user_id": "adam",
        "valid_from": "2020-01-01", "valid_to": None, "version": 1}, "processes")
    headers = {"Authorization": "Bearer " + issue_token(settings, "adam", TENANT, ["administrator", "enhetschef"],
                                                        [board])}
    client = app.test_client()
    rule = {"event_type": "se.ordning.action.completed.v1", "notice_kind": "action_assigned",
            "conditions": [{"field": "origin_type", "in": ["deviation", "risk"]}],
            "recipients": [{"role": "mas", "at": "unit"}, {"payload": "owner_id"}], "unit_field": "unit_id",
            "enabled": True}

    def reported() -> str:
        case = str(uuid.uuid4())
        feed("se.ordning.deviation.reported.v1", case, {
            "deviation_id": case, "kind": "avvikelse", "unit_id": unit, "category_id": None, "status": "reported",
            "origin": "staff", "anonymous": False, "occurred_at": None, "reported_at": "2026-03-02T08:00:00+00:00",
            "receipt_due": "2026-03-03", "investigation_due": None, "ivo_due": None, "process_step_id": None,
            "version": 1}, "deviations")
        return case

    def fresh() -> dict:
        reported(), reported()
        page = _ok(client.get("/api/v1/notices?limit=1", headers=headers))
        made = _ok(client.post("/api/v1/notification-rules", json={**rule, "recipients": [{"role": "mar"}]},
                               headers=headers), 201)
        deadlines = _ok(client.get("/api/v1/deadlines?limit=1", headers=headers))
        hook = _ok(client.post("/api/v1/webhook-subscriptions", json=webhook, headers=headers), 201)
        return {"rule_id": made["id"], "notice_id": page["items"][0]["id"], "cursor": page["next_cursor"],
                "deadline_cursor": deadlines["next_cursor"], "subscription_id": hook["id"]}

    webhook = {"url": "https://93.184.215.14/ordning/in", "event_types": ["se.ordning.deviation.reported.v1"]}
    bodies = {("POST", "/api/v1/notification-rules"): lambda v: rule,
              ("POST", "/api/v1/webhook-subscriptions"): lambda v: webhook,
              ("PATCH", "/api/v1/webhook-subscriptions/<subscription_id>"): lambda v: {
                  "url": "https://93.184.215.14/ordning/other", "event_types": ["se.ordning.deviation.closed.v1"]},
              ("POST", "/api/v1/webhook-subscriptions/<subscription_id>/rotate-secret"): lambda v: {},
              ("POST", "/api/v1/webhook-subscriptions/<subscription_id>/resume"): lambda v: {},
              ("POST", "/api/v1/webhook-subscriptions/<subscription_id>/pause"): lambda v: {},
              ("PATCH", "/api/v1/notification-rules/<rule_id>"): lambda v: {"enabled": False,
                                                                            "recipients": [{"role": "mas"}]},
              ("POST", "/api/v1/notices/read-all"): lambda v: {},
              ("POST", "/api/v1/notices/<notice_id>/read"): lambda v: {},
              ("PUT", "/api/v1/notification-preferences"): lambda v: {
                  "address": "adam.admin@tyreso.se", "kinds": {"lex_sarah_reported": "immediate",
                                                               "case_reported": "digest"}, "digest_hour": 7},
              ("POST", "/dev/token"): lambda v: {"user": "anna"},
              ("PUT", "/api/v1/deadline-settings"): lambda v: {
                  "grace_working_days": 3, "patient_safety_roles": ["mas"], "patient_safety_lead_days": 5}}
    queries = {("GET", "/api/v1/notices"): lambda v: {"state": "unread", "cursor": v["cursor"], "limit": "1"},
               ("GET", "/api/v1/deadlines"): lambda v: {"state": "all", "kind": "receipt",
                                                        "cursor": v["deadline_cursor"], "limit": "1"},
               ("GET", "/api/v1/webhook-subscriptions/<subscription_id>/deliveries"): lambda v: {"limit": "1"}}
    return Service(app, client, platform, headers, fresh, bodies, queries, probes=15)


SERVICES = {"deviations": deviations_service, "processes": processes_service, "risks": risks_service,
            "reporting": reporting_service, "notify": notify_service}


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
            for form in (f"<{name}>", f"<uuid:{name}>", f"<int:{name}>"):
                path = path.replace(form, parts[name])
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
    headers = {**service.route_headers.get(route.key, service.headers), **({"If-Match": if_match} if if_match else {})}
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
    assert tried > service.probes
    assert not failures, "\n".join(map(str, failures))


def encoded_value(valid: str, garbage: str) -> str:
    return quote(str(valid), safe="") + garbage


GARBLED_CSVS = (
    ("binary", "\x01\x02\x03\x7f" * 100),
    ("a lone quote", 'period;value\n"2026-01;1\n'),
    ("no header", "2026-01;1\n2026-02;2\n"),
    ("too many columns", "period;value;note;x\n2026-01;1;;\n"),
    ("a value of 5,000 digits", "period;value\n2026-01;" + HUGE_INTEGER + "\n"),
    ("NaN and Infinity", "period;value\n2026-01;NaN\n2026-02;Infinity\n"),
    ("an exponent", "period;value\n2026-01;1e308\n"),
    ("year 0001 and 9999", "period;value\n0001-01;1\n9999-12;1\n"),
    ("600 rows", "period;value\n" + "".join(f"{2000 + i // 12}-{i % 12 + 1:02d};1\n" for i in range(600))),
    ("40,000 characters", "period;value\n2026-01;1;" + "x" * 40_000),
    ("a formula", "period;value\n2026-01;=HYPERLINK(\"http://x\")\n"),
    ("bidi override in a note", "period;value;note\n2026-01;1;\u202eabc\n"),
    ("only blank lines", "period;value\n\n\n"),
)


def test_a_garbled_csv_upload_is_a_4xx_problem_and_stores_nothing(migrated_settings):
    """The CSV upload's own hostile input: what is inside the file, not the JSON around it (covered above)."""
    built = processes_service(migrated_settings("processes"))
    try:
        values = built.fresh()
        path = (f"/api/v1/quality-goals/{values['goal_id']}/indicators/{values['indicator_id']}"
                "/measurements/import")
        failures = []
        for label, text in GARBLED_CSVS:
            before = built.counts()
            response = built.client.post(path, json={"csv": text}, headers=built.headers)
            if not (400 <= response.status_code < 500 and response.content_type == PROBLEM):
                failures.append((label, response.status_code, response.get_data(as_text=True)[:200]))
            elif built.counts() != before:
                failures.append((label, "changed rows"))
        assert not failures, "\n".join(map(str, failures))
    finally:
        built.platform.dispose()


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
    assert len(statuses) > service.probes * 3 // 5
    assert not leaked, f"{len(leaked)} log records hold the planted personal data, e.g. {leaked[:3]}"
    assert not [s for s in statuses if s[1] >= 500], [s for s in statuses if s[1] >= 500]
