"""Notices by mail, to a real SMTP server started here (aiosmtpd): each chief of a lex Sarah report gets one mail at
the address of their preferences, however often the event comes; a person with the digest gets one digest the
next day instead; a server that is down gets the mail later, once; a mail that keeps failing is marked failed and
counted. No log line holds an address."""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from ordning_shared.workdays import STOCKHOLM
from prometheus_client import REGISTRY

from ordning_notify import mail
from ordning_notify.mail import mail_deliveries

from .conftest import A, B, CHEF_E1, CHEF_EB, FCHEF_F, VCHEF_V, reported_event_body
from .mailbox import WEB, mail_settings, mailbox  # noqa: F401 - the SMTP server fixture

pytestmark = pytest.mark.integration
P = "/api/v1/notification-preferences"
FIRST = '"notification-preferences.0"'
ERIK, VERA, FRIDA = "erik.berg@tyreso.se", "vera.viklund@tyreso.se", "frida.falk@tyreso.se"
ADDRESSES = (ERIK, VERA, FRIDA)


@pytest.fixture
def settings(migrated_settings, mailbox):
    return mail_settings(migrated_settings("notify"), mailbox.port)


def choose(env, who, body, email=""):
    answer = env.client.put(P, headers=env.auth(*who, email=email, **{"If-Match": FIRST}), json=body)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def chiefs_choose_mail(env, frida=None):
    choose(env, CHEF_E1, {"address": ERIK})
    choose(env, VCHEF_V, {}, email=VERA)  # the address her sign-in gives
    choose(env, FCHEF_F, frida or {"address": FRIDA})


def send(env, now=None):
    clock = (lambda: now) if now else mail.utcnow
    return mail.send_due(env.platform.engine, env.settings, mail.transport_for(env.settings), now=clock)


def deliveries(env) -> list:
    with env.platform.engine.connect() as conn:
        return conn.execute(sa.select(mail_deliveries).order_by(mail_deliveries.c.created_at)).all()


def logged(caplog) -> str:
    """What the service logged (the SMTP server of the test, aiosmtpd's "mail.log", logs its conversation)."""
    return "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("mail.log"))


def deviation_id_of(body: bytes) -> str:
    import json

    return json.loads(body)["data"]["deviation_id"]


def test_a_lex_sarah_report_mails_each_of_the_three_chiefs_once(env, mailbox, caplog):
    caplog.set_level(logging.DEBUG)
    env.feed_roles()
    chiefs_choose_mail(env)
    report = reported_event_body(A, "e1", "lex_sarah")
    assert env.feed(report) == "processed"
    assert env.feed(report) == "duplicate"
    assert send(env).sent == 3
    assert send(env).sent == 0  # nothing twice
    assert mailbox.recipients() == sorted(ADDRESSES)
    link = f"{WEB}/arenden/{deviation_id_of(report)}"
    for address in ADDRESSES:
        [received] = mailbox.to(address)
        assert received["Subject"] == "Ny lex Sarah-rapport – enhet e1"  # the kind's label and the unit's name
        assert received["To"] == address and received["From"] == "Ordning <noreply@tyreso.se>"
        assert received["Auto-Submitted"] == "auto-generated"
        text = received.get_content()
        assert link in text.splitlines()
        # nothing of the case but its kind, unit and link: no ids of people, no other address
        assert not any(other in text for other in ADDRESSES) and "erik" not in text.lower()
    assert {row.status for row in deliveries(env)} == {"sent"}
    assert not any(address in logged(caplog) for address in ADDRESSES)


