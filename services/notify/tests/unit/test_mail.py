"""What a mail says and to whom, without a server: the subject is the kind's label and the unit's name, the body
the link and nothing of the case; a person's choices; the embedded default's mail folder; the migrations make the
mail tables the code declares; the worker's mail settings."""
from __future__ import annotations

import sqlite3
from datetime import date, datetime, timezone
from email import message_from_bytes, policy

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from ordning_shared import migrations
from ordning_shared.config import ConfigError, Settings
from ordning_shared.db import make_engine
from ordning_shared.notice_kinds import NOTICE_KINDS
from ordning_shared.testing import make_settings

from ordning_notify import mail
from ordning_notify.db import metadata

LINK = "https://ordning.tyreso.se/arenden/3f2e1d0c-9b8a-4c7d-8e6f-5a4b3c2d1e0f"


def test_a_notices_mail_names_its_kind_and_unit_and_links_to_the_page():
    subject, body = mail.notice_text("lex_sarah_reported", "Hemtjänst Norr", LINK)
    assert subject == "Ny lex Sarah-rapport – Hemtjänst Norr"
    assert body.splitlines()[:4] == [subject, "", "Läs mer i Ordning:", LINK]
    assert mail.notice_text("case_reported", None, LINK)[0] == "Nytt ärende rapporterat"


def test_a_digest_lists_each_notice_and_counts_the_rest():
    items = [("lex_sarah_reported", "Hemtjänst Norr", LINK), ("case_reported", None, LINK + "x")]
    subject, body = mail.digest_text(date(2026, 5, 13), items, 3, "https://ordning.tyreso.se")
    assert subject == "Sammanfattning av notiser 13 maj 2026"
    lines = body.splitlines()
    assert lines[0] == "Du har 5 olästa notiser sedan förra sammanfattningen:"
    assert lines[2:5] == ["Ny lex Sarah-rapport – Hemtjänst Norr", LINK, ""]
    assert "… och 3 till. Alla dina notiser finns i Ordning:" in lines
    one = mail.digest_text(date(2026, 1, 2), items[:1], 0, "https://x")
    assert one[1].startswith("Du har 1 oläst notis ") and "till." not in one[1]


def test_the_message_is_plain_utf8_automatic_and_its_id_is_the_deliverys():
    sent = mail.message(delivery_id="0c9b8a7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d", sender="Ordning <noreply@tyreso.se>",
                        to="erik.berg@tyreso.se", subject="Ny lex Sarah-rapport – Hemtjänst Norr", body="Hej\n",
                        at=datetime(2026, 5, 12, 8, 30, tzinfo=timezone.utc))
    parsed = message_from_bytes(bytes(sent), policy=policy.default)
    assert parsed["Message-ID"] == "<0c9b8a7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d@tyreso.se>"
    assert parsed["Subject"] == "Ny lex Sarah-rapport – Hemtjänst Norr"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_content_type() == "text/plain" and parsed.get_content_charset() == "utf-8"


def test_a_persons_choices_default_to_mail_at_once_and_need_an_address():
    prefs = mail.Preferences(tenant="0138", user_id="erik")
    assert prefs.modes() == {kind: "immediate" for kind in NOTICE_KINDS}
    assert not prefs.mails_at_once("lex_sarah_reported") and not prefs.uses_digest  # no address
    chosen = mail.chosen(prefs, kinds={"case_reported": "digest", "action_assigned": "off"}, digest_hour=6,
                         address=None, sign_in_address="erik.berg@tyreso.se")
    assert (chosen.address, chosen.address_source) == ("erik.berg@tyreso.se", "token")
    assert chosen.mails_at_once("lex_sarah_reported") and not chosen.mails_at_once("case_reported")
    assert not chosen.mails_at_once("action_assigned") and chosen.uses_digest
    assert chosen.digest_kinds() == ["case_reported"]
    given = mail.chosen(prefs, kinds={}, digest_hour=7, address="erik@example.se", sign_in_address="x@y.se")
    assert (given.address, given.address_source) == ("erik@example.se", "given")
    with pytest.raises(mail.UnknownNoticeKind) as refused:
        mail.chosen(prefs, kinds={"no_such_kind": "off"}, digest_hour=7, address=None, sign_in_address="")
    assert "no_such_kind" not in str(refused.value)


def test_the_digest_is_due_at_its_hour_in_swedish_time_summer_and_winter():
    assert mail.digest_moment(date(2026, 7, 1), 7) == datetime(2026, 7, 1, 5, tzinfo=timezone.utc)
    assert mail.digest_moment(date(2026, 12, 1), 7) == datetime(2026, 12, 1, 6, tzinfo=timezone.utc)


