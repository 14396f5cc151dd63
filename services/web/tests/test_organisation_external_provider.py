"""Organisation: an administrator marks a unit as an external provider (utförare i privat regi) on its page."""
from __future__ import annotations

from .conftest import csrf_of, sign_in
from .test_organisation import api_unit, create, hidden, unit_id_of


def test_an_administrator_marks_a_unit_as_an_external_provider_and_back(web, services):
    sign_in(web, "admin")
    unit_id = unit_id_of(create(web, "Omsorg Väst AB"))
    page = web.get(f"/organisation/{unit_id}")
    assert page.status_code == 200
    assert 'id="external_provider" name="external_provider" value="ja">' in page.text  # not checked
    assert '<label for="external_provider">Enheten drivs av en utförare i privat regi</label>' in page.text
    answer = web.post(f"/organisation/{unit_id}/utforare", data={
        "csrf_token": csrf_of(page), "etag": hidden(page, "etag"), "external_provider": "ja"})
    assert answer.status_code == 303, answer.text
    assert api_unit(services, unit_id)["external_provider"] is True
    page = web.get(f"/organisation/{unit_id}")
    assert 'name="external_provider" value="ja" checked' in page.text

    # someone else's change meanwhile: 412, the fresh unit, the person's choice kept, nothing changed
    stale = web.post(f"/organisation/{unit_id}/utforare", data={
        "csrf_token": csrf_of(page), "etag": f'"{unit_id}.1"'})
    assert stale.status_code == 412
    assert 'role="alert"' in stale.text and "Någon annan har ändrat enheten" in stale.text
    assert 'name="external_provider" value="ja" aria-describedby="utforare-fel" aria-invalid="true">' in stale.text
    assert api_unit(services, unit_id)["external_provider"] is True

    answer = web.post(f"/organisation/{unit_id}/utforare", data={
        "csrf_token": csrf_of(page), "etag": hidden(page, "etag")})
    assert answer.status_code == 303
    assert api_unit(services, unit_id)["external_provider"] is False


def test_only_an_administrator_marks_an_external_provider(web):
    sign_in(web, "erik")
    answer = web.post("/organisation/00000000-0000-4000-8000-000000000001/utforare",
                      data={"csrf_token": csrf_of(web.get("/rapportera")), "external_provider": "ja"})
    assert answer.status_code == 403
