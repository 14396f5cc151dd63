"""Ärendet's IVO steps (issue 14) against the real services: kompletteringar, IVO's decision, the händelseanalys of
a lex Maria case, and an external provider's report followed up by the municipality."""
from __future__ import annotations

from datetime import timedelta

from ordning_shared import demo
from ordning_shared.workdays import today_in_sweden

from .test_case_page import api_case, api_transition, etag_in, form_of

NORR = demo.unit_id("0138", "Hemtjänst Norr")
PROVIDER = demo.unit_id("0138", "Omsorgshuset AB (privat regi)")


def serious_case(stack, kind="lex_maria", unit=NORR, reporter="anna", handler="erik", decider="maria"):
    status, case, _ = stack.call("deviations", "POST", "/api/v1/deviations",
                                 {"kind": kind, "unit_id": unit, "description": "Fel dos gavs vid lunch."},
                                 user=reporter)
    assert status == 201, case
    api_transition(stack, case, "receive", handler)
    api_transition(stack, case, "start_investigation", handler)
    fresh = api_case(stack, case["id"], decider)
    status, body, _ = stack.call("deviations", "PUT", f"/api/v1/deviations/{case['id']}/seriousness",
                                 {"serious": True}, user=decider,
                                 headers={"If-Match": f'"{fresh["id"]}.{fresh["version"]}"'})
    assert status == 200, body
    return body


def test_komplettering_and_ivo_decision_through_the_page(stack, browser):
    case = serious_case(stack)
    path = f"/arenden/{case['id']}"
    erik = browser("erik")
    page = erik.get(path).text
    assert 'id="ivo-steg"' not in page  # no kompletteringar before the report to IVO
    assert 'id="ivo"' not in page  # the MAS reports a lex Maria case to IVO, not the enhetschef
    maria = browser("maria")
    page = maria.get(path).text
    assert maria.post(f"{path}/ivo", {"reported_on": today_in_sweden().isoformat(), "ivo_reference": "3.5.1-7/2026",
                                      "etag": etag_in(page)}, page=page).status_code == 302

    page = erik.get(path).text
    assert "IVO har inte begärt någon komplettering." in page and 'id="komplettering-formular"' in page
    refused = erik.post(f"{path}/ivo/komplettering", {"requested_on": "igår", "request": "",
                                                      "etag": etag_in(page)}, page=page)
    assert refused.status_code == 422
    form = form_of(refused.text, "komplettering-formular")
    assert 'role="alert"' in form and 'aria-invalid="true"' in form and "Skriv vad IVO begär." in form
    answer = erik.post(f"{path}/ivo/komplettering", {"requested_on": today_in_sweden().isoformat(),
                                                     "request": "Komplettera med vidtagna åtgärder.",
                                                     "due_on": (today_in_sweden() + timedelta(days=14)).isoformat(),
                                                     "etag": etag_in(page)}, page=page)
    assert answer.status_code == 302, answer.text
    page = erik.get(path).text
    assert "Komplettera med vidtagna åtgärder." in page
    [supplement] = api_case(stack, case["id"], "erik")["ivo_supplements"]
    answer = erik.post(f"{path}/ivo/komplettering/{supplement['id']}",
                       {"answered_on": today_in_sweden().isoformat(), "etag": etag_in(page)}, page=page)
    assert answer.status_code == 302
    assert api_case(stack, case["id"], "erik")["ivo_supplements"][0]["answered_on"] == today_in_sweden().isoformat()

    # IVO's decision: a day before the report is refused at its field, by the API's rule
    page = erik.get(path).text
    refused = erik.post(f"{path}/ivo/beslut", {"decided_on": (today_in_sweden() - timedelta(days=1)).isoformat(),
                                               "outcome": "criticism", "etag": etag_in(page)}, page=page)
    assert refused.status_code == 422
    form = form_of(refused.text, "beslut-formular")
    assert 'id="besl-decided_on"' in form and 'aria-invalid="true"' in form
    assert "Datumet kan inte ligga före anmälan till IVO." in form
    assert 'value="criticism" id="besl-outcome-criticism" checked' in form  # the choice kept
    answer = erik.post(f"{path}/ivo/beslut", {"decided_on": today_in_sweden().isoformat(), "outcome": "criticism",
                                              "decision_reference": "3.5.1-7/2026-2", "etag": etag_in(page)},
                       page=page)
    assert answer.status_code == 302
    page = erik.get(path).text
    assert f"IVO beslutade {today_in_sweden().isoformat()}: kritik (diarienummer 3.5.1-7/2026-2)." in page

    # a stale form: 412 with the fresh case and the input kept
    stale = erik.post(f"{path}/ivo/beslut", {"decided_on": today_in_sweden().isoformat(), "outcome": "closed_other",
                                             "etag": f'"{case["id"]}.1"'}, page=page)
    assert stale.status_code == 412
    assert 'value="closed_other" id="besl-outcome-closed_other" checked' in form_of(stale.text, "beslut-formular")


