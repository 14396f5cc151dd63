"""Organisation against the real processes service: the tree, create, rename, move, close, and refusals."""
from __future__ import annotations

import html
import re
import uuid

import requests
from ordning_shared import demo

from .conftest import csrf_of, sign_in

NAMND = demo.unit_id("0138", "Socialnämnden")
FORVALTNING = demo.unit_id("0138", "Socialförvaltningen")
ALDRE = demo.unit_id("0138", "Äldreomsorg")
IFO = demo.unit_id("0138", "Individ- och familjeomsorg")


def hidden(page, name) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page.text).group(1))


def create(web, name, kind="unit", parent=ALDRE):
    page = web.get("/organisation")
    return web.post("/organisation", data={"csrf_token": csrf_of(page), "name": name, "kind": kind,
                                          "idempotency_key": hidden(page, "idempotency_key"), "parent_id": parent})


def unit_id_of(answer) -> str:
    return re.search(r"#enhet-([0-9a-f-]{36})", answer.headers["Location"]).group(1)


def api_unit(services, unit_id) -> dict:
    return requests.get(f"{services.urls['processes']}/api/v1/org-units/{unit_id}",
                        headers={"Authorization": f"Bearer {services.token('admin')}"}, timeout=10).json()


def test_the_tree_is_nested_lists_with_each_kind_in_swedish_and_a_link_in_the_menu(web):
    sign_in(web, "admin")
    page = web.get("/organisation")
    assert page.status_code == 200
    text = page.text
    assert '<a href="/organisation" aria-current="page">Organisation</a>' in text
    assert re.search(rf'<li id="enhet-{NAMND}">\s*<a [^>]*>Socialnämnden</a>\s*'
                     rf'<span class="org-kind">\(Nämnd\)</span>\s*<ul class="org-tree">\s*'
                     rf'<li id="enhet-{FORVALTNING}">', text)
    assert "(Förvaltning)" in text and "(Verksamhetsområde)" in text and "(Utförare i privat regi)" in text
    assert text.index("Socialförvaltningen") < text.index("Äldreomsorg") < text.index("Hemtjänst Norr")
    assert "Hemtjänsten Öckerö" not in text  # another municipality's tree


def test_others_get_no_link_and_a_swedish_403(web):
    sign_in(web, "erik")
    assert "/organisation" not in web.get("/rapportera").text
    page = web.get("/organisation")
    assert page.status_code == 403 and "Du har inte behörighet" in page.text
    assert web.get(f"/organisation/{ALDRE}").status_code == 403
    post = web.post(f"/organisation/{ALDRE}/stang", data={"csrf_token": csrf_of(web.get("/rapportera")), "etag": "x"})
    assert post.status_code == 403


def test_an_administrator_creates_a_unit_once_even_when_the_form_is_sent_twice(web, services):
    sign_in(web, "admin")
    page = web.get("/organisation")
    form = {"csrf_token": csrf_of(page), "idempotency_key": hidden(page, "idempotency_key"),
            "name": "Hemtjänst Väst", "kind": "unit", "parent_id": ALDRE}
    first, again = web.post("/organisation", data=form), web.post("/organisation", data=form)
    assert first.status_code == 303 and first.headers["Location"] == again.headers["Location"]
    tree = web.get("/organisation").text
    assert "Enhet Hemtjänst Väst är skapad." in tree and tree.count(">Hemtjänst Väst</a>") == 1
    assert api_unit(services, unit_id_of(first))["parent_id"] == ALDRE


def test_a_refused_creation_is_shown_in_swedish_at_its_field_with_the_input_kept(web):
    sign_in(web, "admin")
    # An administration cannot sit under a division: the API's 422 belongs at "Ligger under".
    page = create(web, "Fel förvaltning", kind="administration", parent=ALDRE)
    assert page.status_code == 422, page.text
    assert re.search(r'<p class="field-error" id="parent_id-fel">', page.text)
    assert re.search(r'<select id="parent_id" name="parent_id"[^>]*aria-invalid="true"', page.text)
    assert 'value="Fel förvaltning"' in page.text
    empty = create(web, "  ")
    assert empty.status_code == 422 and '<a href="#name">Skriv ett namn.</a>' in empty.text


