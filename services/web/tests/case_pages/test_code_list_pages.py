"""Kodlistor against the real deviations service: the settings pages /installningar/kodlistor (the lists, one list
relabelled, retired and added to, refusals at their fields, a stale form) and a case form offering a tenant's own
code. Öckerö's lists (tenant 1407, olle the administrator) are edited, so that Tyresö's pages stay the defaults."""
from __future__ import annotations

import re

from ordning_shared import demo

from .test_case_page import etag_in, form_of

OCKERO = demo.unit_id("1407", "Hemtjänsten Öckerö")
LIST = "/installningar/kodlistor"


def api_list(stack, name, user="olle"):
    status, body, headers = stack.call("deviations", "GET", f"/api/v1/code-lists/{name}", user=user)
    assert status == 200, body
    return body, headers["ETag"]


def rows_of(page: str) -> dict:
    """The list form as posted unchanged: its etag, count and every row's fields."""
    form = form_of(page, "kodlista")
    data = {"etag": etag_in(form), "count": re.search(r'name="count" value="(\d+)"', form).group(1)}
    for index, code in re.findall(r'name="code_(\d+)" value="([^"]+)"', form):
        data[f"code_{index}"] = code
        data[f"label_{index}"] = re.search(rf'name="label_{index}" value="([^"]*)"', form).group(1)
        if re.search(rf'id="active_{index}" name="active_{index}" value="ja" checked', form):
            data[f"active_{index}"] = "ja"
    return data


def test_the_lists_are_for_the_administrator_and_the_kvalitetsutvecklare(browser):
    olle = browser("olle")
    page = olle.get(LIST)
    assert page.status_code == 200 and "<h1>Kodlistor</h1>" in page.text
    assert 'href="/installningar/kodlistor/contact_channels"' in page.text and "Kontaktvägar" in page.text
    assert page.text.count('<a href="/installningar/kodlistor/') == 12
    assert '<a href="/installningar/kodlistor" aria-current="page">Kodlistor</a>' in page.text  # the settings' menu
    assert browser("karin").get(LIST).status_code == 200
    assert browser("anna").get(LIST).status_code == 403
    assert "Kodlistor</a>" not in browser("anna").get("/rapportera").text
    assert olle.get(f"{LIST}/favourite_colours").status_code == 404


def test_a_list_is_relabelled_retired_and_added_to_and_refusals_show_at_their_fields(browser, stack):
    olle = browser("olle")
    path = f"{LIST}/informing_recipients"
    page = olle.get(path).text
    assert '<label class="visually-hidden" for="label_0">Benämning för person_concerned</label>' in page
    data = rows_of(page)
    before, _etag = api_list(stack, "informing_recipients")

    # the web's own check: an empty label, at its field, nothing sent
    answer = olle.post(path, {**data, "label_1": " "}, page=page)
    assert answer.status_code == 422
    assert '<a href="#label_1">Skriv en benämning.</a>' in answer.text
    assert 'id="label_1" name="label_1" value=" " maxlength="100" required aria-invalid="true"' in answer.text
    # the API's refusal: no active entry left
    inactive = {k: v for k, v in data.items() if not k.startswith("active_")}
    answer = olle.post(path, inactive, page=page)
    assert answer.status_code == 422 and "Minst en kod måste vara aktiv." in answer.text
    assert "must" not in answer.text
    assert api_list(stack, "informing_recipients")[0] == before

    # relabel, retire legal_representative, add god_man
    sent = {**data, "label_1": "en anhörig", "new_code": "god_man", "new_label": "en god man"}
    sent.pop("active_2")
    answer = olle.post(path, sent, page=page)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(path)
    after, etag = api_list(stack, "informing_recipients")
    assert [(e["code"], e["label_sv"], e["active"]) for e in after["entries"]] == [
        ("person_concerned", before["entries"][0]["label_sv"], True), ("narstaende", "en anhörig", True),
        ("legal_representative", before["entries"][2]["label_sv"], False), ("god_man", "en god man", True)]
    assert "Kodlistan är sparad." in olle.get(path).text

    # the form read before the change is stale: someone else changed it
    answer = olle.post(path, {**data, "label_0": "den enskilde"}, page=page)
    assert answer.status_code == 412 and "Någon annan har ändrat listan under tiden." in answer.text
    assert api_list(stack, "informing_recipients")[1] == etag
    # Tyresö's list is still the defaults
    theirs, _ = api_list(stack, "informing_recipients", user="admin")
    assert theirs["default"] is True


def test_a_case_form_offers_the_tenants_own_code_and_records_it(browser, stack):
    olle = browser("olle")
    page = olle.get(f"{LIST}/contact_channels").text
    answer = olle.post(f"{LIST}/contact_channels", {**rows_of(page), "new_code": "sms", "new_label": "sms"}, page=page)
    assert answer.status_code == 302, answer.text
    status, case, _ = stack.call("deviations", "POST", "/api/v1/deviations",
                                 {"kind": "klagomal", "unit_id": OCKERO, "description": "Ingen kom i tid."},
                                 user="olle")
    assert status == 201, case
    path = f"/arenden/{case['id']}"
    page = olle.get(path).text
    form = form_of(page, "klagande-formular")
    assert '<option value="sms">Sms</option>' in form and '<option value="phone">Telefon</option>' in form
    answer = olle.post(f"{path}/klagande", {"etag": etag_in(page), "relation": "narstaende", "channel": "sms"},
                       page=page)
    assert answer.status_code == 302, answer.text
    status, after, _ = stack.call("deviations", "GET", f"/api/v1/deviations/{case['id']}", user="olle")
    assert (after["complaint_channel"], after["complaint_channel_label_sv"]) == ("sms", "sms")
    assert "<dt>Kom in via</dt><dd>Sms</dd>" in olle.get(path).text

    # retired: a new complaint's form no longer offers it; the case that has it keeps its label and its choice
    page = olle.get(f"{LIST}/contact_channels").text
    sent = rows_of(page)
    index = next(key.split("_")[1] for key, value in sent.items() if key.startswith("code_") and value == "sms")
    sent.pop(f"active_{index}")
    assert olle.post(f"{LIST}/contact_channels", sent, page=page).status_code == 302
    assert [e["active"] for e in api_list(stack, "contact_channels")[0]["entries"] if e["code"] == "sms"] == [False]
    page = olle.get(path).text
    assert "<dt>Kom in via</dt><dd>Sms</dd>" in page
    assert '<option value="sms" selected>Sms</option>' in form_of(page, "klagande-formular")
    status, other, _ = stack.call("deviations", "POST", "/api/v1/deviations",
                                  {"kind": "klagomal", "unit_id": OCKERO, "description": "Maten var kall."},
                                  user="olle")
    assert status == 201, other
    assert 'value="sms"' not in form_of(olle.get(f"/arenden/{other['id']}").text, "klagande-formular")
