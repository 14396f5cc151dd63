"""Ärendet (/arenden/<id>) against the real deviations service: buttons, blocked reasons, forms, 412, 404, history."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import sqlalchemy as sa
from ordning_deviations import db as deviations_db
from ordning_shared import demo
from ordning_shared.workdays import today_in_sweden

NORR = demo.unit_id("0138", "Hemtjänst Norr")


def report(stack, kind="avvikelse", user="anna", text="Brukaren föll i badrummet vid kvällsbesöket."):
    status, body, _ = stack.call("deviations", "POST", "/api/v1/deviations",
                                 {"kind": kind, "unit_id": NORR, "description": text}, user=user)
    assert status == 201, body
    return body


def api_case(stack, case_id, user):
    status, body, headers = stack.call("deviations", "GET", f"/api/v1/deviations/{case_id}", user=user)
    assert status == 200, body
    return body


def api_transition(stack, case, command, user="erik"):
    fresh = api_case(stack, case["id"], user)
    status, body, _ = stack.call("deviations", "POST", f"/api/v1/deviations/{case['id']}/transitions",
                                 {"command": command}, user=user,
                                 headers={"If-Match": f'"{fresh["id"]}.{fresh["version"]}"'})
    assert status == 200, body
    return body


def buttons(page_text: str) -> set[str]:
    return set(re.findall(r'<button[^>]*data-command="([a-z_]+)"', page_text))


def etag_in(page_text: str) -> str:
    return re.search(r'name="etag" value="([^"]+)"', page_text).group(1).replace("&#34;", '"').replace("&quot;", '"')


def form_of(page_text: str, form_id: str) -> str:
    start = page_text.index(f'id="{form_id}"')
    return page_text[start:page_text.index("</form>", start)]


def test_the_buttons_are_the_allowed_commands_of_each_role(stack, browser):
    case = report(stack)
    seen = set()
    for step in (None, "receive", "start_investigation"):
        if step:
            api_transition(stack, case, step)
        for user in ("erik", "frida", "karin", "maria"):  # anna, the reporter: her feedback view (issue 14)
            allowed = set(api_case(stack, case["id"], user)["allowed_commands"])
            page = browser(user).get(f"/arenden/{case['id']}")
            assert page.status_code == 200, (user, page.status_code)
            assert buttons(page.text) == allowed, (step, user)
            seen |= allowed
    assert {"receive", "reject", "start_investigation"} <= seen
    page = browser("erik").get(f"/arenden/{case['id']}").text
    # completing waits for the investigation's text: shown as blocked, no button; flagging does not wait
    assert buttons(page) == {"flag_possible_elsewhere"}
    assert "Markera: kan inträffa på andra enheter" in page
    assert ('data-blocked="complete_investigation"><span class="blocked__label">Slutför utredningen:</span> '
            'Utredningen saknar vad hände, varför, vad måste ändras.</li>') in page
    # the reporter who does not handle the case: 404 on the case, its återkoppling under Mina rapporter (issue 14)
    reporter = browser("anna")
    assert reporter.get(f"/arenden/{case['id']}").status_code == 404
    view = reporter.get(f"/mina-rapporter/{case['id']}").text
    assert buttons(view) == set() and 'id="aterkoppling-status"' in view
    assert 'id="utredning-formular"' not in view and 'id="ny-atgard"' not in view


def test_a_case_is_handled_through_the_page_and_a_blocked_close_shows_its_reason(stack, browser):
    case = report(stack)
    erik = browser("erik")
    path = f"/arenden/{case['id']}"
    for command in ("receive", "start_investigation"):
        page = erik.get(path).text
        assert command in buttons(page)
        answer = erik.post(f"{path}/overgang", {"command": command, "etag": etag_in(page)}, page=page)
        assert answer.status_code == 302, answer.text
    page = erik.get(path).text
    answer = erik.post(f"{path}/utredning", {"etag": etag_in(page), "what_happened": "Golvet var vått.",
                                             "why": "Ingen halkmatta.", "what_must_change": "Halkmatta i badrum."},
                       page=page)
    assert answer.status_code == 302
    page = erik.get(path).text
    assert "Utredningen är sparad." in page and "Golvet var vått." in page
    due = (today_in_sweden() + timedelta(days=14)).isoformat()
    answer = erik.post(f"{path}/atgarder", {"title": "Köp halkmattor", "owner": "demo-erik", "due_date": due,
                                            "idempotency_key": uuid.uuid4().hex}, page=page)
    assert answer.status_code == 302
    page = erik.get(path).text
    answer = erik.post(f"{path}/overgang", {"command": "complete_investigation", "etag": etag_in(page)}, page=page)
    assert answer.status_code == 302

    page = erik.get(path).text
    assert "close" not in buttons(page)
    blocked = re.search(r'data-blocked="close">(.*?)</li>', page, re.S).group(1)
    assert "Avsluta:" in blocked and "förbättringsåtgärd" in blocked and "The case" not in blocked

    action = stack.call("deviations", "GET", f"/api/v1/deviations/{case['id']}/actions", user="erik")[1][0]
    assert action["owner"] == "demo-erik"
    answer = erik.post(f"{path}/atgarder/{action['id']}/ansvarig",
                       {"owner": "demo-frida", "etag": f'"{action["id"]}.{action["version"]}"'}, page=page)
    assert answer.status_code == 302
    page = erik.get(path).text
    assert '<span class="action__owner">demo-frida</span>' in page
    action = stack.call("deviations", "GET", f"/api/v1/deviations/{case['id']}/actions", user="erik")[1][0]
    answer = erik.post(f"{path}/atgarder/{action['id']}/klar",
                       {"effect_followup": "Stickprov om tre månader.",
                        "etag": f'"{action["id"]}.{action["version"]}"'}, page=page)
    assert answer.status_code == 302
    page = erik.get(path).text
    assert "close" in buttons(page) and 'data-blocked="close"' not in page
    assert "Uppföljning av effekten: Stickprov om tre månader." in page
    answer = erik.post(f"{path}/overgang", {"command": "close", "etag": etag_in(page)}, page=page)
    assert answer.status_code == 302
    assert api_case(stack, case["id"], "erik")["status"] == "closed"
    page = erik.get(path).text
    assert 'id="fakta-status"><span class="status status--closed">Avslutat' in page
    assert buttons(page) == {"reopen"}


def test_someone_elses_change_gives_412_with_the_fresh_case_and_the_input_kept(stack, browser):
    case = report(stack)
    api_transition(stack, case, "receive")
    api_transition(stack, case, "start_investigation")
    erik = browser("erik")
    path = f"/arenden/{case['id']}"
    page = erik.get(path).text
    seen = etag_in(page)
    fresh = api_case(stack, case["id"], "frida")  # frida writes meanwhile
    status, _, _ = stack.call("deviations", "PUT", f"/api/v1/deviations/{case['id']}/investigation",
                              {"why": "Fridas orsak."}, user="frida",
                              headers={"If-Match": f'"{fresh["id"]}.{fresh["version"]}"'})
    assert status == 200
    answer = erik.post(f"{path}/utredning", {"etag": seen, "what_happened": "Eriks egen text om händelsen.",
                                             "why": "Eriks orsak.", "what_must_change": ""}, page=page)
    assert answer.status_code == 412
    assert "Någon annan har ändrat ärendet medan du arbetade." in answer.text
    form = form_of(answer.text, "utredning-formular")
    assert "Eriks egen text om händelsen." in form and "Eriks orsak." in form
    assert etag_in(form) != seen  # the fresh case's ETag: saving again goes through
    answer = erik.post(f"{path}/utredning", {"etag": etag_in(form), "what_happened": "Eriks egen text om händelsen.",
                                             "why": "Eriks orsak.", "what_must_change": ""}, page=answer.text)
    assert answer.status_code == 302
    assert api_case(stack, case["id"], "erik")["investigation"]["why"] == "Eriks orsak."


def test_refusals_are_shown_at_their_field(stack, browser):
    case = report(stack, kind="lex_sarah")
    api_transition(stack, case, "receive")
    erik = browser("erik")
    path = f"/arenden/{case['id']}"
    page = erik.get(path).text
    # the web's own check: the fields of a new action
    answer = erik.post(f"{path}/atgarder", {"title": "", "owner": "", "due_date": "i morgon"}, page=page)
    assert answer.status_code == 422
    form = form_of(answer.text, "ny-atgard")
    title = re.search(r'<input type="text" id="atg-title"[^>]*>', form).group(0)
    assert 'aria-describedby="atg-title-fel"' in title and 'aria-invalid="true"' in title
    assert '<p class="field-error" id="atg-title-fel">' in form and '<label for="atg-title">' in form
    assert 'href="#atg-due_date"' in form and 'value="i morgon"' in form
    # the API's 409: seriousness is decided once the investigation has started
    frida = browser("frida")  # who the delegation names for lex Sarah (issue 14)
    page = frida.get(path).text
    answer = frida.post(f"{path}/allvarlighet", {"outcome": "missforhallande", "motivering": "Brist.",
                                                 "etag": etag_in(page)}, page=page)
    assert answer.status_code == 409
    assert "Allvarlighetsgraden kan beslutas först när utredningen har startat" in answer.text
    assert "Seriousness can be decided" not in answer.text
    # the API's 422 at the field: a text past the services' bound
    api_transition(stack, case, "start_investigation")
    page = erik.get(path).text
    answer = erik.post(f"{path}/utredning", {"etag": etag_in(page), "what_happened": "x" * 10_001, "why": "Kort."},
                       page=page)
    assert answer.status_code == 422
    form = form_of(answer.text, "utredning-formular")
    assert 'aria-describedby="utr-what_happened-hint utr-what_happened-fel" aria-invalid="true"' in form
    assert "Kort." in form


def test_the_seriousness_decision_and_the_ivo_record_of_a_lex_sarah_case(stack, browser):
    case = report(stack, kind="lex_sarah")
    api_transition(stack, case, "receive")
    api_transition(stack, case, "start_investigation")
    path = f"/arenden/{case['id']}"
    erik = browser("frida")  # issue 14: the tenant's delegation names the förvaltningschef for lex Sarah
    page = erik.get(path).text
    assert 'id="allvarlighet-formular"' in page and 'id="ivo"' not in page
    assert erik.post(f"{path}/allvarlighet", {"outcome": "missforhallande", "motivering": "Tillsynen brast.",
                                              "etag": etag_in(page)}, page=page).status_code == 302
    page = erik.get(path).text
    assert "<strong>allvarligt</strong>" in page and 'id="ivo"' in page
    answer = erik.post(f"{path}/ivo", {"reported_on": today_in_sweden().isoformat(), "ivo_reference": "3.5.1-999/2026",
                                       "etag": etag_in(page)}, page=page)
    assert answer.status_code == 302
    page = erik.get(path).text
    assert f"Anmält till IVO {today_in_sweden().isoformat()}, diarienummer 3.5.1-999/2026." in page
    assert api_case(stack, case["id"], "frida")["ivo_report"]["reference"] == "3.5.1-999/2026"


def test_a_case_one_may_not_read_is_the_same_404_page_as_none(stack, browser):
    case = report(stack)
    for user, path in (("erik", f"/arenden/{uuid.uuid4()}"), ("erik", "/arenden/inte-ett-id"),
                       ("sara", f"/arenden/{case['id']}"), ("olle", f"/arenden/{case['id']}"),
                       ("sara", f"/arenden/nummer/{case['reference']}"), ("erik", "/arenden/nummer/2026-999999")):
        page = browser(user).get(path)
        assert page.status_code == 404, (user, path)
        assert "Ärendet finns inte eller så får du inte se det" in page.text
        assert case["description"] not in page.text
    found = browser("erik").get(f"/arenden/nummer/{case['reference']}")
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/arenden/{case['id']}")


def test_the_history_is_shown_only_to_who_may_read_it(stack, browser):
    case = report(stack)
    api_transition(stack, case, "receive")
    path = f"/arenden/{case['id']}"
    page = browser("erik").get(path)  # an enhetschef: the API answers 403 for the audit trail
    assert page.status_code == 200 and 'id="historik"' not in page.text and "Historik" not in page.text
    page = browser("karin").get(path)  # a kvalitetsutvecklare may read it
    assert 'id="historik"' in page.text and "demo-erik tog emot ärendet." in page.text


def test_the_facts_and_an_overdue_marker(stack, browser, services):
    case = report(stack, text="Nyckeln saknades vid överlämningen.")
    page = browser("erik").get(f"/arenden/{case['id']}").text
    assert "<h1>Ärende " + case["reference"] + ": avvikelse</h1>" in page
    assert 'id="fakta-enhet">Hemtjänst Norr<' in page and 'id="fakta-status"><span class="status status--reported">Anmält' in page
    assert 'id="fakta-anmalare">Anna Andersson, undersköterska<' in page
    assert f"Tas emot senast</dt><dd>{case['receipt_due']}" in page
    # an overdue case: its receipt deadline moved into the past in the service's own database
    platform = services.platforms["deviations"]
    table = deviations_db.deviations
    with platform.engine.begin() as connection:
        connection.execute(sa.update(table).where(table.c.id == case["id"])
                           .values(receipt_due=today_in_sweden() - timedelta(days=3)))
    page = browser("erik").get(f"/arenden/{case['id']}").text
    assert 'data-overdue="receipt"' in page and "Försenat:" in page


def test_mas_decides_the_seriousness_of_a_lex_maria_case_and_the_enhetschef_does_not(stack, browser):
    case = report(stack, kind="lex_maria", text="Fel läkemedel gavs vid lunch.")
    api_transition(stack, case, "receive")
    api_transition(stack, case, "start_investigation")
    path = f"/arenden/{case['id']}"
    erik = browser("erik").get(path).text
    assert 'id="allvarlighet"' in erik and 'id="allvarlighet-formular"' not in erik
    assert "En allvarlig vårdskada ska anmälas till IVO" in erik
    assert 'id="allvarlighet-formular"' in browser("maria").get(path).text


def test_rejecting_asks_why_and_a_signed_out_person_is_sent_to_sign_in(stack, browser):
    case = report(stack)
    path = f"/arenden/{case['id']}"
    answer = browser().get(path)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/logga-in?next=/arenden/")
    erik = browser("erik")
    page = erik.get(path).text
    assert 'id="kommando-reject"' in page and "<summary>Avvisa ärendet</summary>" in page
    answer = erik.post(f"{path}/overgang", {"command": "reject", "reason": "duplicate", "etag": etag_in(page)},
                       page=page)
    assert answer.status_code == 422 and "<details class=\"reject\" open>" in answer.text
    field = re.search(r'<input type="text" id="hant-duplicate_of"[^>]*>', answer.text).group(0)
    assert 'aria-invalid="true"' in field
    assert api_case(stack, case["id"], "erik")["status"] == "reported"
    answer = erik.post(f"{path}/overgang", {"command": "reject", "reason": "spam", "etag": etag_in(page)}, page=page)
    assert answer.status_code == 302
    rejected = api_case(stack, case["id"], "erik")
    assert rejected["status"] == "rejected" and rejected["rejection"]["reason"] == "spam"
    assert "Avvisat: skräppost" in erik.get(path).text