def test_the_embedded_default_writes_mails_whole_and_a_second_write_replaces_the_first(tmp_path):
    folder = mail.FolderTransport(tmp_path / "mail")
    sent = mail.message(delivery_id="abc", sender=mail.EMBEDDED_SENDER, to="a@b.se", subject="Ämne", body="x\n",
                        at=datetime(2026, 5, 12, tzinfo=timezone.utc))
    folder.send(sent)
    folder.send(sent)
    assert [p.name for p in (tmp_path / "mail").iterdir()] == ["abc.eml"]


def test_where_mail_goes_follows_the_settings(tmp_path):
    embedded = make_settings("notify", database_url="sqlite://", broker_url="filesystem://", data_dir=tmp_path)
    assert isinstance(mail.transport_for(embedded), mail.FolderTransport)
    assert mail.transport_for(embedded).folder == tmp_path / "mail"
    from dataclasses import replace

    assert isinstance(mail.transport_for(replace(embedded, smtp_host="smtp.tyreso.se")), mail.SmtpTransport)
    assert mail.transport_for(replace(embedded, env="production")) is None  # no host: no mail


PRODUCTION = {"ORDNING_ENV": "production", "ORDNING_DATABASE_URL": "postgresql://db/notify",
              "ORDNING_BROKER_URL": "amqp://mq//", "ORDNING_AUTH_JWKS_URL": "https://idp/keys",
              "ORDNING_AUTH_ISSUER": "https://idp"}


def test_the_smtp_settings_are_read_and_checked(tmp_path):
    password = tmp_path / "password"
    password.write_text("hemligt\n")
    settings = Settings.from_env("notify", {
        **PRODUCTION, "ORDNING_SMTP_HOST": "smtp.tyreso.se", "ORDNING_SMTP_PORT": "587",
        "ORDNING_SMTP_USERNAME": "ordning", "ORDNING_SMTP_PASSWORD_FILE": str(password),
        "ORDNING_SMTP_STARTTLS": "true", "ORDNING_SMTP_FROM": "Ordning <noreply@tyreso.se>",
        "ORDNING_WEB_URL": "https://ordning.tyreso.se/", "ORDNING_MAIL_RETRY_DELAYS": "30,60"})
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_username) == ("smtp.tyreso.se", 587, "ordning")
    assert settings.smtp_password == "hemligt" and "hemligt" not in repr(settings)
    assert settings.web_url == "https://ordning.tyreso.se" and settings.mail_retry_delays == (30.0, 60.0)
    for broken, says in [({"ORDNING_SMTP_FROM": ""}, "ORDNING_SMTP_FROM"), ({"ORDNING_WEB_URL": ""}, "ORDNING_WEB_URL"),
                         ({"ORDNING_SMTP_STARTTLS": "ja"}, "ORDNING_SMTP_STARTTLS"),
                         ({"ORDNING_SMTP_STARTTLS": "false"}, "in clear"),
                         ({"ORDNING_SMTP_PORT": "70000"}, "ORDNING_SMTP_PORT"),
                         ({"ORDNING_SMTP_FROM": "ingen adress"}, "ORDNING_SMTP_FROM"),
                         ({"ORDNING_SMTP_PASSWORD": "lösenord"}, "must be ASCII"),
                         ({"ORDNING_MAIL_RETRY_DELAYS": ""}, None)]:
        environ = {**PRODUCTION, "ORDNING_SMTP_HOST": "smtp.tyreso.se", "ORDNING_SMTP_USERNAME": "ordning",
                   "ORDNING_SMTP_FROM": "noreply@tyreso.se", "ORDNING_WEB_URL": "https://o.se", **broken}
        if says is None:
            Settings.from_env("notify", environ)  # empty: the default delays
            continue
        with pytest.raises(ConfigError, match=says):
            Settings.from_env("notify", environ)
    # without a host nothing about mail is needed, in production too
    assert Settings.from_env("notify", PRODUCTION).smtp_host == ""


def test_the_migrations_make_the_mail_tables_the_code_declares(tmp_path):
    settings = make_settings("notify", database_url=f"sqlite:///{tmp_path / 'n.db'}", broker_url="filesystem://",
                             data_dir=tmp_path)
    migrations.upgrade("notify", settings)
    engine = make_engine(settings.database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert [change for change in diff if "mail" in str(change) or "ix_notices_event" in str(change)] == []
    tables = {row[0] for row in sqlite3.connect(tmp_path / "n.db").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"mail_preferences", "mail_deliveries", "mail_digest_notices"} <= tables
