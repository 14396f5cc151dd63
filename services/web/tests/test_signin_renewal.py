"""An access token that runs out mid-form: renewed without asking (the embedded issuer here; the provider's
refresh token in test_oidc.py), or, when it cannot be, the form kept across signing in again."""
from __future__ import annotations

import re
import time

from ordning_shared import demo
from ordning_shared.auth import LocalIssuer

from .conftest import csrf_of, sign_in
from .test_report import NORR, form_of


def expired_token(data_dir, user: str) -> str:
    claims = demo.claims_for(user)
    return LocalIssuer(data_dir).issue(claims["subject"], claims["tenant"], claims["roles"], claims["org_units"],
                                       claims["name"], ttl=-60)


def report_form(web) -> dict:
    form = form_of(web.get("/rapportera"))
    form.update(description="Larmet gick inte fram.\nBrukaren väntade en timme på hjälp.", unit_id=NORR,
                kind="avvikelse", occurred_at="2026-01-10T18:30")
    return form


def test_a_token_that_ran_out_mid_form_is_renewed_and_the_form_goes_through(web, services):
    sign_in(web, "anna")
    form = report_form(web)
    with web.session_transaction() as session:
        session["token"] = expired_token(services.data_dir, "anna")
        session["expires_at"] = int(time.time()) - 60
    sent = web.post("/rapportera", data=form)
    assert sent.status_code == 303 and "/rapportera/kvitto/" in sent.headers["Location"]
    with web.session_transaction() as session:
        assert session["expires_at"] > time.time() + 3600 and session["person"]["sub"] == "demo-anna"


def test_a_token_the_service_refuses_is_renewed_and_the_form_sent_again_by_the_browser(web, services, tmp_path):
    sign_in(web, "anna")
    form = report_form(web)
    claims = demo.claims_for("anna")
    foreign = LocalIssuer(tmp_path).issue(claims["subject"], claims["tenant"], claims["roles"], claims["org_units"])
    with web.session_transaction() as session:
        session["token"] = foreign  # unexpired, but signed by a key the services do not trust
    sent = web.post("/rapportera", data=form)
    assert sent.status_code == 307 and sent.headers["Location"] == "/rapportera"  # the browser posts it again
    again = web.post("/rapportera", data=form)
    assert again.status_code == 303 and "/rapportera/kvitto/" in again.headers["Location"]


def test_when_the_sign_in_cannot_be_renewed_the_sent_form_is_kept_for_after_signing_in(web, services):
    sign_in(web, "anna")
    form = report_form(web)
    with web.session_transaction() as session:
        session["token"] = expired_token(services.data_dir, "anna")
        session["expires_at"] = int(time.time()) - 60
        session["signed_in_at"] = int(time.time()) - 9 * 3600  # the day's sign-in has ended too
    page = web.post("/rapportera", data=form, headers={"Referer": "http://localhost/rapportera"})
    assert page.status_code == 401
    assert "Du behöver logga in igen" in page.text and "inte skickat än" in page.text
    kept = re.search(r'<form id="utkast" hidden data-action="/rapportera" data-person="demo-anna"', page.text)
    assert kept, page.text
    assert 'name="description" value="Larmet gick inte fram.\nBrukaren väntade en timme på hjälp."' in page.text
    assert 'name="csrf_token"' not in page.text.split('id="utkast"')[1].split("</form>")[0]
    assert '<input type="hidden" name="next" value="/rapportera">' in page.text
    assert '<div class="kept-text">Larmet gick inte fram.' in page.text  # to copy, without the script
    assert "utkast.js" in page.text
    sign_in(web, "anna")
    assert 'data-person="demo-anna"' in web.get("/rapportera").text  # whom utkast.js restores the form for


def test_a_form_sent_by_no_one_signed_in_is_kept_too_and_a_page_asked_for_goes_to_sign_in(web):
    csrf = csrf_of(web.get("/logga-in"))
    page = web.post("/rapportera", data={"csrf_token": csrf, "description": "Fallet i korridoren."})
    assert page.status_code == 401 and 'data-person=""' in page.text and "Fallet i korridoren." in page.text
    assert web.get("/rapportera").headers["Location"].startswith("/logga-in")


def test_a_style_sheet_fetched_beside_the_page_does_not_renew_the_token(web, services):
    sign_in(web, "anna")
    with web.session_transaction() as session:
        session["expires_at"] = int(time.time()) - 60
    assert web.get("/static/ordning.css").status_code == 200
    with web.session_transaction() as session:
        assert session["expires_at"] < time.time() and "renewed_at" not in session  # the page's own request does
    assert web.get("/rapportera").status_code == 200
    with web.session_transaction() as session:
        assert session["expires_at"] > time.time() + 3600 and "renewed_at" in session
