"""The web's skeleton: probes, the sign-in page, and the signed-in pages behind it."""
from __future__ import annotations

from .conftest import csrf_of


def test_probes_answer(client):
    assert client.get("/healthz").json == {"status": "ok", "service": "web"}
    assert client.get("/readyz").status_code == 200


def test_the_sign_in_page_lists_the_demo_users_with_their_roles_in_swedish(client):
    page = client.get("/logga-in")
    assert page.status_code == 200
    assert '<html lang="sv">' in page.text
    assert "Erik Eriksson, enhetschef" in page.text and "Enhetschef" in page.text
    # The region's host, of the region tenant 01 (Stockholms län), for the region view
    assert 'id="logga-in-regina"' in page.text and "Regina Region, Stockholms län" in page.text


def test_rapportera_asks_for_sign_in_first_and_opens_after(client):
    answer = client.get("/rapportera")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/logga-in?next=/rapportera")
    signed = client.post("/logga-in", data={"user": "anna", "next": "/rapportera", "csrf_token": csrf_of(client.get("/logga-in"))})
    assert signed.headers["Location"] == "/rapportera"
    page = client.get("/rapportera")
    assert page.status_code == 200 and "Anna Andersson" in page.text
