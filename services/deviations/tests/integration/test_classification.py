"""A case's classification beside its category (issue 14, item 8), over PostgreSQL: the tenant's händelsetyper (the
common terms as defaults), the consequence score on the tenant's risk-matrix scale (the copy kept from the risks
service's se.ordning.risk.matrix_changed.v1, delivered through the consumer's handler), and the places of a unit."""
from __future__ import annotations

import json
import uuid

import pytest
from ordning_shared import events
from ordning_shared.events import DomainEvent, UntrustedEvent
from ordning_shared.testing import catalogue_errors, outbox_bodies

from ordning_deviations import classification as cl
from ordning_deviations import db

from .conftest import ADMIN, CHEF_E1, STAFF_E1, A, B, U

TYPES = "/api/v1/event-types"
PLACES = "/api/v1/places"
ADMIN_B = ("bert", ["administrator"], ["fb"])
STAFF_B = ("bo", ["medarbetare"], ["eb"])
CASE_TYPES = ("se.ordning.deviation.event_type_changed.v1", "se.ordning.deviation.consequence_scored.v1",
              "se.ordning.deviation.place_changed.v1", "se.ordning.deviation.reported.v1")


def h(env, who, tenant=A, **headers):
    subject, roles, units = who
    return env.auth(subject, roles, units, tenant=tenant, **headers)


def matrix_body(tenant: str, version: int, consequence_steps: int, source: str = "risks") -> bytes:
    """se.ordning.risk.matrix_changed.v1 as the risks service sends it: a matrix of 4 probability steps and
    `consequence_steps` consequence steps named by their number."""
    size_c, matrix_id = consequence_steps, str(uuid.uuid5(uuid.NAMESPACE_URL, f"risk-matrix:{tenant}"))
    event = DomainEvent(type=cl_service().RISK_MATRIX_CHANGED, tenant=tenant, subject=matrix_id,
                        sequence=version, data={
                            "matrix_id": matrix_id, "version": version,
                            "probability_steps": [{"value": p, "label": f"Sannolikhet {p}"} for p in range(1, 5)],
                            "consequence_steps": [{"value": c, "label": f"Konsekvens {c}"}
                                                  for c in range(1, size_c + 1)],
                            "levels": [{"code": "lag", "label": "Låg", "colour": "#2e7d32"},
                                       {"code": "hog", "label": "Hög", "colour": "#c62828"}],
                            "cells": [{"probability": p, "consequence": c, "level": "hog" if p * c >= 8 else "lag"}
                                      for p in range(1, 5) for c in range(1, size_c + 1)],
                            "plan_threshold": "hog", "changed_at": "2026-03-02T08:00:00+00:00"})
    return events.serialize(events.to_cloudevent(event, source))


def cl_service():
    from ordning_deviations import classification_service

    return classification_service


def classify(env, case_id, body, who=CHEF_E1, etag=None):
    headers = h(env, who)
    etag = etag or env.etag(f"/api/v1/deviations/{case_id}", headers)
    return env.client.patch(f"/api/v1/deviations/{case_id}/classification", json=body,
                            headers={**headers, "If-Match": etag})


def add_place(env, unit, name, who=ADMIN, tenant=A):
    r = env.client.post(PLACES, json={"unit_id": U[unit], "name": name}, headers=h(env, who, tenant))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def outbox(env, types=CASE_TYPES) -> list[dict]:
    """The CloudEvents (as JSON) of the case events in the outbox, oldest first: what the relay publishes."""
    bodies = outbox_bodies(env.platform, "se.ordning.deviation.")
    return [body for body in (json.loads(b) for b in bodies) if body["type"] in types]


# --------------------------------------------------------------------------
# Händelsetyper: tenant data with the common terms as defaults
# --------------------------------------------------------------------------

