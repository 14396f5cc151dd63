"""Issue 12, "Done when": cases driven through the deviations service (the org tree through the processes service,
a serious case's proposal through the risks service) are counted in the figures of the right förvaltning and not
in another's; the region view shows "< 5" where it must; a rebuild gives the same figures as the incremental path.
Over real PostgreSQL and RabbitMQ, with the services as processes (tests/conftest.py's stack).
"""
from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from ordning_shared.db import make_engine
from ordning_shared.testing import bearer, wait_until
from ordning_shared.workdays import today_in_sweden

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SUNDSVALL, REGION = "2281", "22"
YEAR = time.gmtime().tm_year




def report(stack, token, kind, unit):
    deadline = time.monotonic() + 30
    while True:  # the deviations service learns of a new unit through the org events
        response = requests.post(f"{stack.urls['deviations']}/api/v1/deviations", json={
            "kind": kind, "unit_id": unit, "description": "Insatsen uteblev; schemat visade fel tid."},
            headers=bearer(token, **{"Idempotency-Key": str(uuid.uuid4())}), timeout=10)
        if response.status_code == 201 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def move_on(stack, token, case, *commands, serious=None, ivo_on=None):
    url = f"{stack.urls['deviations']}/api/v1/deviations/{case}"
    etag = requests.get(url, headers=bearer(token), timeout=10).headers["ETag"]
    for command in commands:
        moved = requests.post(f"{url}/transitions", json={"command": command},
                              headers=bearer(token, **{"If-Match": etag}), timeout=10)
        assert moved.status_code == 200, moved.text
        etag = moved.headers["ETag"]
    if serious is not None:
        decided = requests.put(f"{url}/seriousness", json={"serious": serious},
                               headers=bearer(token, **{"If-Match": etag}), timeout=10)
        assert decided.status_code == 200, decided.text
        etag = decided.headers["ETag"]
    if ivo_on is not None:
        ivo = requests.put(f"{url}/ivo-report", json={"reported_on": ivo_on, "reference": "3.5.1-7/2026"},
                           headers=bearer(token, **{"If-Match": etag}), timeout=10)
        assert ivo.status_code == 200, ivo.text