def test_only_the_kinds_a_person_wants_at_once_are_mailed_and_only_to_people_with_an_address(env, mailbox):
    env.feed_roles()
    choose(env, CHEF_E1, {"address": ERIK, "kinds": {"case_reported": "off"}})
    choose(env, VCHEF_V, {})  # no address in her sign-in, none given: no mail
    choose(env, CHEF_EB, {"address": "bert@ockero.se"})  # "bert" of tenant A, not tenant B's bert
    env.feed(reported_event_body(A, "e1", "avvikelse"))  # erik has this kind off
    env.feed(reported_event_body(A, "e1", "lex_sarah"))
    env.feed(reported_event_body(B, "eb", "avvikelse"))  # tenant B's bert chose nothing there: no mail
    assert send(env).sent == 1
    assert [m["Subject"] for m in mailbox.to(ERIK)] == ["Ny lex Sarah-rapport – enhet e1"]
    assert mailbox.recipients() == [ERIK]
    assert [(row.tenant, row.kind) for row in deliveries(env)] == [(A, "lex_sarah_reported")]


def test_tenant_bs_person_is_mailed_by_tenant_bs_choices_only(env, mailbox):
    env.feed_roles()
    answer = env.client.put(P, headers=env.auth(*CHEF_EB, tenant=B, **{"If-Match": FIRST}),
                            json={"address": "bert@ockero.se"})
    assert answer.status_code == 200
    env.feed(reported_event_body(B, "eb", "avvikelse"))
    env.feed(reported_event_body(A, "e3", "avvikelse"))  # bert-a in A chose nothing
    assert send(env).sent == 1
    assert mailbox.recipients() == ["bert@ockero.se"]
    assert mailbox.to("bert@ockero.se")[0]["Subject"] == "Nytt ärende rapporterat – enhet eb"


def _local(day_offset: int, hour: int, minute: int = 0) -> datetime:
    today = datetime.now(timezone.utc).astimezone(STOCKHOLM).date()
    return datetime.combine(today + timedelta(days=day_offset), datetime.min.time(),
                            tzinfo=STOCKHOLM).replace(hour=hour, minute=minute)


def test_a_person_with_the_digest_gets_one_digest_the_next_day_instead(env, mailbox):
    env.feed_roles()
    chiefs_choose_mail(env, frida={"address": FRIDA, "kinds": {"lex_sarah_reported": "digest"}, "digest_hour": 7})
    first, second = reported_event_body(A, "e1", "lex_sarah"), reported_event_body(A, "e2", "lex_sarah")
    env.feed(first)
    env.feed(second)
    assert send(env).sent == 3  # erik for e1, vera for both (eva of e2 chose nothing); frida none yet
    assert mailbox.to(FRIDA) == []
    engine = env.platform.engine
    assert mail.make_digests(engine) == 0  # today's digest hour covers only what came before it
    assert mail.make_digests(engine, now=_local(1, 6, 59)) == 0  # not yet
    tomorrow = _local(1, 7, 5)
    assert mail.make_digests(engine, now=tomorrow) == 1
    assert mail.make_digests(engine, now=tomorrow) == 0
    assert mail.make_digests(engine, now=_local(1, 22)) == 0  # once a day
    assert send(env, now=tomorrow + timedelta(seconds=1)).sent == 1
    [digest] = mailbox.to(FRIDA)
    assert digest["Subject"].startswith("Sammanfattning av notiser ")
    text = digest.get_content()
    assert "Du har 2 olästa notiser" in text
    assert "Ny lex Sarah-rapport – enhet e1" in text and "Ny lex Sarah-rapport – enhet e2" in text
    for report in (first, second):
        assert f"{WEB}/arenden/{deviation_id_of(report)}" in text.splitlines()
    # the day after, nothing new: no digest
    assert mail.make_digests(engine, now=_local(2, 8)) == 0
    assert len(mailbox.to(FRIDA)) == 1


def test_a_digest_lists_unread_notices_only_and_none_a_second_time(env, mailbox):
    env.feed_roles()
    choose(env, CHEF_E1, {"address": ERIK, "kinds": {"case_reported": "digest"}})
    for _ in range(3):
        env.feed(reported_event_body(A, "e1", "avvikelse"))
    erik = env.auth(*CHEF_E1)
    first = env.client.get("/api/v1/notices", headers=erik).get_json()["items"][0]
    env.client.post(f"/api/v1/notices/{first['id']}/read", headers=erik)
    assert send(env).sent == 0
    assert mail.make_digests(env.platform.engine, now=_local(1, 7)) == 1
    assert send(env, now=_local(1, 7, 1)).sent == 1
    assert "Du har 2 olästa notiser" in mailbox.to(ERIK)[0].get_content()
    # still unread the day after, but listed once already
    assert mail.make_digests(env.platform.engine, now=_local(2, 7)) == 0


