"""Notiser against the real notify service: a case reported at a unit reaches its enhetschef's inbox through the
events (role copy, org-tree copy, the default rules), unread first; following a notice opens its case and reads it;
one or all are marked read; the unread count is in the menu of every page; a notify that does not answer is said in
Swedish on Notiser and never fails another page."""
from __future__ import annotations

import re
import time

import requests
import sqlalchemy as sa

from ordning_shared import demo
from ordning_shared.testing import bearer

from ordning_web.app import create_app

from .conftest import csrf_of, free_port_url, sign_in

NORR = demo.unit_id("0138", "Hemtjänst Norr")
NOTICE_LINK = re.compile(r'href="/notiser/([0-9a-f-]{36})"')


def hold_role(services, user: str, role: str, unit_id: str) -> None:
    """`user` holds `role` at the unit, assigned through the processes API; waits until notify's copy knows it."""
    answer = requests.post(services.urls["processes"] + "/api/v1/role-assignments", timeout=10, json={
        "role": role, "unit_id": unit_id, "user_id": f"demo-{user}", "display_name": user.title(),
        "valid_from": "2026-01-01"}, headers=bearer(services.token("admin"), **{
            "Idempotency-Key": f"web-notices-{user}-{role}-{unit_id}"}))
    assert answer.status_code in (200, 201), answer.text
    holders = services.platforms["notify"].tables.role_holders
    deadline = time.monotonic() + 60
    while True:
        with services.platforms["notify"].engine.connect() as connection:
            known = connection.execute(sa.select(sa.func.count()).select_from(holders).where(
                holders.c.user_id == f"demo-{user}", holders.c.role == role, holders.c.unit_id == unit_id)).scalar_one()
        if known:
            return
        assert time.monotonic() < deadline, f"notify does not know demo-{user} as {role}"
        time.sleep(0.2)


def report(services, user: str, unit_id: str, kind: str) -> dict:
    answer = requests.post(services.urls["deviations"] + "/api/v1/deviations", timeout=10,
                           json={"kind": kind, "unit_id": unit_id, "description": "Brukaren fick fel dos."},
                           headers=bearer(services.token(user)))
    assert answer.status_code == 201, answer.text
    return answer.json()