def test_every_tenant_has_the_common_terms_and_its_own_changes_stay_its_own(env):
    for who, tenant in ((STAFF_E1, A), (STAFF_B, B)):
        listed = env.client.get(TYPES, headers=h(env, who, tenant)).get_json()
        assert [t["code"] for t in listed] == list(cl.DEFAULT_EVENT_TYPE_CODES)
        assert {t["code"]: t["label"] for t in listed}["hot_och_vald"] == "Hot och våld"
        assert all(t["default"] and t["version"] == 0 for t in listed)
    headers = h(env, ADMIN)
    etag = env.etag(f"{TYPES}/fall", headers)
    assert etag == '"fall.0"'
    r = env.client.patch(f"{TYPES}/fall", json={"label": "Fallolycka"}, headers={**headers, "If-Match": etag})
    assert r.status_code == 200 and r.get_json()["label"] == "Fallolycka" and r.headers["ETag"] == '"fall.1"'
    r = env.client.post(TYPES, json={"label": "Trycksår"}, headers=headers)
    assert r.status_code == 201 and r.get_json()["code"] == "trycksar" and r.headers["ETag"] == '"trycksar.1"'
    a_types = {t["code"]: t["label"] for t in env.client.get(TYPES, headers=h(env, STAFF_E1)).get_json()}
    b_types = {t["code"]: t["label"] for t in env.client.get(TYPES, headers=h(env, STAFF_B, B)).get_json()}
    assert a_types["fall"] == "Fallolycka" and a_types["trycksar"] == "Trycksår"
    assert b_types["fall"] == "Fall" and "trycksar" not in b_types
    # the tenant's own type is offered to its reporters, refused in the other tenant
    case = env.report(event_type="trycksar")
    assert (case["event_type"], case["event_type_label"]) == ("trycksar", "Trycksår")
    r = env.client.post("/api/v1/deviations", headers=h(env, STAFF_B, B), json={
        "kind": "avvikelse", "unit_id": U["eb"], "description": "Trycksår på hälen", "event_type": "trycksar"})
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_event_type"


def test_a_retired_type_is_refused_for_new_cases_and_kept_on_old_ones(env):
    old = env.report(event_type="fall")
    assert (old["event_type"], old["event_type_label"], old["event_type_retired"]) == ("fall", "Fall", False)
    headers = h(env, ADMIN)
    r = env.client.patch(f"{TYPES}/fall", json={"retired": True},
                         headers={**headers, "If-Match": env.etag(f"{TYPES}/fall", headers)})
    assert r.status_code == 200 and r.get_json()["retired"] is True
    assert "fall" not in [t["code"] for t in env.client.get(TYPES, headers=h(env, STAFF_E1)).get_json()]
    listed = env.client.get(f"{TYPES}?include_retired=true", headers=h(env, STAFF_E1)).get_json()
    assert {t["code"]: t["retired"] for t in listed}["fall"] is True
    before = env.counts()
    r = env.client.post("/api/v1/deviations", headers=h(env, STAFF_E1), json={
        "kind": "avvikelse", "unit_id": U["e1"], "description": "Föll i badrummet", "event_type": "fall"})
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_event_type"
    assert env.counts() == before
    other = env.report(event_type="lakemedel")
    r = classify(env, other["id"], {"event_type": "fall"})
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_event_type"
    kept = env.client.get(f"/api/v1/deviations/{old['id']}", headers=h(env, CHEF_E1)).get_json()
    assert (kept["event_type"], kept["event_type_label"], kept["event_type_retired"]) == ("fall", "Fall", True)
    # the old case keeps it while another field changes, and a handler may move it off the retired type
    assert classify(env, old["id"], {"event_type": "fall", "place_id": None}).status_code == 200
    r = classify(env, old["id"], {"event_type": "bemotande"})
    assert r.status_code == 200 and (r.get_json()["event_type"], r.get_json()["event_type_label"]) == (
        "bemotande", "Bemötande")
    changed = [e for e in outbox(env) if e["type"].endswith("event_type_changed.v1")]
    assert [(e["data"]["event_type"], e["data"]["previous_event_type"]) for e in changed] == [("bemotande", "fall")]


# --------------------------------------------------------------------------
# The consequence score on the tenant's risk-matrix scale
# --------------------------------------------------------------------------

