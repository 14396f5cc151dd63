"""The region view in the web and a municipality's part in it, on the stand-in of the reporting service's region
API (tests/fake_reporting.py, as rep-region's region_schemas.py answers): the municipalities side by side with
"< 5" and ".." as the service gives them, the legend, the downloads; consent and the threshold with If-Match."""
from __future__ import annotations

import html
import re
import time

import pytest

from ordning_shared.auth import LocalIssuer

from .conftest import csrf_of, sign_in
from .fake_reporting import FakeReporting


@pytest.fixture(scope="module")
def reporting():
    fake = FakeReporting()
    yield fake
    fake.stop()


@pytest.fixture
def web(services, reporting):
    from ordning_web.app import create_app

    reporting.fail_with = None
    reporting.requests.clear()
    settings = services.web_settings(reporting_url=reporting.url,
                                     tenants=(("0138", "Tyresö kommun"), ("0160", "Täby kommun"), ("01", "Region Stockholm")))
    return create_app(settings).test_client()


def sign_in_region_host(web, services):
    """A region host of Region Stockholm (01): no demo user has the role, so a session of their own."""
    token = LocalIssuer(services.data_dir).issue("region-host", "01", ["region_host"], [], "Rita Region")
    with web.session_transaction() as session:
        session.update(token=token, expires_at=int(time.time()) + 3600, signed_in_at=int(time.time()),
                       person={"sub": "region-host", "name": "Rita Region", "tenant": "01", "roles": ["region_host"],
                               "org_units": []})


def test_the_region_host_sees_the_municipalities_side_by_side(web, services, reporting):
    sign_in_region_host(web, services)
    page = web.get("/region")
    assert page.status_code == 200, page.text
    text = page.text
    assert '<a href="/region" aria-current="page">Regionen</a>' in text
    assert '<th scope="col" class="num">Tyresö kommun</th><th scope="col" class="num">Täby kommun</th>' in text
    assert '<th scope="row">Anmälda ärenden</th><td class="num">42</td><td class="num">&lt; 5</td>' in text
    assert '<th scope="row">Lex Sarah</th><td class="num">&lt; 5</td><td class="num">..</td>' in text
    assert "Så läser du siffrorna:" in text and "färre än 5 ärenden" in text
    assert "Det här avsnittet fylls i senare" in text
    csv = web.get("/region?ar=2026&format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "deviations,total,,Anmälda ärenden,42,< 5" in csv.data.decode("utf-8-sig")
    assert web.get("/region?ar=2026&format=json").json["municipalities"][0]["tenant"] == "0138"
    bad = web.get("/region?ar=1999")
    assert bad.status_code == 422 and "Välj ett år i listan." in bad.text and 'aria-invalid="true"' in bad.text


def test_others_do_not_see_the_region_view(web, reporting):
    sign_in(web, "frida")
    assert 'href="/region"' not in web.get("/uppfoljning").text
    assert web.get("/region").status_code == 403


def test_the_administrator_agrees_and_withdraws_with_if_match(web, reporting):
    sign_in(web, "admin")
    assert 'href="/region/samtycke"' in web.get("/uppfoljning").text
    page = web.get("/region/samtycke")
    assert page.status_code == 200 and "Kommunens siffror visas inte för regionen." in page.text
    etag = html.unescape(re.search(r'name="etag" value="([^"]+)"', page.text).group(1))
    agreed = web.post("/region/samtycke", data={"csrf_token": csrf_of(page), "etag": etag, "handling": "ja"})
    assert agreed.status_code == 302
    after = web.get("/region/samtycke")
    assert "Kommunens siffror visas nu för regionen" in after.text and "Ja sades 24 november 2026" in after.text
    stale = web.post("/region/samtycke", data={"csrf_token": csrf_of(page), "etag": etag, "handling": "nej"})
    assert stale.status_code == 302 and "Någon annan har ändrat inställningen" in web.get("/region/samtycke").text
    fresh = web.get("/region/samtycke")
    etag = html.unescape(re.search(r'name="etag" value="([^"]+)"', fresh.text).group(1))
    web.post("/region/samtycke", data={"csrf_token": csrf_of(fresh), "etag": etag, "handling": "nej"})
    assert "Kommunens siffror visas inte längre för regionen." in web.get("/region/samtycke").text
    # The threshold: refused in Swedish, then saved
    page = web.get("/region/samtycke")
    bad = web.post("/region/troskel", data={"csrf_token": csrf_of(page), "etag": "x", "threshold": "1"})
    assert bad.status_code == 422 and "Skriv ett heltal mellan 2 och 100." in bad.text and 'value="1"' in bad.text
    tag = html.unescape(re.findall(r'name="etag" value="([^"]+)"', page.text)[1])
    saved = web.post("/region/troskel", data={"csrf_token": csrf_of(page), "etag": tag, "threshold": "10"})
    assert saved.status_code == 302 and "Gränsen för små tal är nu 10." in web.get("/region/samtycke").text


def test_a_reader_sees_the_consent_but_cannot_change_it(web, reporting):
    sign_in(web, "karin")
    page = web.get("/region/samtycke")
    assert page.status_code == 200 and 'id="dela"' not in page.text and "Kommunens administratör kan ändra" in page.text
    assert web.post("/region/samtycke", data={"csrf_token": csrf_of(page), "handling": "ja"}).status_code == 403
    anna = web.application.test_client()
    sign_in(anna, "anna")
    assert anna.get("/region/samtycke").status_code == 403
