"""Roller och ansvar against the real processes service: duties per role and phase, who holds which role at the
person's units, and an administrator assigning and ending a role."""
from __future__ import annotations

import html
import re

from ordning_shared import demo

from .conftest import csrf_of, sign_in

NORR = demo.unit_id("0138", "Hemtjänst Norr")
FORVALTNING = demo.unit_id("0138", "Socialförvaltningen")
SOLGARDEN = demo.unit_id("0138", "Särskilt boende Solgården")


def hidden(page, name) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page.text).group(1))


def assign(web, **fields):
    page = web.get("/roller")
    return web.post("/roller", data={"csrf_token": csrf_of(page), "idempotency_key": hidden(page, "idempotency_key"),
                                     "valid_from": "2026-01-01", **fields})


def test_duties_per_phase_and_the_link_in_the_menu(web):
    sign_in(web, "erik")
    page = web.get("/roller")
    assert page.status_code == 200
    assert '<a href="/roller" aria-current="page">Roller och ansvar</a>' in page.text
    assert '<option value="enhetschef" selected>' in page.text  # the person's own role first
    for phase in ("Planera", "Genomföra", "Följa upp", "Förbättra"):
        assert f">{phase}</h4>" in page.text
    assert "Rapporterar analys och resultat till överordnad nivå." in page.text
    mas = web.get("/roller?roll=mas").text
    assert "patientsäkerhetsarbete" in mas
    assert "Tilldela en roll" not in page.text  # not an administrator


def test_an_administrator_assigns_and_ends_and_the_staff_sees_who_at_their_units(web):
    sign_in(web, "admin")
    wrong = assign(web, role="enhetschef", unit_id="", user_id="", display_name="")
    assert wrong.status_code == 422 and "Välj en enhet." in wrong.text and 'aria-invalid="true"' in wrong.text
    refused = assign(web, role="enhetschef", unit_id=NORR, user_id="erik@example.se", display_name="Erik")
    assert refused.status_code == 422
    done = assign(web, role="enhetschef", unit_id=NORR, user_id="demo-erik", display_name="Erik Eriksson")
    assert done.status_code == 303, done.text
    assert "Erik Eriksson är enhetschef från 2026-01-01." in web.get("/roller").text  # said once
    assert assign(web, role="mas", unit_id=FORVALTNING, user_id="demo-maria",
                  display_name="Maria Magnusson").status_code == 303
    assert assign(web, role="enhetschef", unit_id=SOLGARDEN, user_id="demo-sara",
                  display_name="Sara Svensson").status_code == 303
    page = web.get("/roller")

    anna = web.__class__(web.application)
    sign_in(anna, "anna")
    mine = anna.get("/roller").text
    assert "Erik Eriksson" in mine and "Maria Magnusson" in mine  # at her unit and above it
    assert "Sara Svensson" not in mine  # another unit's
    assert "Avsluta" not in mine

    rows = re.findall(r'action="/roller/([0-9a-f-]{36})/avsluta".*?name="etag" value="([^"]+)".*?'
                      r'Avsluta<span class="visually-hidden"> ([^<]+)</span>', page.text, re.S)
    target = next((i, e) for i, e, who in rows if "Erik Eriksson" in who)
    ended = web.post(f"/roller/{target[0]}/avsluta", data={"csrf_token": csrf_of(page),
                                                            "etag": html.unescape(target[1])})
    assert ended.status_code == 303
    after = web.get("/roller").text
    assert "är avslutat" in after
    assert not any("Erik Eriksson" in who for _i, _e, who in re.findall(
        r'action="/roller/([0-9a-f-]{36})/avsluta".*?name="etag" value="([^"]+)".*?'
        r'Avsluta<span class="visually-hidden"> ([^<]+)</span>', after, re.S))
    again = web.post(f"/roller/{target[0]}/avsluta", data={"csrf_token": csrf_of(page), "etag": target[1]})
    assert again.status_code == 303 and "Någon annan har ändrat" in web.get("/roller").text
    assert anna.post(f"/roller/{target[0]}/avsluta", data={"csrf_token": csrf_of(anna.get("/roller")),
                                                             "etag": "x"}).status_code == 403
