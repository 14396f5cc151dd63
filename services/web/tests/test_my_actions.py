"""Mina åtgärder against the real deviations service: one's own actions, due first, overdue marked, done apart,
and never another unit's or tenant's."""
from __future__ import annotations

import uuid
from datetime import timedelta

import requests

from ordning_shared import demo
from ordning_shared.workdays import today_in_sweden

from .conftest import sign_in
from .test_inbox import report

OCKERO = demo.unit_id("1407", "Hemtjänsten Öckerö")
SOLGARDEN = demo.unit_id("0138", "Särskilt boende Solgården")
NORR = demo.unit_id("0138", "Hemtjänst Norr")


def api(services, user, method, path, **kwargs):
    answer = requests.request(method, services.urls["deviations"] + path, timeout=10,
                              headers={"Authorization": f"Bearer {services.token(user)}", **kwargs.pop("headers", {})},
                              **kwargs)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def add_action(services, chef, case, owner, due, title):
    return api(services, chef, "POST", f"/api/v1/deviations/{case['id']}/actions",
               json={"title": title, "owner": owner, "due_date": due.isoformat()})


def test_my_actions_due_first_overdue_marked_done_behind_a_link(services, web):
    today, tag = today_in_sweden(), uuid.uuid4().hex[:6]
    case = report(services, "olle", OCKERO, "avvikelse", "Larmet fungerade inte.")
    other = report(services, "olle", OCKERO, "klagomal", "Maten kom kall.")
    add_action(services, "olle", other, "demo-olle", today - timedelta(days=2), f"Byt larmbatteri {tag}")
    add_action(services, "olle", case, "demo-olle", today + timedelta(days=3), f"Prata med kocken {tag}")
    done = add_action(services, "olle", case, "demo-olle", today + timedelta(days=1), f"Köp termos {tag}")
    add_action(services, "olle", case, "demo-olga", today, f"Någon annans {tag}")
    api(services, "olle", "POST", f"/api/v1/deviations/{case['id']}/actions/{done['id']}/transitions",
        json={"command": "complete"}, headers={"If-Match": f'"{done["id"]}.1"'})
    # Sara (another tenant, another unit) gives an action to a "demo-olle" of hers: never on Olle's page.
    theirs = report(services, "sara", SOLGARDEN, "avvikelse", "Dörren stod öppen.")
    add_action(services, "sara", theirs, "demo-olle", today - timedelta(days=9), f"Främmande {tag}")
    # Erik (same tenant as Sara, another unit) owns an action of Sara's case he may not read: not on his page.
    add_action(services, "sara", theirs, "demo-erik", today, f"Eriks osynliga {tag}")

    sign_in(web, "olle")
    page = web.get("/mina-atgarder")
    assert page.status_code == 200
    text = page.text
    assert 'aria-current="page">Mina åtgärder</a>' in text
    mine = text[text.index('<section aria-labelledby="oppna">'):text.index('<section aria-labelledby="klara">')]
    assert mine.index(f"Byt larmbatteri {tag}") < mine.index(f"Prata med kocken {tag}")
    assert f'<a href="/arenden/{other["id"]}">{other["reference"]}</a>' in mine
    assert f'<a href="/arenden/{case["id"]}">{case["reference"]}</a>' in mine
    assert "Hemtjänsten Öckerö" in mine
    late_row = mine[mine.rindex("<tr", 0, mine.index(f"Byt larmbatteri {tag}")):]
    assert late_row.startswith('<tr class="overdue">') and "Försenad" in late_row[:late_row.index("</tr>")]
    soon_row = mine[mine.rindex("<tr", 0, mine.index(f"Prata med kocken {tag}")):]
    assert soon_row.startswith("<tr>")
    assert f"Köp termos {tag}" not in text and "Visa klara" in text
    assert f"Någon annans {tag}" not in text and f"Främmande {tag}" not in text

    with_done = web.get("/mina-atgarder?klara=1").text
    klara = with_done[with_done.index('<section aria-labelledby="klara">'):]
    assert f"Köp termos {tag}" in klara and f"Prata med kocken {tag}" not in klara

    sign_in(web, "erik")
    assert f"Eriks osynliga {tag}" not in web.get("/mina-atgarder").text


def test_mina_atgarder_needs_a_signed_in_person(web):
    answer = web.get("/mina-atgarder")
    assert answer.status_code == 302 and "next=/mina-atgarder" in answer.headers["Location"].replace("%2F", "/")