def figures(stack, token, **query):
    query = {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31", **query}
    response = requests.get(f"{stack.urls['reporting']}/api/v1/figures", params=query, headers=bearer(token),
                            timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def value(document, section, figure):
    sect = next(s for s in document["sections"] if s["key"] == section)
    fig = next(f for f in sect["figures"] if f["key"] == figure)
    return fig["value"] if fig["type"] == "value" else fig["rows"]


def region_view(stack, token):
    response = requests.get(f"{stack.urls['reporting']}/api/v1/region/figures", params={"year": YEAR},
                            headers=bearer(token), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_cases_count_in_their_forvaltning_the_region_sees_small_counts_suppressed_and_a_rebuild_agrees(stack):
    admin = stack.token("admin-rep-e2e", SUNDSVALL, ["administrator"])
    board = stack.create_unit(admin, "board", "Socialnämnden")
    f1 = stack.create_unit(admin, "administration", "Socialförvaltningen", board)
    home_care = stack.create_unit(admin, "unit", "Hemtjänst Norr", f1)
    housing = stack.create_unit(admin, "unit", "Vård- och omsorgsboendet Solbacken", f1)
    f2 = stack.create_unit(admin, "administration", "Barn- och utbildningsförvaltningen", board)
    school = stack.create_unit(admin, "unit", "Skönsbergsskolan", f2)

    staff = stack.token("staff-rep-e2e", SUNDSVALL, ["medarbetare"], [f1, f2])
    # enhetschef, and förvaltningschef too: the one who decides lex Sarah by the default delegation (issue 14)
    chief = stack.token("chief-rep-e2e", SUNDSVALL, ["enhetschef", "forvaltningschef"], [f1])
    # Socialförvaltningen: 4 avvikelser, 1 lex Sarah (serious, reported to IVO), 1 synpunkt (answered)
    for unit in (home_care, home_care, housing, housing):
        report(stack, staff, "avvikelse", unit)
    lex_sarah = report(stack, staff, "lex_sarah", home_care)
    move_on(stack, chief, lex_sarah, "receive", "start_investigation", serious=True,
            ivo_on=today_in_sweden().isoformat())
    feedback = report(stack, staff, "synpunkt", housing)
    move_on(stack, chief, feedback, "receive", "close")
    action = requests.post(f"{stack.urls['deviations']}/api/v1/deviations/{lex_sarah}/actions", json={
        "title": "Ny rutin för helgbemanning", "owner": "chief-rep-e2e", "due_date": f"{YEAR + 1}-03-31"},
        headers=bearer(chief), timeout=10)
    assert action.status_code == 201, action.text
    # Barn- och utbildningsförvaltningen: 2 avvikelser
    for _ in range(2):
        report(stack, staff, "avvikelse", school)

    fchef1 = stack.token("fchef1-rep-e2e", SUNDSVALL, ["forvaltningschef"], [f1])
    fchef2 = stack.token("fchef2-rep-e2e", SUNDSVALL, ["forvaltningschef"], [f2])
    quality = stack.token("kval-rep-e2e", SUNDSVALL, ["kvalitetsutvecklare"], [board])

    def settled():
        whole = figures(stack, quality)
        done = value(whole, "deviations", "total") == 8 and value(whole, "lex_sarah", "reported_to_ivo") == 1 \
            and value(whole, "complaints_and_feedback", "answered") == 1 and value(whole, "actions", "created") == 1
        return whole if done else None

    wait_until(settled, timeout=60, interval=0.3, message="reporting to count the 8 cases")
    first = figures(stack, fchef1, unit_id=f1)
    second = figures(stack, fchef2, unit_id=f2)
    # The right förvaltning counts its cases, the other does not
    assert value(first, "deviations", "total") == 6 and value(second, "deviations", "total") == 2
    assert {row["kind"]: row["reported"] for row in value(first, "deviations", "by_kind")} == {
        "avvikelse": 4, "lex_sarah": 1, "lex_maria": 0, "klagomal": 0, "synpunkt": 1}
    assert {row["unit_id"] for row in value(first, "deviations", "by_unit")} == {home_care, housing}
    assert {row["unit_id"] for row in value(second, "deviations", "by_unit")} == {school}
    assert value(first, "lex_sarah", "judged_serious") == 1 and value(first, "lex_sarah", "reported_to_ivo") == 1
    assert value(second, "lex_sarah", "reported") == 0
    assert value(first, "complaints_and_feedback", "answered") == 1
    assert value(first, "actions", "created") == 1 and value(second, "actions", "created") == 0
    # a förvaltningschef of the other förvaltning does not see the first one's figures
    refused = requests.get(f"{stack.urls['reporting']}/api/v1/figures", params={"unit_id": f1},
                           headers=bearer(fchef2), timeout=10)
    assert refused.status_code == 404

    # The serious case went on to the risks service as a proposal, and reporting stored that event too
    reporting_db = make_engine(stack.env["ORDNING_REPORTING_DATABASE_URL"])
    try:
        def proposal_stored():
            with reporting_db.connect() as connection:
                return connection.execute(sa.text(
                    "SELECT count(*) FROM event_store WHERE tenant = :t AND type LIKE 'se.ordning.risk.proposal_%'"
                ), {"t": SUNDSVALL}).scalar()
        wait_until(proposal_stored, timeout=30, interval=0.3, message="the risks service's proposal in reporting")
    finally:
        reporting_db.dispose()

    # The region: Sundsvall agrees to be shown; the region sees "< 5" for its one lex Sarah case and its one
    # synpunkt (and the kinds it has none of), and cannot subtract them back from the total
    host = stack.token("host-rep-e2e", REGION, ["region_host"])
    assert region_view(stack, host)["municipalities"] == []
    consent_url = f"{stack.urls['reporting']}/api/v1/region/consent"
    etag = requests.get(consent_url, headers=bearer(admin), timeout=10).headers["ETag"]
    agreed = requests.put(consent_url, json={"region": REGION}, headers=bearer(admin, **{"If-Match": etag}), timeout=10)
    assert agreed.status_code == 200 and agreed.json()["agreed_by"] == "admin-rep-e2e", agreed.text
    region = region_view(stack, host)
    assert [m["tenant"] for m in region["municipalities"]] == [SUNDSVALL]
    sections = {s["key"]: {f["key"]: f for f in s["figures"]} for s in region["sections"]}
    kinds = {row["kind"]: row[SUNDSVALL] for row in sections["deviations"]["by_kind"]["rows"]}
    assert kinds["lex_sarah"] == "< 5" and kinds["synpunkt"] == "< 5" and kinds["lex_maria"] == "< 5"
    assert sections["lex_sarah"]["reported"]["by_municipality"][SUNDSVALL] == "< 5"
    assert sections["lex_sarah"]["days_to_ivo_mean"]["by_municipality"][SUNDSVALL] == ".."
    total = sections["deviations"]["total"]["by_municipality"][SUNDSVALL]
    assert total == 8
    shown = [count for count in kinds.values() if isinstance(count, int)]
    assert total - sum(shown) >= 5, kinds  # what the hidden kinds hold together is no small count
    assert not any(unit in str(region) for unit in (home_care, housing, school, f1, f2))
    municipality_refused = requests.get(f"{stack.urls['reporting']}/api/v1/region/figures",
                                        headers=bearer(quality), timeout=10)
    assert municipality_refused.status_code == 403

    # A rebuild from the stored events gives the figures of the incremental path, while the worker runs. The
    # incremental figures are read again here: the risks service's proposal arrived after the first reading.
    before = {"whole": figures(stack, quality), "first": figures(stack, fchef1, unit_id=f1),
              "second": figures(stack, fchef2, unit_id=f2), "region": region}
    assert value(before["whole"], "risks", "proposals") == 1
    rebuilt = subprocess.run([sys.executable, "-m", "ordning_reporting.rebuild", "--quiet"], env=stack.env,
                             capture_output=True, text=True, timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stderr
    after = {"whole": figures(stack, quality), "first": figures(stack, fchef1, unit_id=f1),
             "second": figures(stack, fchef2, unit_id=f2), "region": region_view(stack, host)}
    for key in before:
        assert after[key]["sections"] == before[key]["sections"], key


def test_a_case_linked_to_a_process_step_counts_under_it_and_an_action_with_effect_follow_up_counts(stack):
    """The step a case is linked to (at report or later, by the deviations service's events), its händelsetyp (set
    and changed on the case) and an action's effect follow-up (the action events' flag) fill deviations.by_process,
    deviations.by_event_type and actions.effect_followed_up."""
    tenant = "2262"
    admin = stack.token("admin-links-e2e", tenant, ["administrator"])
    board = stack.create_unit(admin, "board", "Socialnämnden")
    forvaltning = stack.create_unit(admin, "administration", "Socialförvaltningen", board)
    unit = stack.create_unit(admin, "unit", "Hemtjänst Väst", forvaltning)
    copied = requests.post(f"{stack.urls['processes']}/api/v1/process-templates/socialtjanst_ni_2021_2/copy",
                           json={"unit_id": forvaltning}, headers=bearer(admin), timeout=10)
    assert copied.status_code == 201, copied.text
    process = f"{stack.urls['processes']}/api/v1/processes/{copied.json()['id']}"
    etag = f'"{copied.json()["id"]}.{copied.json()["revision"]}"'
    established = requests.post(f"{process}/establish", json={}, headers=bearer(admin, **{"If-Match": etag}),
                                timeout=10)
    assert established.status_code == 200, established.text  # a case names a step of an established process
    steps = {step["name"]: step["id"] for step in established.json()["established"]["steps"]}
    utreda, other = steps["Utreda"], next(step for name, step in steps.items() if name != "Utreda")

    staff = stack.token("staff-links-e2e", tenant, ["medarbetare"], [unit])
    chief = stack.token("chief-links-e2e", tenant, ["enhetschef"], [unit])
    named = report(stack, staff, "avvikelse", unit)
    linked = report(stack, staff, "avvikelse", unit)
    unlinked = report(stack, staff, "avvikelse", unit)  # no step
    deviations = f"{stack.urls['deviations']}/api/v1/deviations"

    def classify(case, event_type):
        etag = requests.get(f"{deviations}/{case}", headers=bearer(chief), timeout=10).headers["ETag"]
        changed = requests.patch(f"{deviations}/{case}/classification", json={"event_type": event_type},
                                 headers=bearer(chief, **{"If-Match": etag}), timeout=10)
        assert changed.status_code == 200 and changed.json()["event_type"] == event_type, changed.text

    classify(linked, "lakemedel")
    classify(linked, "fall")  # changed: counts under its type now, not the one before
    classify(unlinked, "fall")

    def link(case, step):
        def linked():
            etag = requests.get(f"{deviations}/{case}", headers=bearer(chief), timeout=10).headers["ETag"]
            changed = requests.patch(f"{deviations}/{case}", json={"process_step_id": step},
                                     headers=bearer(chief, **{"If-Match": etag}), timeout=10)
            # the deviations worker learns the process's steps from its established event
            if changed.status_code == 422 and changed.json()["code"] == "unknown_process_step":
                return None
            assert changed.status_code == 200 and changed.json()["process_step_id"] == step, changed.text
            return changed

        wait_until(linked, timeout=60, interval=0.3, message="the deviations service to know the process's steps")

    link(named, other)
    link(named, utreda)  # changed: counts under its step now, not the one before
    link(linked, utreda)
    done, left_open = (requests.post(f"{deviations}/{named}/actions", json={
        "title": title, "owner": "chief-links-e2e", "due_date": f"{YEAR + 1}-03-31"},
        headers=bearer(chief), timeout=10) for title in ("Checklista vid utredning", "Utbildning"))
    assert done.status_code == 201 and left_open.status_code == 201, (done.text, left_open.text)
    completed = requests.post(f"{deviations}/{named}/actions/{done.json()['id']}/transitions",
                              json={"command": "complete", "effect_followup": "Stickprov i september"},
                              headers=bearer(chief, **{"If-Match": done.headers["ETag"]}), timeout=10)
    assert completed.status_code == 200, completed.text

    quality = stack.token("kval-links-e2e", tenant, ["kvalitetsutvecklare"], [board])

    def settled():
        whole = figures(stack, quality)
        by_process = {row["process_step_id"]: row["reported"] for row in value(whole, "deviations", "by_process")}
        by_type = {row["event_type"]: row["reported"] for row in value(whole, "deviations", "by_event_type")}
        done = by_process == {utreda: 2, None: 1} and value(whole, "actions", "done") == 1 \
            and by_type == {"fall": 2, None: 1}
        return whole if done else None

    whole = wait_until(settled, timeout=60, interval=0.3, message="reporting to count the cases per process step")
    assert value(whole, "actions", "created") == 2 and value(whole, "actions", "effect_followed_up") == 1
    assert value(figures(stack, quality, unit_id=unit), "actions", "effect_followed_up") == 1


def test_a_tenants_own_matrix_reaches_reporting_and_its_heat_map_is_drawn_on_it(stack):
    """The risks service announces the default (version 1) and the tenant's 3×3 (version 2) by events; a risk scored
    on the 3×3 is counted on that grid in reporting's heat map, in the tenant's words and colours, and the report's
    riskkarta is drawn on it."""
    tenant = "2283"
    admin = stack.token("admin-matrix-e2e", tenant, ["administrator"])
    board = stack.create_unit(admin, "board", "Socialnämnden")
    forvaltning = stack.create_unit(admin, "administration", "Socialförvaltningen", board)
    unit = stack.create_unit(admin, "unit", "Hemtjänst Öst", forvaltning)
    risks = f"{stack.urls['risks']}/api/v1"
    etag = requests.get(f"{risks}/risk-matrix", headers=bearer(admin), timeout=10).headers["ETag"]  # the default

    def level(p, c):
        return "rod" if p * c >= 6 else "gul" if p * c >= 3 else "gron"
    three = {"probability_steps": [{"value": i, "label": name} for i, name in enumerate(("Ovanlig", "Möjlig", "Trolig"), 1)],
             "consequence_steps": [{"value": i, "label": name} for i, name in enumerate(("Liten", "Kännbar", "Allvarlig"), 1)],
             "levels": [{"code": "gron", "label": "Grön", "colour": "#1b5e20"},
                        {"code": "gul", "label": "Gul", "colour": "#fdd835"},
                        {"code": "rod", "label": "Röd", "colour": "#b71c1c"}],
             "cells": [{"probability": p, "consequence": c, "level": level(p, c)} for p in range(1, 4) for c in range(1, 4)],
             "plan_threshold": "gul"}
    changed = requests.put(f"{risks}/risk-matrix", json=three, headers=bearer(admin, **{"If-Match": etag}), timeout=10)
    assert changed.status_code == 200 and changed.headers["ETag"] == '"risk-matrix.2"', changed.text

    chief = stack.token("chief-matrix-e2e", tenant, ["enhetschef"], [unit])
    body = {"title": "Vinterväglag", "scope_type": "unit", "scope_id": unit, "trigger": "yearly",
            "analysis_date": f"{YEAR}-02-01"}
    deadline = time.monotonic() + 30
    while True:  # the risks service learns of the new unit through the org events
        created = requests.post(f"{risks}/risk-analyses", json=body,
                                headers=bearer(chief, **{"Idempotency-Key": str(uuid.uuid4())}), timeout=10)
        if created.status_code == 201 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert created.status_code == 201 and created.json()["matrix_version"] == 2, created.text
    analysis = f"{risks}/risk-analyses/{created.json()['id']}"
    started = requests.post(f"{analysis}/transitions", json={"command": "start"},
                            headers=bearer(chief, **{"If-Match": created.headers["ETag"]}), timeout=10)
    assert started.status_code == 200, started.text
    risk = requests.post(f"{analysis}/risks", json={"description": "Hemtjänsten hinner inte fram."},
                         headers=bearer(chief), timeout=10)
    assert risk.status_code == 201, risk.text
    scored = requests.post(f"{analysis}/risks/{risk.json()['id']}/scorings",
                           json={"probability": 3, "consequence": 2, "kind": "initial"}, headers=bearer(chief),
                           timeout=10)
    assert scored.status_code == 201, scored.text

    quality = stack.token("kval-matrix-e2e", tenant, ["kvalitetsutvecklare"], [board])

    def counted():
        heat = value(figures(stack, quality), "risks", "heat_map")
        return heat if any(row["initial"] for row in heat) and heat[0]["matrix_version"] == 2 else None

    heat = wait_until(counted, timeout=60, interval=0.3, message="reporting to draw the risk on the tenant's 3×3")
    assert [(row["matrix_version"], row["probability"], row["consequence"]) for row in heat] == [
        (2, p, c) for p in (3, 2, 1) for c in (1, 2, 3)]  # the current grid only: no risk on the default
    cell = next(row for row in heat if (row["probability"], row["consequence"]) == (3, 2))
    assert (cell["initial"], cell["probability_label"], cell["consequence_label"], cell["level_label"],
            cell["level_colour"], cell["current"]) == (1, "Trolig", "Kännbar", "Röd", "#b71c1c", True)
    assert sum(row["initial"] for row in heat) == 1

    fchef = stack.token("fchef-matrix-e2e", tenant, ["forvaltningschef"], [forvaltning])
    made = requests.post(f"{stack.urls['reporting']}/api/v1/reports", json={
        "kind": "quality_report", "scope_type": "administration", "unit_id": forvaltning, "year": YEAR},
        headers=bearer(fchef), timeout=30)
    assert made.status_code == 201, made.text
    chart = requests.get(f"{stack.urls['reporting']}/api/v1/reports/{made.json()['id']}/charts/riskkarta",
                         headers=bearer(fchef), timeout=10)
    assert chart.status_code == 200, chart.text
    assert chart.json()["rows"][0] == ["3 Trolig", 0, 1, 0] and "Röd" in chart.json()["svg"]
