"""Inkorgen against the real deviations service: groups, counts, order, overdue, and only the chef's units."""
from __future__ import annotations

import re
from datetime import timedelta

import requests
import sqlalchemy as sa

from ordning_shared import demo
from ordning_shared.workdays import today_in_sweden

from .conftest import sign_in

OCKERO = demo.unit_id("1407", "Hemtjänsten Öckerö")
SOLGARDEN = demo.unit_id("0138", "Särskilt boende Solgården")


def report(services, user, unit_id, kind, description):
    answer = requests.post(services.urls["deviations"] + "/api/v1/deviations",
                           json={"kind": kind, "unit_id": unit_id, "description": description},
                           headers={"Authorization": f"Bearer {services.token(user)}"}, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def receive(services, user, case):
    answer = requests.post(services.urls["deviations"] + f"/api/v1/deviations/{case['id']}/transitions",
                           json={"command": "receive"}, timeout=10,
                           headers={"Authorization": f"Bearer {services.token(user)}",
                                    "If-Match": f'"{case["id"]}.{case["version"]}"'})
    assert answer.status_code == 200, answer.text
    return answer.json()


def set_due(services, case, **dates):
    """Deadlines in the past, as time would make them: the service computes them from the report's day."""
    table = services.platforms["deviations"].tables.metadata.tables["deviations"]
    with services.platforms["deviations"].engine.begin() as connection:
        connection.execute(sa.update(table).where(table.c.id == case["id"]).values(**dates))


def section(page: str, key: str) -> str:
    start = page.index(f'<section aria-labelledby="{key}">')
    return page[start:page.index("</section>", start)]


def counts(page: str) -> dict:
    return {key: int(n) for key, n in re.findall(r'<strong id="antal-(\w+)">(\d+)</strong>', page)}


def test_the_inbox_groups_new_overdue_and_open_cases_with_counts_due_first(services, web):
    today = today_in_sweden()
    # Other tests report at Öckerö too (the code lists' pages): the counts are compared with those before.
    sign_in(web, "olle")
    before = counts(web.get("/inkorg").text)
    late = report(services, "olle", OCKERO, "avvikelse", "Nyckeln saknades vid besöket.")
    set_due(services, late, receipt_due=today - timedelta(days=3))
    soon = report(services, "olle", OCKERO, "lex_sarah", "Brukaren blev utan mat en dag.")
    later = report(services, "olle", OCKERO, "synpunkt", "Önskemål om fler promenader.")
    set_due(services, soon, receipt_due=today + timedelta(days=1))
    set_due(services, later, receipt_due=today + timedelta(days=5))
    opened = receive(services, "olle", report(services, "olle", OCKERO, "klagomal", "Personalen kom sent."))

    page = web.get("/inkorg")
    assert page.status_code == 200
    text = page.text
    after = counts(text)
    assert {key: after[key] - before.get(key, 0) for key in ("forsenade", "nya", "oppna")} == {
        "forsenade": 1, "nya": 3, "oppna": 1}
    assert re.search(r'Försenade: <strong id="antal-forsenade">\d+</strong>', text)

    new = section(text, "nya")
    # What is due first comes first: the late one, then tomorrow's, then next week's.
    assert new.index(late["reference"]) < new.index(soon["reference"]) < new.index(later["reference"])
    assert f'<a href="/arenden/{late["id"]}">{late["reference"]}</a>' in new
    assert "Lex Sarah" in new and "Hemtjänsten Öckerö" in new
    overdue = section(text, "forsenade")
    assert late["reference"] in overdue and "Försenat: mottagande" in overdue
    assert soon["reference"] not in overdue
    assert opened["reference"] in section(text, "oppna")


def test_a_chef_sees_only_the_cases_of_their_units(services, web):
    other = report(services, "sara", SOLGARDEN, "lex_maria", "Fel läkemedel gavs.")
    sign_in(web, "erik")
    page = web.get("/inkorg")
    assert page.status_code == 200
    assert other["reference"] not in page.text


def test_the_inbox_is_for_chefs_and_its_link_shows_for_them_only(web):
    sign_in(web, "anna")
    assert "/inkorg" not in web.get("/rapportera").text
    assert web.get("/inkorg").status_code == 403
    sign_in(web, "erik")
    assert 'href="/inkorg"' in web.get("/rapportera").text
    assert web.get("/").headers["Location"] == "/inkorg"


def test_more_pages_follow_the_cursor(services, web, monkeypatch):
    from ordning_web import inbox

    monkeypatch.setattr(inbox, "PAGE_SIZE", 1)
    for text in ("Larmet ringde inte.", "Dörren var olåst."):  # two new cases at least, whatever ran before
        report(services, "olle", OCKERO, "avvikelse", text)
    sign_in(web, "olle")
    first = web.get("/inkorg").text
    more = re.search(r'href="(/inkorg\?grupp=nya&amp;efter=[^"]+)"', first)
    assert more, "no link to the next page of new cases"
    second = web.get(more.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    firsts = re.findall(r'<a href="/arenden/[^"]+">([^<]+)</a>', section(first, "nya"))
    seconds = re.findall(r'<a href="/arenden/[^"]+">([^<]+)</a>', section(second.text, "nya"))
    assert len(firsts) == len(seconds) == 1 and firsts != seconds


def test_the_inbox_says_so_when_the_service_is_down(services):
    from ordning_web.app import create_app

    from .conftest import free_port_url

    web = create_app(services.web_settings(deviations_url=free_port_url())).test_client()
    sign_in(web, "erik")
    page = web.get("/inkorg")
    assert page.status_code == 503 and "Tjänsten för avvikelser svarar inte just nu" in page.text


def test_the_inbox_calls_for_its_groups_at_once_not_in_turn(services, web, monkeypatch):
    """Issue 9: the page waits for the slowest group's call, not for the three one after another."""
    import threading
    import time

    from ordning_web import client, inbox

    calls, lock, through = [], threading.Lock(), client.Api.request

    def slow_request(self, method, path, **kwargs):  # calls the real service, 0.3 s later
        if self.service != "deviations":  # the menu's unread count (notify) is not one of the groups
            return through(self, method, path, **kwargs)
        started = time.monotonic()
        time.sleep(0.3)
        answer = through(self, method, path, **kwargs)
        with lock:
            calls.append((started, time.monotonic()))
        return answer

    monkeypatch.setattr(client.Api, "request", slow_request)
    sign_in(web, "olle")
    page = web.get("/inkorg")
    assert page.status_code == 200 and all(f'aria-labelledby="{g.key}"' in page.text for g in inbox.GROUPS)
    assert len(calls) == len(inbox.GROUPS)
    assert max(start for start, _ in calls) < min(end for _, end in calls), "the group calls ran one by one"
