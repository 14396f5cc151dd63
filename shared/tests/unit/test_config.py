from pathlib import Path

import pytest

from ordning_shared.config import ConfigError, Settings

PROD = {
    "ORDNING_ENV": "production",
    "ORDNING_DATABASE_URL": "postgresql://db.example/ordning",
    "ORDNING_BROKER_URL": "amqp://user:pw@mq.example//",
    "ORDNING_AUTH_JWKS_URL": "https://idp.example/jwks",
    "ORDNING_AUTH_ISSUER": "https://idp.example",
}


def test_embedded_defaults(tmp_path):
    settings = Settings.from_env("deviations", {"ORDNING_DATA_DIR": str(tmp_path)})
    assert settings.env == "embedded"
    assert settings.data_dir == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path / 'deviations.db'}"
    assert settings.broker_url == "filesystem://"
    assert settings.is_filesystem_broker
    assert settings.local_issuer is True
    assert settings.auth_issuer == "ordning-local"
    assert settings.bus_namespace == "ordning"
    options = settings.broker_transport_options()
    assert Path(options["data_folder_in"]).is_dir()
    assert Path(options["data_folder_in"]).is_relative_to(tmp_path)


def test_production_without_jwks_refuses_naming_the_variable():
    environ = {k: v for k, v in PROD.items() if k != "ORDNING_AUTH_JWKS_URL"}
    with pytest.raises(ConfigError, match="ORDNING_AUTH_JWKS_URL"):
        Settings.from_env("deviations", environ)


def test_production_without_database_refuses_naming_the_variable():
    environ = {k: v for k, v in PROD.items() if k != "ORDNING_DATABASE_URL"}
    with pytest.raises(ConfigError, match="ORDNING_DATABASE_URL"):
        Settings.from_env("deviations", environ)


@pytest.mark.parametrize("override", [
    {"ORDNING_DATABASE_URL": "sqlite:///var/x.db"},
    {"ORDNING_BROKER_URL": "filesystem://"},
])
def test_production_refuses_embedded_infrastructure(override):
    with pytest.raises(ConfigError):
        Settings.from_env("deviations", {**PROD, **override})


def test_production_with_everything_set():
    settings = Settings.from_env("deviations", PROD)
    assert settings.env == "production"
    assert settings.local_issuer is False
    assert settings.auth_jwks_url == PROD["ORDNING_AUTH_JWKS_URL"]
    assert settings.database_url == PROD["ORDNING_DATABASE_URL"]


def test_per_service_database_url_wins(tmp_path):
    environ = {"ORDNING_DATA_DIR": str(tmp_path), "ORDNING_DATABASE_URL": "postgresql://shared/db",
               "ORDNING_RISKS_DATABASE_URL": "postgresql://own/risks"}
    assert Settings.from_env("risks", environ).database_url == "postgresql://own/risks"
    assert Settings.from_env("notify", environ).database_url == "postgresql://shared/db"


@pytest.mark.parametrize("name", ["ORDNING_MAX_REQUEST_BYTES", "ORDNING_DELIVERY_LIMIT",
                                  "ORDNING_RELAY_BATCH_SIZE", "ORDNING_CONSUMER_BATCH_SIZE"])
def test_bad_integer_is_a_config_error(tmp_path, name):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env("risks", {"ORDNING_DATA_DIR": str(tmp_path), name: "many"})


@pytest.mark.parametrize("value", ["0", "1001"])
def test_consumer_batch_size_is_bounded(tmp_path, value):
    with pytest.raises(ConfigError, match="ORDNING_CONSUMER_BATCH_SIZE"):
        Settings.from_env("reporting", {"ORDNING_DATA_DIR": str(tmp_path), "ORDNING_CONSUMER_BATCH_SIZE": value})
    assert Settings.from_env("reporting", {"ORDNING_DATA_DIR": str(tmp_path)}).consumer_batch_size == 100


def test_integers_are_read(tmp_path):
    settings = Settings.from_env("risks", {"ORDNING_DATA_DIR": str(tmp_path), "ORDNING_DELIVERY_LIMIT": "3",
                                           "ORDNING_MAX_REQUEST_BYTES": "2048"})
    assert settings.delivery_limit == 3
    assert settings.max_request_bytes == 2048


def test_unknown_env_refuses():
    with pytest.raises(ConfigError, match="ORDNING_ENV"):
        Settings.from_env("risks", {"ORDNING_ENV": "staging"})


def test_secrets_are_read_from_mounted_files(tmp_path):
    (tmp_path / "database-url").write_text("postgresql://from-file/deviations\n")
    (tmp_path / "broker-url").write_text("amqp://user:pw@mq.example//")
    environ = {k: v for k, v in PROD.items() if k not in ("ORDNING_DATABASE_URL", "ORDNING_BROKER_URL")}
    environ["ORDNING_DEVIATIONS_DATABASE_URL_FILE"] = str(tmp_path / "database-url")
    environ["ORDNING_BROKER_URL_FILE"] = str(tmp_path / "broker-url")
    settings = Settings.from_env("deviations", environ)
    assert settings.database_url == "postgresql://from-file/deviations"
    assert settings.broker_url == "amqp://user:pw@mq.example//"


def test_unreadable_secret_file_names_the_variable(tmp_path):
    environ = {**PROD, "ORDNING_BROKER_URL_FILE": str(tmp_path / "missing")}
    with pytest.raises(ConfigError, match="ORDNING_BROKER_URL_FILE"):
        Settings.from_env("deviations", environ)


