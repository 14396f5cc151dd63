"""Processkarta against the real processes service: a template copied, its draft edited and established, the
map by kind with steps in order, a revision beside the established version, and who may change what."""
from __future__ import annotations

import html
import re

from ordning_shared import demo

from .conftest import csrf_of, sign_in

FORVALTNING = demo.unit_id("0138", "Socialförvaltningen")


def hidden(page, name) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page.text).group(1))


def test_an_administrator_copies_edits_establishes_and_revises_a_process(web):
    sign_in(web, "admin")
    page = web.get("/processkarta")
    assert page.status_code == 200
    assert '<a href="/processkarta" aria-current="page">Processkarta</a>' in page.text
    assert "Huvudprocesser" in page.text and "Stödprocesser" in page.text and "Ledningsprocesser" in page.text
    copied = web.post("/processkarta/mall", data={
        "csrf_token": csrf_of(page), "idempotency_key": hidden(page, "idempotency_key"), "unit_id": FORVALTNING,
        "code": "systematiskt_kvalitetsarbete"})
    assert copied.status_code == 303, copied.text
    process_path = copied.headers["Location"]
    page = web.get(process_path)
    assert "Mallen är kopierad till ett utkast" in page.text and "Version 1</a>: Utkast" in page.text
    steps = re.findall(r'name="steg-([0-9a-f-]{36})-namn"', page.text)
    assert len(steps) == 4
    form = {"csrf_token": csrf_of(page), "etag": hidden(page, "etag"), "namn": "Vårt kvalitetsarbete",
            "syfte": "Att bli bättre", "nytt-steg": "Utvärdera"}
    for step in steps:
        form[f"steg-{step}-namn"] = hidden(page, f"steg-{step}-namn")
    form[f"steg-{steps[0]}-in"] = "Nämndens mål\nFörra årets uppföljning"
    saved = web.post(process_path + "/utkast", data=form)
    assert saved.status_code == 303, saved.text
    page = web.get(process_path)
    assert "Utkastet är sparat." in page.text and "<h1>Vårt kvalitetsarbete</h1>" in page.text
    assert "Nämndens mål, Förra årets uppföljning" in page.text
    names = re.findall(r'<li id="steg-[0-9a-f-]{36}">\s*<strong>([^<]+)</strong>', page.text)
    assert names == ["Planera", "Genomföra", "Följa upp", "Förbättra", "Utvärdera"]

    stale = web.post(process_path + "/faststall", data={"csrf_token": csrf_of(page), "etag": '"x.1"'})
    assert stale.status_code == 412 and "Någon annan har ändrat processen" in stale.text
    established = web.post(process_path + "/faststall", data={
        "csrf_token": csrf_of(page), "etag": hidden(page, "etag"), "beslut": "SN § 7/2026",
        "beslutsdatum": "2026-02-01"})
    assert established.status_code == 303
    page = web.get(process_path)
    assert "Version 1: Fastställd 2026-02-01 (SN § 7/2026)." in page.text and "Påbörja revidering" in page.text

    revised = web.post(process_path + "/revidera", data={"csrf_token": csrf_of(page), "etag": hidden(page, "etag")})
    assert revised.status_code == 303
    page = web.get(process_path)
    assert "Version 1</a>: Fastställd" in page.text and "Version 2</a>: Utkast" in page.text
    assert "Version 1: Fastställd" in page.text  # the established version is what the page shows

    mapped = web.get("/processkarta").text
    stod = mapped[mapped.index('id="stodprocess-rubrik"'):]
    assert "Vårt kvalitetsarbete" in stod and stod.index("Planera") < stod.index("Utvärdera")


def test_a_member_of_staff_reads_the_map_but_changes_nothing(web, services):
    sign_in(web, "erik")
    page = web.get("/processkarta")
    assert page.status_code == 200 and "Kopiera mallen" not in page.text
    assert web.post("/processkarta/mall", data={"csrf_token": csrf_of(page), "unit_id": FORVALTNING,
                                                "code": "systematiskt_kvalitetsarbete"}).status_code == 403
    assert web.get("/processer/00000000-0000-4000-8000-000000000000").status_code == 404
