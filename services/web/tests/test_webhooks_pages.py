"""Webhooks against the real notify service: a refused http URL and a private address at the URL field with what
was written kept and nothing stored, the secret shown once after creation (and after a rotation), the delivery log
of one subscription, the paused notice's /webhooks/<id> link, pausing and resuming by hand, deleting with
confirmation, a stale rotation or deletion (412) showing the subscription as it is now, a notify that does not
answer said in Swedish with the new subscription kept; a medarbetare is refused."""
from __future__ import annotations

import html
import re
import time
import uuid

import requests

from ordning_shared.testing import bearer

from ordning_notify.webhook_http import Outcome
from ordning_notify.webhook_service import deliver_due
from ordning_notify.webhooks import WebhookSettings

from ordning_web.app import create_app

from .conftest import csrf_of, free_port_url, sign_in
from .test_notices import NORR, report

SUBSCRIPTIONS = "/api/v1/webhook-subscriptions"
REPORTED = "se.ordning.deviation.reported.v1"
CLOSED = "se.ordning.deviation.closed.v1"
# A public address written as such (no name to resolve): accepted by the SSRF guard; nothing answers it here.
PUBLIC_URL = "https://93.184.215.14/ordning"


def refusing_receiver(settings, url, body, message_id, secrets_now, **_kwargs) -> Outcome:
    return Outcome("failed", 503, None, 7)


def hidden(page, name) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page.text).group(1))