def test_the_score_follows_the_tenants_matrix_as_its_events_arrive(env):
    case = env.report()
    scale = env.client.get("/api/v1/consequence-scale", headers=h(env, CHEF_E1)).get_json()
    assert scale == {"matrix_version": 1, "default": True, "steps": [
        {"value": 1, "label": "Mindre"}, {"value": 2, "label": "Måttlig"}, {"value": 3, "label": "Betydande"},
        {"value": 4, "label": "Katastrofal"}]}
    r = classify(env, case["id"], {"consequence_score": 5})
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_consequence_score"
    r = classify(env, case["id"], {"consequence_score": 3})
    assert r.status_code == 200
    assert (r.get_json()["consequence_score"], r.get_json()["consequence_matrix_version"],
            r.get_json()["consequence_label"]) == (3, 1, "Betydande")
    # the risks service widens the tenant's scale to five steps: through the consumer's handler, once
    body = matrix_body(A, 2, 5)
    assert catalogue_errors(json.loads(body)) == []
    assert env.feed(body) == "processed"
    assert env.feed(body) == "duplicate"
    assert env.feed(matrix_body(A, 1, 4)) == "processed"  # an older version, late: kept, not current
    scale = env.client.get("/api/v1/consequence-scale", headers=h(env, CHEF_E1)).get_json()
    assert (scale["matrix_version"], len(scale["steps"]), scale["default"]) == (2, 5, False)
    r = classify(env, case["id"], {"consequence_score": 5, "matrix_version": 1})
    assert r.status_code == 409 and r.get_json()["code"] == "stale_matrix_version"
    r = classify(env, case["id"], {"consequence_score": 5, "matrix_version": 2})
    assert r.status_code == 200
    assert (r.get_json()["consequence_score"], r.get_json()["consequence_matrix_version"],
            r.get_json()["consequence_label"]) == (5, 2, "Konsekvens 5")
    # the other tenant's scale is still the default
    other = env.client.get("/api/v1/consequence-scale", headers=h(env, STAFF_B, B)).get_json()
    assert (other["matrix_version"], len(other["steps"])) == (1, 4)
    scored = [e["data"] for e in outbox(env) if e["type"].endswith("consequence_scored.v1")]
    assert [(e["consequence_score"], e["matrix_version"]) for e in scored] == [(3, 1), (5, 2)]
    r = classify(env, case["id"], {"consequence_score": None})
    assert r.status_code == 200 and r.get_json()["consequence_score"] is None
    assert r.get_json()["consequence_matrix_version"] is None


def test_a_matrix_event_from_another_service_than_risks_is_refused(env):
    with pytest.raises(UntrustedEvent):
        env.feed(matrix_body(A, 3, 5, source="processes"))
    assert env.count(db.risk_matrix_scales) == 0


# --------------------------------------------------------------------------
# Places per unit
# --------------------------------------------------------------------------

def test_a_case_names_a_place_of_its_unit_only(env):
    dining = add_place(env, "e1", "Matsalen")
    ward = add_place(env, "e2", "Avdelning 2")
    listed = env.client.get(f"{PLACES}?unit_id={U['e1']}", headers=h(env, STAFF_E1)).get_json()
    assert [p["name"] for p in listed] == ["Matsalen"]
    before = env.counts()
    r = env.client.post("/api/v1/deviations", headers=h(env, STAFF_E1), json={
        "kind": "avvikelse", "unit_id": U["e1"], "description": "Föll", "place_id": ward["id"]})
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_place"
    assert env.counts() == before
    case = env.report(place_id=dining["id"], event_type="kost_nutrition")
    assert (case["place_id"], case["place_name"]) == (dining["id"], "Matsalen")
    shown = env.client.get(f"/api/v1/deviations/{case['id']}", headers=h(env, CHEF_E1)).get_json()
    assert (shown["place_name"], shown["event_type_label"]) == ("Matsalen", "Kost och nutrition")
    # another tenant neither sees nor uses the place
    assert env.client.get(f"{PLACES}/{dining['id']}", headers=h(env, STAFF_B, B)).status_code == 404
    r = env.client.post("/api/v1/deviations", headers=h(env, STAFF_B, B), json={
        "kind": "avvikelse", "unit_id": U["eb"], "description": "Föll", "place_id": dining["id"]})
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_place"
    # retired: not for new cases, kept on the old one
    headers = h(env, ADMIN)
    r = env.client.patch(f"{PLACES}/{dining['id']}", json={"retired": True},
                         headers={**headers, "If-Match": env.etag(f"{PLACES}/{dining['id']}", headers)})
    assert r.status_code == 200 and r.get_json()["retired"] is True
    other = env.report()
    r = classify(env, other["id"], {"place_id": dining["id"]})
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_place"
    kept = env.client.get(f"/api/v1/deviations/{case['id']}", headers=h(env, CHEF_E1)).get_json()
    assert kept["place_name"] == "Matsalen"
    second = add_place(env, "e1", "Avdelning 1")
    r = classify(env, case["id"], {"place_id": second["id"]})
    assert r.status_code == 200 and r.get_json()["place_name"] == "Avdelning 1"
    changed = [e["data"] for e in outbox(env) if e["type"].endswith("place_changed.v1")]
    assert [(e["place_id"], e["previous_place_id"]) for e in changed] == [(second["id"], dining["id"])]


