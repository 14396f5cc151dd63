"""The tenant's code lists (issue 14: every list in tenant data with defaults), over PostgreSQL: the defaults as
every tenant gets them, a tenant's relabel, retirement and additions reaching its cases' forms and labels, the lex
outcome's serious flag deciding seriousness, and every bad list refused with nothing stored."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from ordning_shared.testing import catalogue_errors

from ordning_deviations import code_lists as cls
from ordning_deviations import domain as d
from ordning_shared.workdays import today_in_sweden

from .conftest import ADMIN, KVAL_N, MAS_F, STAFF_E1, B
from .test_ivo_steps import outbox_data, serious_lex
from .test_lex_in_full import MOTIVERING, OTHER_FCHEF, assign, investigating, stored

pytestmark = pytest.mark.integration
LISTS = "/api/v1/code-lists"
ADMIN_B = ("bert", ["administrator"], ["fb"])
STAFF_B = ("bo", ["medarbetare"], ["eb"])


def read(env, name, who=ADMIN, tenant=None):
    r = env.client.get(f"{LISTS}/{name}", headers=env.auth(*who, **({"tenant": tenant} if tenant else {})))
    assert r.status_code == 200, r.get_json()
    return r.get_json(), r.headers["ETag"]


def put(env, name, entries, who=ADMIN, if_match=None, tenant=None):
    extra = {"tenant": tenant} if tenant else {}
    if if_match is None:
        if_match = env.client.get(f"{LISTS}/{name}", headers=env.auth(*ADMIN if not tenant else ADMIN_B,
                                                                      **extra)).headers["ETag"]
    return env.client.put(f"{LISTS}/{name}", json={"entries": entries},
                          headers={**env.auth(*who, **extra), "If-Match": if_match})


def edited(env, name, change=None, add=(), who=ADMIN):
    """The list `name` as read, each entry through `change`, with `add` appended: PUT, answered 200."""
    current, _ = read(env, name)
    entries = [(change or (lambda e: e))(dict(e)) for e in current["entries"]] + list(add)
    r = put(env, name, entries, who)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_every_tenant_gets_the_defaults_of_every_list(env):
    r = env.client.get(LISTS, headers=env.auth(*STAFF_E1))
    assert r.status_code == 200
    lists = {item["name"]: item for item in r.get_json()}
    assert list(lists) == list(cls.LIST_NAMES)
    assert len(lists) == 12 and all(item["default"] and item["version"] == 0 for item in lists.values())
    methods = lists["informing_methods"]["entries"]
    assert [(e["code"], e["label_sv"], e["active"]) for e in methods] == [
        (code, label, True) for code, label in d.INFORMING_METHODS.items()]
    sarah = {e["code"]: e["serious"] for e in lists["lex_sarah_outcomes"]["entries"]}
    assert sarah == d.LEX_OUTCOMES[d.Kind.lex_sarah]
    reasons = {e["code"]: e["needs_note"] for e in lists["reclassification_reasons"]["entries"]}
    assert reasons == {"new_facts": False, "wrong_kind_reported": False, "investigation_finding": False,
                       "other": True}
    body, etag = read(env, "contact_channels", STAFF_E1)
    assert etag == '"contact_channels.0"' and body["entries"][0]["serious"] is None


def test_a_relabel_shows_on_an_existing_case_and_a_retired_method_is_refused_for_a_new_record(env):
    kval = env.auth(*KVAL_N)
    old = investigating(env, "lex_maria")
    assert env.put(f"/api/v1/deviations/{old}/informing", {
        "informed_on": today_in_sweden().isoformat(), "method": "letter", "recipient": "narstaende"},
        kval).status_code == 200
    edited(env, "informing_recipients", lambda e: {**e, "label_sv": "en anhörig"} if e["code"] == "narstaende" else e)
    saved = edited(env, "informing_methods", lambda e: {**e, "active": False} if e["code"] == "letter" else e,
                   who=KVAL_N)  # a kvalitetsutvecklare edits the lists too
    assert saved["version"] == 1 and not saved["default"]

    case = env.client.get(f"/api/v1/deviations/{old}", headers=kval).get_json()
    assert case["informing"]["recipient_label_sv"] == "en anhörig"  # the relabel reaches the old record
    assert case["informing"]["method_label_sv"] == "per brev"  # the retired method keeps its label

    new = investigating(env, "lex_maria")
    before = stored(env)
    r = env.put(f"/api/v1/deviations/{new}/informing", {
        "informed_on": today_in_sweden().isoformat(), "method": "letter", "recipient": "narstaende"}, kval)
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_informing"
    assert stored(env) == before
    # the old record is corrected with its own (retired) method still
    r = env.put(f"/api/v1/deviations/{old}/informing", {
        "informed_on": today_in_sweden().isoformat(), "method": "letter", "recipient": "person_concerned"}, kval)
    assert r.status_code == 200, r.get_json()


def test_a_tenants_own_root_cause_category_and_reason_needing_a_note_are_taken(env):
    edited(env, "root_cause_categories", add=[{"code": "bemanning_natt", "label_sv": "bemanning nattetid"}])
    mas = env.auth(*MAS_F)
    did = serious_lex(env)
    r = env.put(f"/api/v1/deviations/{did}/event-analysis", {
        "method": "handelseanalys", "root_causes": [{"category": "bemanning_natt", "text": "En nattpersonal."}],
        "completed_on": today_in_sweden().isoformat()}, mas)
    assert r.status_code == 200, r.get_json()
    [cause] = r.get_json()["event_analysis"]["root_causes"]
    assert (cause["category"], cause["category_label_sv"]) == ("bemanning_natt", "bemanning nattetid")
    assert outbox_data(env, d.EVENT_ANALYSIS_COMPLETED)[0]["root_cause_categories"] == ["bemanning_natt"]
    # an unknown category is still the step's 422
    r = env.put(f"/api/v1/deviations/{did}/event-analysis", {
        "method": "handelseanalys", "root_causes": [{"category": "okand", "text": "x"}]}, mas)
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_ivo_step"


def test_a_lex_sarah_outcome_the_tenant_marks_serious_makes_the_decision_serious(env):
    edited(env, "lex_sarah_outcomes", add=[{"code": "brist_i_tillsyn", "label_sv": "brist i tillsynen",
                                            "serious": True}])
    edited(env, "lex_sarah_outcomes",
           lambda e: {**e, "serious": False} if e["code"] == "patagligt_risk_for_missforhallande" else e)
    assign(env, "forvaltningschef", "f", "fredrik")
    did = investigating(env, "lex_sarah")
    fredrik = env.auth(*OTHER_FCHEF)
    r = env.put(f"/api/v1/deviations/{did}/seriousness", {"outcome": "brist_i_tillsyn", "motivering": MOTIVERING},
                fredrik)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["seriousness"]["serious"], body["outcome_label_sv"]) == (True, "brist i tillsynen")
    assert body["ivo_due"] is not None
    [event] = outbox_data(env, d.SERIOUSNESS_DECIDED)
    assert (event["serious"], event["outcome"]) == (True, "brist_i_tillsyn")
    # the default outcome the tenant made not serious decides not serious
    r = env.put(f"/api/v1/deviations/{did}/seriousness",
                {"outcome": "patagligt_risk_for_missforhallande", "motivering": MOTIVERING}, fredrik)
    assert r.status_code == 200 and r.get_json()["seriousness"]["serious"] is False


@pytest.mark.parametrize("entries, where", [
    ("empty", "entries"),
    ("duplicate", "entries.1.code"),
    ("control", "entries.0.label_sv"),
    ("removed", "entries"),
    ("none_active", "entries"),
    ("bad_code", "entries.0.code"),
    ("long_label", "entries.0.label_sv"),
    ("serious_elsewhere", "entries.0.serious"),
])
def test_bad_lists_are_refused_and_nothing_is_stored(env, entries, where):
    current, etag = read(env, "contact_channels")
    good = [{k: e[k] for k in ("code", "label_sv", "active")} for e in current["entries"]]
    bad = {"duplicate": [good[0], {**good[1], "code": good[0]["code"]}] + good[2:],
           "control": [{**good[0], "label_sv": "tele\u0000fon"}] + good[1:],
           "removed": good[1:],
           "none_active": [{**e, "active": False} for e in good],
           "bad_code": [{**good[0], "code": "Telefon!"}] + good[1:],
           "long_label": [{**good[0], "label_sv": "x" * 101}] + good[1:],
           "serious_elsewhere": [{**good[0], "serious": True}] + good[1:], "empty": []}[entries]
    before = stored(env)
    r = put(env, "contact_channels", bad, if_match=etag)
    assert r.status_code == 422 and r.headers["Content-Type"].startswith("application/problem+json")
    problem = r.get_json()
    assert problem["code"] == "invalid_code_list" and where in problem["errors"]["json"]
    assert stored(env) == before and read(env, "contact_channels")[1] == etag


def test_an_outcome_list_without_a_serious_or_a_not_serious_outcome_is_refused(env):
    current, etag = read(env, "lex_maria_outcomes")
    for serious in (True, False):
        entries = [{**e, "serious": serious} for e in current["entries"]]
        r = put(env, "lex_maria_outcomes", entries, if_match=etag)
        assert r.status_code == 422 and r.get_json()["code"] == "invalid_code_list"
    missing = [{k: v for k, v in e.items() if k != "serious"} for e in current["entries"]]
    assert put(env, "lex_maria_outcomes", missing, if_match=etag).status_code == 422
    assert read(env, "lex_maria_outcomes")[0]["default"] is True


def test_unknown_list_wrong_role_and_stale_if_match(env):
    assert env.client.get(f"{LISTS}/favourite_colours", headers=env.auth(*ADMIN)).status_code == 404
    r = env.client.put(f"{LISTS}/favourite_colours", json={"entries": [{"code": "red", "label_sv": "röd"}]},
                       headers={**env.auth(*ADMIN), "If-Match": '"favourite_colours.0"'})
    assert r.status_code == 404 and r.get_json()["code"] == "unknown_code_list"
    current, etag = read(env, "analysis_methods")
    before = stored(env)
    r = put(env, "analysis_methods", current["entries"], who=STAFF_E1, if_match=etag)
    assert r.status_code == 403
    edited(env, "analysis_methods", lambda e: {**e, "label_sv": e["label_sv"].upper()})
    after_edit = stored(env)
    r = put(env, "analysis_methods", current["entries"], if_match=etag)  # the ETag read before the edit
    assert r.status_code == 412
    assert stored(env) == after_edit and after_edit != before
    assert put(env, "analysis_methods", current["entries"], if_match="").status_code == 428


def test_the_events_with_a_tenants_own_codes_are_what_the_catalogue_says(env):
    """Each list's own code reaches its event (the complainant's channel, the root cause, the decision's outcome,
    the informing's method) and every such event validates against docs/asyncapi.yaml."""
    edited(env, "contact_channels", add=[{"code": "sms", "label_sv": "sms"}])
    edited(env, "informing_methods", add=[{"code": "videosamtal", "label_sv": "i ett videosamtal"}])
    edited(env, "lex_maria_outcomes", add=[{"code": "nara_vardskada", "label_sv": "nära vårdskada",
                                            "serious": False}])
    chef = env.auth("erik", ["enhetschef"], ["e1"])
    complaint = env.report("klagomal")["id"]
    assert env.put(f"/api/v1/deviations/{complaint}/complainant", {"relation": "other", "channel": "sms"},
                   chef).status_code == 200
    did = investigating(env, "lex_maria")
    assert env.put(f"/api/v1/deviations/{did}/seriousness", {"outcome": "nara_vardskada", "motivering": MOTIVERING},
                   env.auth(*MAS_F)).status_code == 200
    assert env.put(f"/api/v1/deviations/{did}/informing", {
        "informed_on": today_in_sweden().isoformat(), "method": "videosamtal", "recipient": "narstaende"},
        env.auth(*KVAL_N)).status_code == 200
    outbox = env.platform.tables.outbox
    with env.platform.engine.connect() as conn:
        bodies = [json.loads(b) for b in conn.execute(sa.select(outbox.c.body).where(outbox.c.type.in_(
            [d.COMPLAINANT_RECORDED, d.SERIOUSNESS_DECIDED, d.INFORMING_RECORDED]))).scalars()]
    assert {b["data"].get("channel") or b["data"].get("outcome") or b["data"].get("method") for b in bodies} == {
        "sms", "nara_vardskada", "videosamtal"}
    assert [catalogue_errors(b) for b in bodies] == [[], [], []]