def api_subscriptions(services) -> list[dict]:
    answer = requests.get(services.urls["notify"] + SUBSCRIPTIONS, headers=bearer(services.token("admin")), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def create(web, url, event_types=(REPORTED,)):
    page = web.get("/notiser/webhooks")
    return web.post("/notiser/webhooks", data={"csrf_token": csrf_of(page), "url": url, "event_types": list(event_types),
                                               "idempotency_key": hidden(page, "idempotency_key")})


def url_error(page) -> str:
    found = re.search(r'<p class="field-error" id="url-fel"><span class="visually-hidden">Fel: </span>([^<]+)</p>',
                      page.text)
    assert found, "no error at the URL"
    control = re.search(r'<input[^>]*id="url"[^>]*>', page.text).group(0)
    assert "url-fel" in control and 'aria-invalid="true"' in control
    assert 'href="#url"' in page.text
    return html.unescape(found.group(1))


def test_a_medarbetare_is_refused_the_webhooks(web):
    sign_in(web, "anna")
    assert "Webhooks" not in web.get("/notiser").text
    assert web.get("/notiser/webhooks").status_code == 403
    assert web.get("/notiser/webhooks/0c9b8a7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d").status_code == 403


def test_refused_addresses_are_shown_at_the_url_field_and_nothing_is_stored(services, web):
    sign_in(web, "admin")
    before = len(api_subscriptions(services))
    plain = create(web, "http://93.184.215.14/ordning")
    assert plain.status_code == 422
    assert url_error(plain)
    assert 'value="http://93.184.215.14/ordning"' in plain.text
    assert re.search(rf'value="{REPORTED}" checked', plain.text)
    private = create(web, "https://127.0.0.1/ordning")
    assert private.status_code == 422 and url_error(private)
    none = create(web, PUBLIC_URL, event_types=())
    assert none.status_code == 422 and 'id="event_types-fel"' in none.text
    assert len(api_subscriptions(services)) == before


def test_the_secret_is_shown_once_and_the_delivery_log_lists_the_attempts(services, web):
    sign_in(web, "admin")
    created = create(web, PUBLIC_URL)
    assert created.status_code == 201, created.text
    secret = re.search(r'<code id="hemlig-nyckel">(whsec_[^<]+)</code>', created.text).group(1)
    assert "Standard Webhooks" in created.text and "visas bara den här gången" in created.text
    subscription = next(s for s in api_subscriptions(services) if s["url"] == PUBLIC_URL)
    listed = web.get("/notiser/webhooks")
    assert secret not in listed.text and PUBLIC_URL in listed.text and "Aktiv" in listed.text
    assert "Ärende rapporterat" in listed.text

    # The paused notice's link leads to the subscription's page.
    followed = web.get(f"/webhooks/{subscription['id']}")
    assert followed.status_code == 303
    assert followed.headers["Location"] == f"/notiser/webhooks/{subscription['id']}"
    page = web.get(f"/notiser/webhooks/{subscription['id']}")
    assert page.status_code == 200 and secret not in page.text

    # A case reported is an event of the subscribed type: its delivery is queued, then tried by notify's delivery
    # run (here with a receiver that answers 503, as the test has no https receiver), and logged.
    report(services, "anna", NORR, "avvikelse")
    deadline = time.monotonic() + 60
    while not deliver_due(services.platforms["notify"], WebhookSettings(), post=refusing_receiver):
        assert time.monotonic() < deadline, "no delivery was queued"
        time.sleep(0.3)
    page = web.get(f"/notiser/webhooks/{subscription['id']}")
    log = page.text[page.text.index('<tbody id="forsok">'):]
    assert "Ärende rapporterat" in log and "HTTP 503, misslyckades" in log

    # A rotation shows the new secret, once.
    rotated = web.post(f"/notiser/webhooks/{subscription['id']}/nytt-hemligt",
                       data={"csrf_token": csrf_of(page), "etag": hidden(page, "etag")})
    assert rotated.status_code == 200
    new_secret = re.search(r'<code id="hemlig-nyckel">(whsec_[^<]+)</code>', rotated.text).group(1)
    assert new_secret != secret

    # Deleted after confirmation.
    confirm = web.get(f"/notiser/webhooks/{subscription['id']}/ta-bort")
    assert confirm.status_code == 200 and "Ta bort webhooken?" in confirm.text
    gone = web.post(f"/notiser/webhooks/{subscription['id']}/ta-bort",
                    data={"csrf_token": csrf_of(confirm), "etag": hidden(confirm, "etag")})
    assert gone.status_code == 303
    assert "Webhooken är borttagen." in web.get("/notiser/webhooks").text
    assert all(s["id"] != subscription["id"] for s in api_subscriptions(services))


def api_create(services, url, event_types=(REPORTED,)) -> dict:
    answer = requests.post(services.urls["notify"] + SUBSCRIPTIONS, json={"url": url, "event_types": list(event_types)},
                           headers={**bearer(services.token("admin")), "Idempotency-Key": str(uuid.uuid4())},
                           timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def api_patch(services, subscription_id, **changes) -> dict:
    """Someone else changes the subscription meanwhile."""
    url = f"{services.urls['notify']}{SUBSCRIPTIONS}/{subscription_id}"
    current = requests.get(url, headers=bearer(services.token("admin")), timeout=10)
    answer = requests.patch(url, json=changes, timeout=10,
                            headers={**bearer(services.token("admin")), "If-Match": current.headers["ETag"]})
    assert answer.status_code == 200, answer.text
    return answer.json()


def api_subscription(services, subscription_id) -> dict:
    answer = requests.get(f"{services.urls['notify']}{SUBSCRIPTIONS}/{subscription_id}",
                          headers=bearer(services.token("admin")), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_stale_rotation_or_deletion_shows_the_subscription_as_it_is_now(services, web):
    subscription = api_create(services, "https://93.184.215.14/stale")
    sign_in(web, "admin")
    page = web.get(f"/notiser/webhooks/{subscription['id']}")
    fresh = api_patch(services, subscription["id"], event_types=[CLOSED])

    rotated = web.post(f"/notiser/webhooks/{subscription['id']}/nytt-hemligt",
                       data={"csrf_token": csrf_of(page), "etag": hidden(page, "etag")})
    assert rotated.status_code == 412
    text = html.unescape(rotated.text)
    assert "Någon annan har ändrat webhooken under tiden." in text
    assert "Ärende avslutat" in text and "Ärende rapporterat" not in text  # as it is now
    assert 'id="hemlig-nyckel"' not in rotated.text  # nothing rotated
    assert hidden(rotated, "etag") == f'"{fresh["id"]}.{fresh["version"]}"'
    assert api_subscription(services, subscription["id"])["version"] == fresh["version"]
    again = web.post(f"/notiser/webhooks/{subscription['id']}/nytt-hemligt",
                     data={"csrf_token": csrf_of(rotated), "etag": hidden(rotated, "etag")})
    assert again.status_code == 200 and 'id="hemlig-nyckel"' in again.text

    confirm = web.get(f"/notiser/webhooks/{subscription['id']}/ta-bort")
    fresh = api_patch(services, subscription["id"], event_types=[REPORTED, CLOSED])
    stale = web.post(f"/notiser/webhooks/{subscription['id']}/ta-bort",
                     data={"csrf_token": csrf_of(confirm), "etag": hidden(confirm, "etag")})
    assert stale.status_code == 412
    text = html.unescape(stale.text)
    assert "vill du fortfarande ta bort den?" in text
    assert "Ärende rapporterat; Ärende avslutat" in text
    assert hidden(stale, "etag") == f'"{fresh["id"]}.{fresh["version"]}"'
    assert any(s["id"] == subscription["id"] for s in api_subscriptions(services))
    gone = web.post(f"/notiser/webhooks/{subscription['id']}/ta-bort",
                    data={"csrf_token": csrf_of(stale), "etag": hidden(stale, "etag")})
    assert gone.status_code == 303
    assert all(s["id"] != subscription["id"] for s in api_subscriptions(services))


def test_a_subscription_is_paused_and_resumed_by_hand(services, web):
    subscription = api_create(services, "https://93.184.215.14/pause")
    sign_in(web, "admin")
    page = web.get(f"/notiser/webhooks/{subscription['id']}")
    assert 'id="pausa"' in page.text and 'id="aterstart"' not in page.text
    paused = web.post(f"/notiser/webhooks/{subscription['id']}/pausa", data={"csrf_token": csrf_of(page)})
    assert paused.status_code == 303
    assert api_subscription(services, subscription["id"])["state"] == "paused"
    page = web.get(f"/notiser/webhooks/{subscription['id']}")
    assert "Webhooken är pausad." in page.text and "Pausad, pausad" in page.text
    assert 'id="aterstart"' in page.text and 'id="pausa"' not in page.text
    resumed = web.post(f"/notiser/webhooks/{subscription['id']}/aterstart", data={"csrf_token": csrf_of(page)})
    assert resumed.status_code == 303
    assert api_subscription(services, subscription["id"])["state"] == "active"
    assert "Webhooken är aktiv igen." in web.get(f"/notiser/webhooks/{subscription['id']}").text


def test_with_notify_down_the_webhooks_say_so_and_a_new_one_is_kept(services):
    web = create_app(services.web_settings(notify_url=free_port_url())).test_client()
    sign_in(web, "admin")
    listed = web.get("/notiser/webhooks")
    assert listed.status_code == 503
    assert "Tjänsten för notiser svarar inte just nu. Försök igen om en stund." in html.unescape(listed.text)
    sent = web.post("/notiser/webhooks", data={"csrf_token": csrf_of(listed), "url": PUBLIC_URL,
                                               "event_types": [REPORTED, CLOSED],
                                               "idempotency_key": hidden(listed, "idempotency_key")})
    assert sent.status_code == 503
    text = html.unescape(sent.text)
    assert "Tjänsten för notiser svarar inte just nu. Det du har skrivit finns kvar" in text
    assert f'value="{PUBLIC_URL}"' in sent.text
    assert re.search(rf'value="{REPORTED}" checked', sent.text) and re.search(rf'value="{CLOSED}" checked', sent.text)
    assert hidden(sent, "idempotency_key") == hidden(listed, "idempotency_key")  # a retry is the same request
