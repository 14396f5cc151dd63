"""Issue 14 on the case page (/arenden/<id>) against the real deviations service: reclassify, the person concerned
informed, the decision by outcome with its motivering and delegation reference, jäv shown, involved staff."""
from __future__ import annotations

import re
from ordning_shared.workdays import today_in_sweden

from .test_case_page import api_case, api_transition, etag_in, form_of, report


def investigating(stack, kind, user="anna"):
    case = report(stack, kind=kind, user=user, text="Brukaren lämnades ensam under natten.")
    api_transition(stack, case, "receive", user="karin")
    api_transition(stack, case, "start_investigation", user="karin")
    return case


def test_a_klagomal_is_reclassified_to_lex_sarah_on_the_page(stack, browser):
    case = report(stack, kind="klagomal")
    karin = browser("karin")
    path = f"/arenden/{case['id']}"
    page = karin.get(path).text
    form = form_of(page, "klassa-om-formular")
    assert '<option value="lex_sarah">Lex Sarah</option>' in form and 'value="avvikelse"' not in form
    # the web's own check: a reason is needed, the choice is kept
    answer = karin.post(f"{path}/klassa-om", {"kind": "lex_sarah", "reason_code": "", "etag": etag_in(page)},
                        page=page)
    assert answer.status_code == 422
    form = form_of(answer.text, "klassa-om-formular")
    assert 'href="#kom-reason_code"' in form and '<option value="lex_sarah" selected>' in form
    assert re.search(r'<select id="kom-reason_code" name="reason_code" aria-describedby="kom-reason_code-fel" '
                     r'aria-invalid="true">', form)
    answer = karin.post(f"{path}/klassa-om", {"kind": "lex_sarah", "reason_code": "new_facts",
                                              "etag": etag_in(page)}, page=page)
    assert answer.status_code == 302
    after = api_case(stack, case["id"], "karin")
    assert (after["kind"], after["reference"], after["reclassification"]["previous_kind"]) == (
        "lex_sarah", case["reference"], "klagomal")
    page = karin.get(path).text
    assert "<h1>Ärende " + case["reference"] + ": lex Sarah</h1>" in page
    assert 'id="omklassning">Klassat om' in page and "från klagomål: nya uppgifter har kommit fram." in page
    assert 'id="information-formular"' in page  # now lex: the person concerned is to be informed


def test_the_informing_is_recorded_and_a_stale_form_keeps_what_was_written(stack, browser):
    case = investigating(stack, "lex_maria")
    karin = browser("karin")
    path = f"/arenden/{case['id']}"
    page = karin.get(path).text
    assert "Ärendet kan inte avslutas förrän det är gjort" in page
    answer = karin.post(f"{path}/information", {"etag": etag_in(page)}, page=page)
    assert answer.status_code == 422
    assert 'id="inf-informed" aria-describedby="inf-informed-fel" aria-invalid="true"' in answer.text
    # someone else changed the case meanwhile: 412, the fresh case, the input kept
    fresh = api_case(stack, case["id"], "karin")
    status, _body, _ = stack.call("deviations", "PUT", f"/api/v1/deviations/{case['id']}/investigation",
                                  {"why": "Nattpersonal saknades."}, user="karin",
                                  headers={"If-Match": f'"{fresh["id"]}.{fresh["version"]}"'})
    assert status == 200
    view = "Sonen vill att nattrutinen ses över."
    data = {"informed": "ja", "informed_on": today_in_sweden().isoformat(), "method": "phone", "recipient": "narstaende",
            "view": view, "etag": etag_in(page)}
    answer = karin.post(f"{path}/information", data, page=page)
    assert answer.status_code == 412 and view in form_of(answer.text, "information-formular")
    data["etag"] = etag_in(answer.text)
    assert karin.post(f"{path}/information", data, page=answer.text).status_code == 302
    page = karin.get(path).text
    assert f"En närstående informerades {today_in_sweden().isoformat()}, per telefon." in page
    assert 'id="information-syn">' + view in page
    assert api_case(stack, case["id"], "karin")["informing"]["recipient"] == "narstaende"


def test_the_decision_offers_the_kinds_outcomes_and_shows_the_delegation_and_jav(stack, browser):
    case = investigating(stack, "lex_sarah", user="frida")  # reported by the förvaltningschef herself
    path = f"/arenden/{case['id']}"
    frida = browser("frida").get(path).text
    assert 'id="allvarlighet-formular"' not in frida
    assert 'id="allvarlighet-jav"' in frida and "Du är jävig i ärendet" in frida
    assert "Beslutas enligt delegation av förvaltningschef" in frida
    # a lex Maria case: MAS decides from lex Maria's list, with a motivering
    maria_case = investigating(stack, "lex_maria")
    path = f"/arenden/{maria_case['id']}"
    maria = browser("maria")
    page = maria.get(path).text
    form = form_of(page, "allvarlighet-formular")
    assert 'value="allvarlig_vardskada"' in form and 'value="missforhallande"' not in form
    answer = maria.post(f"{path}/allvarlighet", {"outcome": "ingen_vardskada", "motivering": "",
                                                 "etag": etag_in(page)}, page=page)
    assert answer.status_code == 422 and 'href="#allv-motivering"' in answer.text
    assert 'id="allv-ingen_vardskada" checked' in answer.text
    answer = maria.post(f"{path}/allvarlighet", {"outcome": "ingen_vardskada", "motivering": "Ingen skada uppstod.",
                                                 "etag": etag_in(page)}, page=page)
    assert answer.status_code == 302
    page = maria.get(path).text
    assert "<dt>Utfall</dt><dd>Ingen vårdskada</dd>" in page and "Ingen skada uppstod." in page
    assert "<dt>Enligt delegation</dt>" in page


def test_named_involved_staff_no_longer_see_the_case(stack, browser):
    case = investigating(stack, "avvikelse")
    path = f"/arenden/{case['id']}"
    assert browser("erik").get(path).status_code == 200
    karin = browser("karin")
    page = karin.get(path).text
    answer = karin.post(f"{path}/inblandade", {"user_ids": "demo erik", "etag": etag_in(page)}, page=page)
    assert answer.status_code == 422 and 'id="inbl-user_ids"' in answer.text and 'aria-invalid="true"' in answer.text
    answer = karin.post(f"{path}/inblandade", {"user_ids": "demo-erik", "etag": etag_in(page)}, page=page)
    assert answer.status_code == 302
    assert "<li>demo-erik</li>" in karin.get(path).text
    hidden = browser("erik").get(path)
    assert hidden.status_code == 404 and case["description"] not in hidden.text