def notices_about(services, user: str, case_ids: set[str], timeout: float = 60) -> dict[str, dict]:
    """The user's notices about these cases, by case id, once there is one about each (they come by events)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = requests.get(services.urls["notify"] + "/api/v1/notices", params={"limit": "100"}, timeout=10,
                              headers=bearer(services.token(user)))
        assert answer.status_code == 200, answer.text
        found = {item["subject_id"]: item for item in answer.json()["items"] if item["subject_id"] in case_ids}
        if set(found) == case_ids:
            return found
        assert time.monotonic() < deadline, f"{user} has notices about {sorted(found)} of {sorted(case_ids)}"
        time.sleep(0.2)


def unread_of(services, user: str) -> int:
    answer = requests.get(services.urls["notify"] + "/api/v1/notices/count", timeout=10,
                          headers=bearer(services.token(user)))
    return answer.json()["unread"]


def section(page: str, key: str) -> str:
    start = page.index(f'<section aria-labelledby="{key}">')
    return page[start:page.index("</section>", start)]


def menu_count(page: str) -> str | None:
    found = re.search(r'>Notiser <span class="nav-count">(\d+)<span class="visually-hidden"> olästa</span>', page)
    return found.group(1) if found else None


def test_a_chef_reads_the_notices_of_new_cases_follows_one_and_marks_the_rest_read(services, web):
    hold_role(services, "erik", "enhetschef", NORR)
    sarah = report(services, "anna", NORR, "lex_sarah")
    plain = report(services, "anna", NORR, "avvikelse")
    mine = notices_about(services, "erik", {sarah["id"], plain["id"]})
    assert mine[sarah["id"]]["kind"] == "lex_sarah_reported" and mine[plain["id"]]["kind"] == "case_reported"

    sign_in(web, "erik")
    start = web.get("/rapportera")
    assert menu_count(start.text) == str(unread_of(services, "erik")) != "0"  # the count on any page
    page = web.get("/notiser")
    assert page.status_code == 200
    assert '<a href="/notiser" aria-current="page">Notiser' in page.text
    unread = section(page.text, "olasta")
    assert f"({unread_of(services, 'erik')})" in unread
    for case, label in ((sarah, "Ny lex Sarah-rapport"), (plain, "Nytt ärende rapporterat")):
        notice = mine[case["id"]]
        assert f'<a href="/notiser/{notice["id"]}" id="notis-{notice["id"]}">{label}</a>' in unread
    assert "Hemtjänst Norr" in unread
    # Newest first among the unread: the plain case was reported after the lex Sarah one.
    assert unread.index(mine[plain["id"]]["id"]) < unread.index(mine[sarah["id"]]["id"])

    # Following a notice opens its case and reads it.
    before = unread_of(services, "erik")
    followed = web.get(f"/notiser/{mine[sarah['id']]['id']}")
    assert followed.status_code == 303 and followed.headers["Location"] == f"/arenden/{sarah['id']}"
    assert unread_of(services, "erik") == before - 1
    page = web.get("/notiser").text
    assert mine[sarah["id"]]["id"] in section(page, "lasta") and mine[sarah["id"]]["id"] not in section(page, "olasta")
    assert menu_count(page) == str(before - 1) if before > 1 else menu_count(page) is None

    # One marked read with its button, then all.
    one = web.post(f"/notiser/{mine[plain['id']]['id']}/las", data={"csrf_token": csrf_of(web.get("/notiser"))})
    assert one.status_code == 303
    page = web.get("/notiser").text
    assert "Notisen ”Nytt ärende rapporterat” är markerad som läst." in page
    assert mine[plain["id"]]["id"] in section(page, "lasta")
    if unread_of(services, "erik"):
        everything = web.post("/notiser/las-alla", data={"csrf_token": csrf_of(web.get("/notiser"))})
        assert everything.status_code == 303
        assert "markerad" in web.get("/notiser").text
    assert unread_of(services, "erik") == 0
    page = web.get("/notiser").text
    assert "Du har inga olästa notiser." in section(page, "olasta") and menu_count(page) is None
    assert "Markera alla som lästa" not in page
    assert web.post("/notiser/las-alla", data={"csrf_token": csrf_of(web.get("/notiser"))}).status_code == 303
    assert "Du hade inga olästa notiser." in web.get("/notiser").text

    # Without the form's CSRF token nothing is marked.
    assert web.post(f"/notiser/{mine[plain['id']]['id']}/las").status_code == 400

    # Another person cannot open, or mark, erik's notice: it is as absent as one that never was.
    sara = web.__class__(web.application)
    sign_in(sara, "sara")
    other = sara.get(f"/notiser/{mine[sarah['id']]['id']}")
    assert other.status_code == 303 and other.headers["Location"].startswith("/notiser")
    assert "Notisen finns inte." in sara.get("/notiser").text
    assert mine[sarah["id"]]["id"] not in sara.get("/notiser").text


def test_the_staff_see_their_empty_inbox_and_no_count(web):
    sign_in(web, "dora")
    page = web.get("/notiser")
    assert page.status_code == 200
    assert "Du har inga olästa notiser." in page.text and "Du har inga lästa notiser." in page.text
    assert menu_count(page.text) is None
    assert "Regler för notiser" not in page.text  # not an administrator or kvalitetsutvecklare


def test_with_notify_down_notiser_says_so_in_swedish_and_other_pages_leave_the_count_out(services):
    web = create_app(services.web_settings(notify_url=free_port_url())).test_client()
    sign_in(web, "erik")
    page = web.get("/roller")
    assert page.status_code == 200
    assert ">Notiser</a>" in page.text and menu_count(page.text) is None
    # For a while the pages do not ask again: a notify that hangs must not slow every page by its timeout.
    quiet = web.application.extensions["ordning_web_notify_quiet"]["until"]
    assert quiet > time.monotonic() + 20
    inbox = web.get("/notiser")
    assert inbox.status_code == 503
    assert "Tjänsten för notiser svarar inte just nu. Försök igen om en stund." in inbox.text
    assert "Traceback" not in inbox.text
    marked = web.post("/notiser/las-alla", data={"csrf_token": csrf_of(page)})
    assert marked.status_code == 503 and "Tjänsten för notiser svarar inte just nu." in marked.text
    followed = web.get("/notiser/0c9b8a7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d")
    assert followed.status_code == 503 and "svarar inte" in followed.text


def test_an_installation_without_notify_has_no_notiser(services):
    web = create_app(services.web_settings(notify_url="")).test_client()
    sign_in(web, "erik")
    page = web.get("/rapportera")
    assert page.status_code == 200 and "Notiser" not in page.text
    assert web.get("/notiser").status_code == 404


def test_a_notice_never_links_outside_the_web():
    from ordning_web.notices import safe_link

    assert safe_link("/arenden/3f2e1d0c-9b8a-4c7d-8e6f-5a4b3c2d1e0f") == "/arenden/3f2e1d0c-9b8a-4c7d-8e6f-5a4b3c2d1e0f"
    assert safe_link("/mina-atgarder") == "/mina-atgarder"
    for link in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/a//b",
                 "/a?next=//x", "", None, 42, "/" + "a" * 400):
        assert safe_link(link) is None, link
