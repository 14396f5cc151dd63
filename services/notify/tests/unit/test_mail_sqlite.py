"""Mail on the embedded default (SQLite, no SMTP host): a lex Sarah report's mails are written as .eml files in the
data folder's mail folder, once, and a digest is made once, as `make run` does it."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from email import message_from_bytes, policy

from ordning_shared import consumer, events
from ordning_shared.testing import TENANT_A, UNITS, issue_token
from ordning_shared.workdays import STOCKHOLM

from ordning_notify import mail
from ordning_notify.handlers import HANDLERS


def feed(platform, event_type, service, subject, data) -> str:
    event = events.DomainEvent(type=event_type, tenant=TENANT_A, subject=subject, data=data, sequence=1)
    return consumer.handle_event(platform, HANDLERS, events.serialize(events.to_cloudevent(event, service)))


def lex_sarah(platform) -> str:
    case = str(uuid.uuid4())
    body = {"version": 1, "deviation_id": case, "kind": "lex_sarah", "unit_id": UNITS["e1"], "category_id": None,
            "status": "reported", "origin": "staff", "anonymous": False, "occurred_at": None,
            "reported_at": "2026-05-12T08:30:00+00:00", "receipt_due": "2026-05-13", "investigation_due": None,
            "ivo_due": None, "process_step_id": None}
    assert feed(platform, "se.ordning.deviation.reported.v1", "deviations", case, body) == "processed"
    return case


def test_the_embedded_default_writes_each_mail_once_and_makes_a_digest_once(app):
    platform, client, settings = app.extensions["ordning"], app.test_client(), app.extensions["ordning"].settings
    for who, body in (("erik", {"address": "erik@tyreso.se"}),
                      ("vera", {"address": "vera@tyreso.se", "kinds": {"lex_sarah_reported": "digest"}})):
        token = issue_token(settings, who, TENANT_A, ["enhetschef"])
        answer = client.put("/api/v1/notification-preferences", json=body, headers={
            "Authorization": f"Bearer {token}", "If-Match": '"notification-preferences.0"'})
        assert answer.status_code == 200, answer.get_json()
    case = lex_sarah(platform)
    transport = mail.transport_for(settings)
    assert isinstance(transport, mail.FolderTransport)
    assert mail.send_due(platform.engine, settings, transport).sent == 1
    assert mail.send_due(platform.engine, settings, mail.transport_for(settings)).sent == 0
    [written] = (settings.data_dir / "mail").glob("*.eml")
    erik = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert (erik["To"], erik["Subject"]) == ("erik@tyreso.se", "Ny lex Sarah-rapport – enhet e1")
    assert f"{mail.EMBEDDED_WEB_URL}/arenden/{case}" in erik.get_content()

    today = datetime.now(STOCKHOLM).date()
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=STOCKHOLM).replace(hour=8)
    assert mail.make_digests(platform.engine, now=tomorrow) == 1
    assert mail.make_digests(platform.engine, now=tomorrow) == 0
    assert mail.send_due(platform.engine, settings, mail.transport_for(settings), now=lambda: tomorrow).sent == 1
    assert len(list((settings.data_dir / "mail").glob("*.eml"))) == 2