TRUSTED = '[{"issuer": "https://idp.rvn.se", "jwksUrl": "https://idp.rvn.se/keys", "tenants": ["22", "2262"]}]'


def test_trusted_issuers_replace_the_single_identity_provider():
    environ = {k: v for k, v in PROD.items() if not k.startswith("ORDNING_AUTH_")}
    settings = Settings.from_env("deviations", {**environ, "ORDNING_AUTH_TRUSTED_ISSUERS": TRUSTED})
    (trusted,) = settings.trusted_issuers
    assert (trusted.issuer, trusted.jwks_url, trusted.tenants) == (
        "https://idp.rvn.se", "https://idp.rvn.se/keys", frozenset({"22", "2262"}))
    assert settings.local_issuer is False


def test_the_single_identity_provider_speaks_for_any_tenant():
    (trusted,) = Settings.from_env("deviations", PROD).trusted_issuers
    assert trusted.issuer == PROD["ORDNING_AUTH_ISSUER"] and trusted.tenants is None


def test_an_embedded_stack_with_trusted_issuers_has_no_local_issuer(tmp_path):
    settings = Settings.from_env("deviations", {"ORDNING_DATA_DIR": str(tmp_path), "ORDNING_AUTH_TRUSTED_ISSUERS": TRUSTED})
    assert settings.local_issuer is False


@pytest.mark.parametrize("raw, message", [
    ("not json", "not JSON"),
    ("[]", "non-empty"),
    ('[{"issuer": "https://a", "jwksUrl": "https://a/k"}]', "exactly"),
    ('[{"issuer": "https://a", "jwksUrl": "https://a/k", "tenants": []}]', "tenants"),
    ('[{"issuer": "", "jwksUrl": "https://a/k", "tenants": ["22"]}]', "non-empty strings"),
    ('[{"issuer": "https://a", "jwksUrl": "https://a/k", "tenants": ["22"]},'
     ' {"issuer": "https://a", "jwksUrl": "https://b/k", "tenants": ["2281"]}]', "twice"),
])
def test_a_broken_trusted_issuer_list_names_what_is_wrong(raw, message):
    environ = {k: v for k, v in PROD.items() if not k.startswith("ORDNING_AUTH_")}
    with pytest.raises(ConfigError, match=message):
        Settings.from_env("deviations", {**environ, "ORDNING_AUTH_TRUSTED_ISSUERS": raw})


def test_trusted_issuers_and_a_single_provider_together_are_refused():
    with pytest.raises(ConfigError, match="not both"):
        Settings.from_env("deviations", {**PROD, "ORDNING_AUTH_TRUSTED_ISSUERS": TRUSTED})


def test_migrations_run_with_the_owner_url_and_fall_back_to_the_one_url(tmp_path):
    # one URL (make run, the tests): migrations use it too
    assert Settings.from_env("deviations", PROD).owner_database_url == PROD["ORDNING_DATABASE_URL"]
    (tmp_path / "owner-url").write_text("postgresql://owner@db.example/deviations\n")
    environ = {**PROD, "ORDNING_MIGRATION_DATABASE_URL": "postgresql://owner@db.example/ordning",
               "ORDNING_DEVIATIONS_MIGRATION_DATABASE_URL_FILE": str(tmp_path / "owner-url")}
    settings = Settings.from_env("deviations", environ)
    assert settings.owner_database_url == "postgresql://owner@db.example/deviations"  # per service, from its file
    assert settings.database_url == PROD["ORDNING_DATABASE_URL"]  # the service itself keeps the runtime URL
    assert Settings.from_env("processes", environ).owner_database_url == "postgresql://owner@db.example/ordning"


def test_retry_delays_and_stall_bound_are_read(tmp_path):
    environ = {"ORDNING_DATA_DIR": str(tmp_path), "ORDNING_RETRY_DELAYS": "0.5,2,10",
               "ORDNING_WORKER_STALL_SECONDS": "60"}
    settings = Settings.from_env("risks", environ)
    assert (settings.retry_delays, settings.worker_stall_seconds) == ((0.5, 2.0, 10.0), 60)
    assert sum(Settings.from_env("risks", {"ORDNING_DATA_DIR": str(tmp_path)}).retry_delays) > 300


@pytest.mark.parametrize("delays", ["soon", "1,,2", "0", "-1,5"])
def test_bad_retry_delays_are_a_config_error(tmp_path, delays):
    with pytest.raises(ConfigError, match="ORDNING_RETRY_DELAYS"):
        Settings.from_env("risks", {"ORDNING_DATA_DIR": str(tmp_path), "ORDNING_RETRY_DELAYS": delays})


def test_relay_poll_seconds_from_the_environment(tmp_path):
    base = {"ORDNING_DATA_DIR": str(tmp_path)}
    assert Settings.from_env("deviations", base).relay_poll_seconds == 0.2
    assert Settings.from_env("deviations", {**base, "ORDNING_RELAY_POLL_SECONDS": "0.05"}).relay_poll_seconds == 0.05
    for bad in ("0", "11", "soon"):
        with pytest.raises(ConfigError, match="ORDNING_RELAY_POLL_SECONDS"):
            Settings.from_env("deviations", {**base, "ORDNING_RELAY_POLL_SECONDS": bad})
