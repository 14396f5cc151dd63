"""The web's configuration: embedded defaults, production's requirements, secrets from files."""
from __future__ import annotations

import pytest

from ordning_shared.config import ConfigError
from ordning_web.config import WebSettings


def test_embedded_defaults_point_at_the_launchers_ports_and_keep_one_session_key(tmp_path, monkeypatch):
    monkeypatch.setenv("ORDNING_RUN_PORT_BASE", "9100")
    first = WebSettings.from_env({"ORDNING_DATA_DIR": str(tmp_path)})
    again = WebSettings.from_env({"ORDNING_DATA_DIR": str(tmp_path)})
    assert first.processes_url == "http://127.0.0.1:9101"
    assert first.deviations_url == "http://127.0.0.1:9102"
    assert first.risks_url == "http://127.0.0.1:9103"
    assert first.notify_url == "http://127.0.0.1:9105"
    assert len(first.secret_key) >= 32 and first.secret_key == again.secret_key
    assert (tmp_path / "web" / "secret-key").stat().st_mode & 0o077 == 0


def test_production_names_what_it_needs(tmp_path):
    with pytest.raises(ConfigError) as refused:
        WebSettings.from_env({"ORDNING_ENV": "production", "ORDNING_DATA_DIR": str(tmp_path)})
    for name in ("ORDNING_WEB_PROCESSES_URL", "ORDNING_WEB_DEVIATIONS_URL", "ORDNING_WEB_RISKS_URL",
                 "ORDNING_WEB_SECRET_KEY",
                 "ORDNING_WEB_OIDC_ISSUER", "ORDNING_WEB_OIDC_CLIENT_ID"):
        assert name in str(refused.value)
    assert not (tmp_path / "web").exists()  # production never makes a key of its own


def test_production_reads_secrets_from_files(tmp_path):
    (tmp_path / "key").write_text("k" * 40 + "\n")
    (tmp_path / "client").write_text("client-secret\n")
    settings = WebSettings.from_env({
        "ORDNING_ENV": "production", "ORDNING_WEB_PROCESSES_URL": "http://processes/",
        "ORDNING_WEB_DEVIATIONS_URL": "http://deviations", "ORDNING_WEB_RISKS_URL": "http://risks",
        "ORDNING_WEB_SECRET_KEY_FILE": str(tmp_path / "key"),
        "ORDNING_WEB_OIDC_ISSUER": "https://idp.example.se/", "ORDNING_WEB_OIDC_CLIENT_ID": "ordning-web",
        "ORDNING_WEB_OIDC_CLIENT_SECRET_FILE": str(tmp_path / "client")})
    assert settings.secret_key == "k" * 40 and settings.oidc_client_secret == "client-secret"
    assert settings.processes_url == "http://processes" and settings.oidc_issuer == "https://idp.example.se"


def test_a_short_session_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="at least 32"):
        WebSettings.from_env({"ORDNING_DATA_DIR": str(tmp_path), "ORDNING_WEB_SECRET_KEY": "short"})


def test_production_without_notify_has_no_notify_url_and_starts(tmp_path):
    """Notiser come with the notify service: an installation without it (the chart's component off) starts, and the
    web shows no Notiser; with it, the chart's URL is used."""
    environ = {"ORDNING_ENV": "production", "ORDNING_WEB_PROCESSES_URL": "http://processes",
               "ORDNING_WEB_DEVIATIONS_URL": "http://deviations", "ORDNING_WEB_RISKS_URL": "http://risks",
               "ORDNING_WEB_SECRET_KEY": "k" * 40, "ORDNING_WEB_OIDC_ISSUER": "https://idp.example.se",
               "ORDNING_WEB_OIDC_CLIENT_ID": "ordning-web"}
    assert WebSettings.from_env(environ).notify_url == ""
    with_notify = WebSettings.from_env({**environ, "ORDNING_WEB_NOTIFY_URL": "http://ordning-notify-api.ordning.svc/"})
    assert with_notify.notify_url == "http://ordning-notify-api.ordning.svc"