def test_rename_and_move(web, services):
    sign_in(web, "admin")
    unit_id = unit_id_of(create(web, "Dagverksamhet"))
    page = web.get(f"/organisation/{unit_id}")
    assert page.status_code == 200 and "<h1>Dagverksamhet" in page.text
    renamed = web.post(f"/organisation/{unit_id}/namn", data={"csrf_token": csrf_of(page), "etag": hidden(page, "etag"),
                                                             "name": "Dagverksamhet Solen"})
    assert renamed.status_code == 303
    assert "Namnet är ändrat till Dagverksamhet Solen." in web.get("/organisation").text
    page = web.get(f"/organisation/{unit_id}")
    moved = web.post(f"/organisation/{unit_id}/flytta", data={"csrf_token": csrf_of(page), "etag": hidden(page, "etag"),
                                                             "parent_id": IFO})
    assert moved.status_code == 303
    unit = api_unit(services, unit_id)
    assert unit["name"] == "Dagverksamhet Solen" and unit["parent_id"] == IFO


def test_a_refused_move_is_at_the_parent_field(web):
    sign_in(web, "admin")
    unit_id = unit_id_of(create(web, "Korttidsboende"))
    page = web.get(f"/organisation/{unit_id}")
    refused = web.post(f"/organisation/{unit_id}/flytta", data={"csrf_token": csrf_of(page),
                                                               "etag": hidden(page, "etag"), "parent_id": ""})
    assert refused.status_code == 422, refused.text
    assert re.search(r'<p class="field-error" id="new_parent_id-fel">', refused.text)
    assert '<a href="#new_parent_id">' in refused.text


def test_a_stale_etag_shows_the_fresh_tree_with_the_input_kept(web, services):
    sign_in(web, "admin")
    unit_id = unit_id_of(create(web, "Matdistribution"))
    page = web.get(f"/organisation/{unit_id}")
    stale = hidden(page, "etag")
    # Someone else renames it meanwhile.
    other = requests.patch(f"{services.urls['processes']}/api/v1/org-units/{unit_id}", json={"name": "Matleveranser"},
                           headers={"Authorization": f"Bearer {services.token('admin')}", "If-Match": stale},
                           timeout=10)
    assert other.status_code == 200
    answer = web.post(f"/organisation/{unit_id}/namn", data={"csrf_token": csrf_of(page), "etag": stale,
                                                            "name": "Matdistribution Syd"})
    assert answer.status_code == 412
    assert "Någon annan har ändrat enheten under tiden." in answer.text
    assert 'value="Matdistribution Syd"' in answer.text  # what the person wrote
    assert "<h1>Matleveranser" in answer.text  # the fresh tree
    fresh = hidden(answer, "etag")
    assert fresh != stale
    again = web.post(f"/organisation/{unit_id}/namn", data={"csrf_token": csrf_of(answer), "etag": fresh,
                                                           "name": "Matdistribution Syd"})
    assert again.status_code == 303
    assert api_unit(services, unit_id)["name"] == "Matdistribution Syd"


def test_close_asks_first_and_a_unit_with_open_units_below_is_refused(web, services):
    sign_in(web, "admin")
    refused_page = web.get(f"/organisation/{ALDRE}/stang")
    assert refused_page.status_code == 200 and "Vill du stänga Äldreomsorg?" in refused_page.text
    refused = web.post(f"/organisation/{ALDRE}/stang", data={"csrf_token": csrf_of(refused_page),
                                                            "etag": hidden(refused_page, "etag")})
    assert refused.status_code == 409 and 'id="close-fel"' in refused.text
    assert api_unit(services, ALDRE)["closed_at"] is None

    unit_id = unit_id_of(create(web, "Fritidsgården " + uuid.uuid4().hex[:6]))
    page = web.get(f"/organisation/{unit_id}/stang")
    closed = web.post(f"/organisation/{unit_id}/stang",
                      data={"csrf_token": csrf_of(page), "etag": hidden(page, "etag")})
    assert closed.status_code == 303
    assert api_unit(services, unit_id)["closed_at"] is not None
    assert f'id="enhet-{unit_id}"' not in web.get("/organisation").text
    assert web.get(f"/organisation/{unit_id}").status_code == 404