def test_a_tenants_edit_stays_its_own(env):
    edited(env, "contact_channels", add=[{"code": "sms", "label_sv": "sms"}])
    assert [e["code"] for e in read(env, "contact_channels")[0]["entries"]][-1] == "sms"
    theirs, etag = read(env, "contact_channels", who=STAFF_B, tenant=B)
    assert theirs["default"] is True and etag == '"contact_channels.0"'
    assert "sms" not in [e["code"] for e in theirs["entries"]]
    # tenant B's complaint cannot take A's code
    assert not any(e["code"] == "sms" for e in env.client.get(LISTS, headers=env.auth(*ADMIN_B, tenant=B))
                   .get_json()[-1]["entries"])


def test_a_complaint_takes_a_tenants_own_channel(env):
    edited(env, "contact_channels", add=[{"code": "sms", "label_sv": "sms"}])
    chef = env.auth("erik", ["enhetschef"], ["e1"])
    did = env.report("klagomal")["id"]
    r = env.put(f"/api/v1/deviations/{did}/complainant", {"relation": "narstaende", "channel": "sms"}, chef)
    assert r.status_code == 200, r.get_json()
    case = env.client.get(f"/api/v1/deviations/{did}", headers=chef).get_json()
    assert (case["complaint_channel"], case["complaint_channel_label_sv"]) == ("sms", "sms")
    r = env.put(f"/api/v1/deviations/{did}/complainant", {"relation": "narstaende", "channel": "duva"}, chef)
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_input"