def test_two_workers_make_each_persons_digest_once(env, mailbox):
    env.feed_roles()
    for who, address in ((CHEF_E1, ERIK), (VCHEF_V, VERA), (FCHEF_F, FRIDA)):
        choose(env, who, {"address": address, "kinds": {"lex_sarah_reported": "digest"}})
    for _ in range(3):
        env.feed(reported_event_body(A, "e1", "lex_sarah"))
    tomorrow, made, start = _local(1, 8), [], threading.Barrier(2)

    def replica():
        start.wait()
        made.append(mail.make_digests(env.platform.engine, now=tomorrow))

    replicas = [threading.Thread(target=replica) for _ in range(2)]
    for thread in replicas:
        thread.start()
    for thread in replicas:
        thread.join(timeout=60)
    assert sum(made) == 3
    assert sorted(row.recipient for row in deliveries(env)) == ["erik", "frida", "vera"]
    # two senders at once: each digest goes once
    senders = [threading.Thread(target=send, args=(env, tomorrow + timedelta(minutes=1))) for _ in range(2)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(timeout=60)
    assert mailbox.recipients() == sorted(ADDRESSES)


def test_a_server_that_is_down_gets_the_mail_later_once(env, mailbox, caplog):
    caplog.set_level(logging.DEBUG)
    mailbox.stop()
    env.feed_roles()
    choose(env, CHEF_E1, {"address": ERIK})
    env.feed(reported_event_body(A, "e1", "avvikelse"))
    start = mail.utcnow()
    down = send(env, now=start)
    assert (down.sent, down.retrying) == (0, 1)
    [waiting] = deliveries(env)
    assert (waiting.status, waiting.attempts, waiting.last_error) == ("pending", 1, "ServerUnavailable")
    assert send(env, now=start + timedelta(seconds=0.1)).retrying == 0  # the next try waits for its delay
    mailbox.start()
    later = start + timedelta(seconds=env.settings.mail_retry_delays[0])
    assert send(env, now=later).sent == 1
    assert send(env, now=later + timedelta(minutes=1)).sent == 0
    assert mailbox.recipients() == [ERIK]
    assert "not sent" in logged(caplog) and ERIK not in logged(caplog)


def _failed_count(kind):
    return REGISTRY.get_sample_value("ordning_mail_failed_total", {"service": "notify", "kind": kind}) or 0


def test_a_mail_that_keeps_failing_is_marked_failed_and_counted_without_the_address(env, mailbox, caplog):
    caplog.set_level(logging.DEBUG)
    env.feed_roles()
    choose(env, CHEF_E1, {"address": ERIK})
    before = _failed_count("case_reported")
    mailbox.answer = "451 4.3.0 Try again later"  # takes the conversation, not the mail
    env.feed(reported_event_body(A, "e1", "avvikelse"))
    start = mail.utcnow()
    for attempt in range(len(env.settings.mail_retry_delays) + 1):  # each try after the delay before it
        outcome = send(env, now=start + timedelta(seconds=attempt))
        assert outcome.retrying + outcome.failed == 1, attempt
    [given_up] = deliveries(env)
    assert (given_up.status, given_up.attempts) == ("failed", 4)
    assert _failed_count("case_reported") == before + 1
    mailbox.answer = None
    assert send(env, now=start + timedelta(minutes=1)).sent == 0 and mailbox.received == []
    # refused for good at once: no retries
    mailbox.answer = "550 5.1.1 No such user"
    env.feed(reported_event_body(A, "e1", "avvikelse"))
    assert send(env).failed == 1
    assert _failed_count("case_reported") == before + 2
    assert "failed for good" in logged(caplog) and ERIK not in logged(caplog)
    metrics = REGISTRY.get_sample_value  # the metric's labels are the service and the kind, nothing else
    assert metrics("ordning_mail_failed_total", {"service": "notify", "kind": "case_reported"}) is not None


def test_the_worker_logs_in_to_a_server_that_asks_and_keeps_the_mail_when_the_login_fails(env, caplog):
    from dataclasses import replace

    from .mailbox import Mailbox

    caplog.set_level(logging.DEBUG)
    env.feed_roles()
    choose(env, CHEF_E1, {"address": ERIK})
    env.feed(reported_event_body(A, "e1", "avvikelse"))
    with Mailbox(login=("ordning", "ratt-losen")) as guarded:
        wrong = replace(env.settings, smtp_port=guarded.port, smtp_username="ordning", smtp_password="fel-losen")
        start = mail.utcnow()
        refused = mail.send_due(env.platform.engine, wrong, mail.transport_for(wrong), now=lambda: start)
        assert (refused.sent, refused.retrying) == (0, 1) and guarded.received == []
        assert deliveries(env)[0].last_error == "ServerUnavailable"
        right = replace(wrong, smtp_password="ratt-losen")
        later = start + timedelta(seconds=1)
        assert mail.send_due(env.platform.engine, right, mail.transport_for(right), now=lambda: later).sent == 1
        assert guarded.recipients() == [ERIK]
    assert "losen" not in logged(caplog) and ERIK not in logged(caplog)


def test_a_mail_that_breaks_the_sending_counts_against_itself_and_blocks_no_other(env, mailbox):
    env.feed_roles()
    chiefs_choose_mail(env)
    env.feed(reported_event_body(A, "e1", "lex_sarah"))
    smtp, broken = mail.transport_for(env.settings), []

    class Breaking:
        def send(self, message):
            if not broken:
                broken.append(message["To"])
                raise RuntimeError(f"unexpected, about {message['To']}")
            smtp.send(message)

        def close(self):
            smtp.close()

    start = mail.utcnow()  # one moment: the broken mail's next try is not due again within the run
    outcome = mail.send_due(env.platform.engine, env.settings, Breaking(), now=lambda: start)
    assert (outcome.sent, outcome.retrying) == (2, 1)
    assert mailbox.recipients() == sorted(set(ADDRESSES) - set(broken))
    assert [row.last_error for row in deliveries(env) if row.status == "pending"] == ["RuntimeError"]


def test_a_mail_whose_person_removed_their_address_is_not_sent(env, mailbox):
    env.feed_roles()
    choose(env, CHEF_E1, {"address": ERIK})
    env.feed(reported_event_body(A, "e1", "avvikelse"))
    etag = env.client.get(P, headers=env.auth(*CHEF_E1)).headers["ETag"]
    assert env.client.put(P, headers=env.auth(*CHEF_E1, **{"If-Match": etag}), json={}).status_code == 200
    assert send(env).cancelled == 1
    assert mailbox.received == []


def test_the_embedded_default_writes_each_mail_to_the_mail_folder(env, mailbox):
    from dataclasses import replace
    from email import message_from_bytes, policy

    env.feed_roles()
    choose(env, CHEF_E1, {"address": ERIK})
    env.feed(reported_event_body(A, "e1", "lex_sarah"))
    embedded = replace(env.settings, smtp_host="")
    assert mail.send_due(env.platform.engine, embedded, mail.transport_for(embedded)).sent == 1
    [written] = list((embedded.data_dir / "mail").glob("*.eml"))
    mailed = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert mailed["To"] == ERIK and mailed["Subject"] == "Ny lex Sarah-rapport – enhet e1"
    assert written.stem == deliveries(env)[0].id
    assert mailbox.received == []
    assert not list((embedded.data_dir / "mail").glob("*.tmp"))