def test_the_handelseanalys_links_root_causes_to_the_cases_actions(stack, browser):
    case = serious_case(stack)
    path = f"/arenden/{case['id']}"
    fresh = api_case(stack, case["id"], "erik")
    status, action, _ = stack.call("deviations", "POST", f"/api/v1/deviations/{case['id']}/actions",
                                   {"title": "Inför dubbelkontroll", "owner": "demo-erik",
                                    "due_date": (today_in_sweden() + timedelta(days=30)).isoformat()}, user="erik")
    assert status == 201, action
    erik = browser("erik")
    page = erik.get(path).text
    assert 'id="analys-formular"' in page and "Inför dubbelkontroll" in form_of(page, "analys-formular")
    refused = erik.post(f"{path}/handelseanalys", {"method": "", "participants": "bara ett namn",
                                                   "cause_0_category": "routines", "etag": etag_in(page)}, page=page)
    assert refused.status_code == 422
    form = form_of(refused.text, "analys-formular")
    assert "Välj metod." in form and "Skriv en deltagare per rad" in form and "Beskriv orsaken" in form
    assert "bara ett namn" in form  # the input kept
    answer = erik.post(f"{path}/handelseanalys", {
        "method": "handelseanalys", "participants": "sjuksköterska: Sara Lind\nundersköterska: Anna Andersson",
        "cause_0_category": "routines", "cause_0_text": "Ingen dubbelkontroll vid delning.",
        "cause_0_actions": action["id"], "cause_1_category": "communication",
        "cause_1_text": "Otydlig ordination.", "completed_on": today_in_sweden().isoformat(),
        "etag": etag_in(page)}, page=page)
    assert answer.status_code == 302, answer.text
    analysis = api_case(stack, case["id"], "erik")["event_analysis"]
    assert analysis["completed_on"] == today_in_sweden().isoformat()
    assert [(c["category"], c["action_ids"]) for c in analysis["root_causes"]] == [
        ("routines", [action["id"]]), ("communication", [])]
    page = erik.get(path).text
    assert "Rutiner och riktlinjer".lower() in page.lower() and "(åtgärder: Inför dubbelkontroll)" in page
    assert "sjuksköterska: Sara Lind" in page
    assert fresh["version"] < api_case(stack, case["id"], "erik")["version"]


def test_an_external_providers_case_records_its_report_and_the_follow_up(stack, browser):
    case = serious_case(stack, kind="lex_sarah", unit=PROVIDER, reporter="karin", handler="karin",
                        decider="frida")
    path = f"/arenden/{case['id']}"
    karin = browser("karin")
    page = karin.get(path).text
    assert 'id="utforare"' in page and 'id="ivo"' not in page  # no municipal IVO report form
    assert 'id="utforare-uppfoljning-formular"' not in page  # the follow-up comes after the provider's report
    answer = karin.post(f"{path}/utforare/anmalan", {"provider_reported_on": today_in_sweden().isoformat(),
                                                    "provider_reference": "", "etag": etag_in(page)}, page=page)
    assert answer.status_code == 302, answer.text
    page = karin.get(path).text
    assert f"Utföraren anmälde till IVO {today_in_sweden().isoformat()}." in page
    refused = karin.post(f"{path}/utforare/uppfoljning", {"followed_up_on": today_in_sweden().isoformat(),
                                                         "assessment": "", "etag": etag_in(page)}, page=page)
    assert refused.status_code == 422
    form = form_of(refused.text, "utforare-uppfoljning-formular")
    assert "Skriv kommunens bedömning." in form and "Välj vad uppföljningen ledde till." in form
    answer = karin.post(f"{path}/utforare/uppfoljning", {
        "followed_up_on": today_in_sweden().isoformat(), "assessment": "Utförarens utredning räcker.",
        "follow_up_outcome": "sufficient", "etag": etag_in(page)}, page=page)
    assert answer.status_code == 302
    page = karin.get(path).text
    assert "Uppföljt " + today_in_sweden().isoformat() + ": tillräckligt. Utförarens utredning räcker." in page
    assert api_case(stack, case["id"], "karin")["provider_follow_up"]["outcome"] == "sufficient"