# --------------------------------------------------------------------------
# Bad input: a clear problem, nothing stored
# --------------------------------------------------------------------------

def test_bad_input_is_refused_with_a_problem_and_nothing_changes(env):
    case = env.report()
    before = env.counts()
    admin = h(env, ADMIN)
    checks = [
        (env.client.post(TYPES, json={"label": "Trycksår"}, headers=h(env, CHEF_E1)), 403, None),
        (env.client.post(TYPES, json={"label": "Hot", "code": "Hot och våld"}, headers=admin), 422, None),
        (env.client.post(TYPES, json={"label": "hot och våld"}, headers=admin), 409, "event_type_exists"),
        (env.client.post(TYPES, json={"label": "Fall", "code": "fall"}, headers=admin), 409, "event_type_exists"),
        (env.client.post(TYPES, json={}, headers=admin), 422, None),
        (env.client.patch(f"{TYPES}/fall", json={"retired": True}, headers=admin), 428, None),
        (env.client.patch(f"{TYPES}/fall", json={"retired": True}, headers={**admin, "If-Match": '"fall.3"'}),
         412, None),
        (env.client.patch(f"{TYPES}/finns_inte", json={"retired": True}, headers={**admin, "If-Match": '"x.0"'}),
         404, None),
        (env.client.post(PLACES, json={"unit_id": U["eb"], "name": "Matsalen"}, headers=admin), 422, "unknown_unit"),
        (env.client.post(PLACES, json={"unit_id": U["e1"], "name": ""}, headers=admin), 422, None),
        (env.client.post(PLACES, json={"unit_id": U["e1"], "name": "Matsalen"}, headers=h(env, CHEF_E1)), 403, None),
        (classify(env, case["id"], {}), 422, None),
        (classify(env, case["id"], {"matrix_version": 1}), 422, None),
        (classify(env, case["id"], {"consequence_score": "tre"}), 422, None),
        (classify(env, case["id"], {"consequence_score": 0}), 422, None),
        (classify(env, case["id"], {"event_type": "Fall och skada"}), 422, None),
        (classify(env, case["id"], {"place_id": "inte-ett-id"}), 422, None),
        (classify(env, case["id"], {"event_type": "fall"}, who=STAFF_E1, etag='"x.1"'), 404, None),  # the reporter sees only the feedback view
        (classify(env, case["id"], {"event_type": "fall"}, etag='"x.1"'), 412, None),
    ]
    for response, status, code in checks:
        assert response.status_code == status, (response.status_code, response.get_json())
        assert response.headers["Content-Type"] == "application/problem+json"
        if code:
            assert response.get_json()["code"] == code
    assert env.counts() == before
    assert env.client.post(PLACES, json={"unit_id": U["e1"], "name": "Matsalen"}, headers=admin).status_code == 201
    r = env.client.post(PLACES, json={"unit_id": U["e1"], "name": "matsalen"}, headers=admin)
    assert r.status_code == 409 and r.get_json()["code"] == "place_exists"


def test_the_events_carry_codes_ids_and_numbers_and_no_text(env):
    place = add_place(env, "e1", "Matsalen vid köket")
    headers = h(env, ADMIN)
    env.client.patch(f"{TYPES}/lakemedel", json={"label": "Läkemedelshantering hos Anna"},
                     headers={**headers, "If-Match": env.etag(f"{TYPES}/lakemedel", headers)})
    case = env.report(event_type="lakemedel", place_id=place["id"])
    classify(env, case["id"], {"event_type": "fall", "consequence_score": 2, "place_id": None})
    bodies = outbox(env)
    assert {b["type"] for b in bodies} == set(CASE_TYPES)
    for body in bodies:
        assert catalogue_errors(body) == [], body["type"]
        text = json.dumps(body, ensure_ascii=False)
        assert "Matsalen" not in text and "Anna" not in text and "Läkemedel" not in text
    reported = next(b["data"] for b in bodies if b["type"].endswith("reported.v1"))
    assert (reported["event_type"], reported["place_id"]) == ("lakemedel", place["id"])
