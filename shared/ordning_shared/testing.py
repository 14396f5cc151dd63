"""pytest fixtures for the real infrastructure: PostgreSQL and RabbitMQ.

Where they come from, in order: ORDNING_TEST_DATABASE_URL / ORDNING_TEST_BROKER_URL;
else localhost; else containers through testcontainers where Docker answers.
Under CI=true missing infrastructure fails the run; it is never skipped there.
"""
from __future__ import annotations

import json
import os
import re
import threading
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import psycopg
import pytest
import sqlalchemy as sa
from kombu import Connection

from .auth import LocalIssuer
from .config import Settings

IN_CI = os.environ.get("CI", "").lower() == "true"
SERVICES = ("processes", "deviations", "risks", "reporting", "notify")
TEST_RETRY_DELAYS = (0.05, 0.1, 0.2)  # a failing handler is dead-lettered within a second in tests


def _unavailable(what: str):
    if IN_CI:
        pytest.fail(f"{what} is not reachable, and CI=true requires it (start it, or set the URL)", pytrace=False)
    pytest.skip(f"{what} is not reachable")


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


def _postgres_answers(url: str) -> bool:
    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_server_url():
    """A URL to a PostgreSQL server where the tests may create databases."""
    configured = os.environ.get("ORDNING_TEST_DATABASE_URL")
    candidates = [configured] if configured else [
        "postgresql://postgres@localhost:5432/postgres", "postgresql://localhost:5432/postgres"]
    for url in candidates:
        if _postgres_answers(url):
            yield url.replace("postgresql+psycopg://", "postgresql://")
            return
    if not configured and _docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as container:
            yield container.get_connection_url()
            return
    _unavailable("PostgreSQL")


@pytest.fixture(scope="session")
def create_database(postgres_server_url):
    """Factory: a fresh, empty database per call, dropped at the end of the session."""
    created = []

    def _create(hint: str = "db") -> str:
        name = f"ordning_test_{hint}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(postgres_server_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        base, _, _ = postgres_server_url.rpartition("/")
        return f"postgresql+psycopg://{base.removeprefix('postgresql://')}/{name}"

    yield _create
    with psycopg.connect(postgres_server_url, autocommit=True) as connection:
        for name in created:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _broker_answers(url: str) -> bool:
    try:
        with Connection(url, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def broker_url():
    configured = os.environ.get("ORDNING_TEST_BROKER_URL")
    url = configured or "amqp://guest:guest@localhost:5672//"
    if _broker_answers(url):
        yield url
        return
    if not configured and _docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:3.13-alpine") as container:
            params = container.get_connection_params()
            yield f"amqp://guest:guest@{params.host}:{params.port}//"
            return
    _unavailable("RabbitMQ")


@pytest.fixture(scope="session")
def service_broker_url(broker_url):
    """Factory: the URL of a service's own broker user (ordning_shared.brokerusers), limited to its queues.

    ORDNING_TEST_<SERVICE>_BROKER_URL wins; else the user is created or updated here where rabbitmqctl
    runs, else the one .ci/run created is used.
    """
    from urllib.parse import quote, urlsplit, urlunsplit

    from . import brokerusers

    ready: dict[str, str] = {}

    def _url(service: str) -> str:
        if service in ready:
            return ready[service]
        url = os.environ.get(f"ORDNING_TEST_{service.upper()}_BROKER_URL")
        if not url:
            password = brokerusers.ci_password(service)
            parts = urlsplit(broker_url)
            netloc = f"{quote(brokerusers.user_name(service))}:{quote(password, safe='')}@{parts.hostname}"
            url = urlunsplit(parts._replace(netloc=netloc + (f":{parts.port}" if parts.port else "")))
            if brokerusers.can_apply():  # once a session: the rights as this code defines them
                brokerusers.apply(service, password)
        if not _broker_answers(url):
            _unavailable(f"RabbitMQ as the broker user of {service}")
        ready[service] = url
        return url

    return _url


@pytest.fixture
def bus_namespace(request):
    """A namespace of exchanges and queues of this test's own, deleted afterwards."""
    namespace = f"t{uuid.uuid4().hex[:10]}"
    yield namespace
    if "broker_url" not in request.fixturenames:
        return
    url = request.getfixturevalue("broker_url")
    try:
        with Connection(url, connect_timeout=3) as connection:
            channel = connection.channel()
            delays = set(Settings.retry_delays) | set(TEST_RETRY_DELAYS)
            for service in SERVICES + ("probe",):
                retries = [f"{namespace}.{service}.retry.{int(delay * 1000)}ms" for delay in delays]
                for queue in (f"{namespace}.{service}", f"{namespace}.{service}.dead-letter", *retries):
                    channel.queue_delete(queue)
            for exchange in (f"{namespace}.events", f"{namespace}.dead-letter", f"{namespace}.retry"):
                channel.exchange_delete(exchange)
    except Exception:  # clean-up is best effort; the namespace is unique anyway
        pass


@pytest.fixture
def migrated_settings(create_database, broker_url, bus_namespace, tmp_path):
    """Factory: a service's settings on a fresh PostgreSQL database migrated to head, and this test's bus."""
    from .migrations import upgrade

    def _settings(service: str) -> Settings:
        settings = make_settings(service, database_url=create_database(service), broker_url=broker_url,
                                 data_dir=tmp_path, bus_namespace=bus_namespace)
        upgrade(service, settings)
        return settings

    return _settings


@pytest.fixture
def runtime_role_settings(postgres_server_url, create_database, broker_url, bus_namespace, tmp_path):
    """Factory: a service's settings that connect as a login role of their own (created for this test, dropped
    afterwards), on a fresh database migrated by its owner (postgres), which granted that role its privileges."""
    from .migrations import upgrade

    made = []

    def _settings(service: str) -> Settings:
        role = f"ordning_rt_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(postgres_server_url, autocommit=True) as connection:
            connection.execute(f'CREATE ROLE "{role}" LOGIN')
        owner_url = create_database(service)
        made.append((role, owner_url.rpartition("/")[2]))
        runtime_url = sa.engine.make_url(owner_url).set(username=role).render_as_string(hide_password=False)
        settings = make_settings(service, database_url=runtime_url, migration_database_url=owner_url,
                                 broker_url=broker_url, data_dir=tmp_path / service, bus_namespace=bus_namespace)
        upgrade(service, settings)
        return settings

    yield _settings
    with psycopg.connect(postgres_server_url, autocommit=True) as connection:
        for role, database in made:  # the role holds privileges in its database until that is gone
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            connection.execute(f'DROP ROLE IF EXISTS "{role}"')


def make_settings(service: str, *, database_url: str, broker_url: str, data_dir: Path,
                  bus_namespace: str = "ordning", **overrides) -> Settings:
    settings = Settings(service=service, env="embedded", data_dir=Path(data_dir), database_url=database_url,
                        broker_url=broker_url, bus_namespace=bus_namespace, relay_poll_seconds=0.05,
                        retry_delays=TEST_RETRY_DELAYS)
    settings = replace(settings, **overrides)
    settings.validate()
    return settings


def issue_token(settings: Settings, subject: str, tenant: str, roles, org_units=(), name: str = "") -> str:
    return LocalIssuer(settings.data_dir, settings.auth_issuer, settings.auth_audience).issue(
        subject, tenant, roles, org_units, name)


# The org tree every service's integration tests start from, fed through org events as the processes service
# publishes them (its kinds: board, administration, division, unit).
# Tenant A: nämnd N > förvaltning F > verksamhetsområde V > enheter E1, E2;  N > förvaltning F2 > enhet E3.
# Tenant B: förvaltning FB > enhet EB.
TENANT_A, TENANT_B = "0138", "1407"  # Tyresö, Öckerö
ORG_TREE = [
    (TENANT_A, "a0000000-0000-0000-0000-00000000000c", "board", None),
    (TENANT_A, "a0000000-0000-0000-0000-00000000000f", "administration", "a0000000-0000-0000-0000-00000000000c"),
    (TENANT_A, "a0000000-0000-0000-0000-00000000000d", "division", "a0000000-0000-0000-0000-00000000000f"),
    (TENANT_A, "a0000000-0000-0000-0000-0000000000e1", "unit", "a0000000-0000-0000-0000-00000000000d"),
    (TENANT_A, "a0000000-0000-0000-0000-0000000000e2", "unit", "a0000000-0000-0000-0000-00000000000d"),
    (TENANT_A, "a0000000-0000-0000-0000-0000000000f2", "administration", "a0000000-0000-0000-0000-00000000000c"),
    (TENANT_A, "a0000000-0000-0000-0000-0000000000e3", "unit", "a0000000-0000-0000-0000-0000000000f2"),
    (TENANT_B, "b0000000-0000-0000-0000-0000000000fb", "administration", None),
    (TENANT_B, "b0000000-0000-0000-0000-0000000000eb", "unit", "b0000000-0000-0000-0000-0000000000fb"),
]
# UNITS["e1"], UNITS["f"], UNITS["fb"], ...: the last two hex digits name the unit (0c is N, 0d is V).
UNITS = {{"c": "n", "d": "v"}.get(key, key): uid
         for key, uid in ((uid[-2:].lstrip("0"), uid) for _t, uid, _k, _p in ORG_TREE)}


ORG_KIND_NAMES = {"board": "nämnd", "administration": "förvaltning", "division": "verksamhetsområde",
                  "unit": "enhet", "external_provider": "utförare"}


def org_event_body(tenant, unit_id, kind, parent_id, revision=1, closed_at=None) -> bytes:
    """A se.ordning.org_unit.created.v1 CloudEvent as the processes service sends it, serialized. The unit is
    named by its kind in Swedish and the last two digits of its id: "enhet e1", "förvaltning 0f"."""
    from . import events

    name = f"{ORG_KIND_NAMES.get(kind, kind)} {unit_id[-2:]}"
    event = events.DomainEvent(type="se.ordning.org_unit.created.v1", tenant=tenant, subject=unit_id,
                               data={"unit_id": unit_id, "kind": kind, "name": name,
                                     "parent_id": parent_id, "closed_at": closed_at, "revision": revision})
    return events.serialize(events.to_cloudevent(event, "processes"))


@dataclass
class ServiceEnv:
    """One service's app over a migrated database, as its integration tests drive it. A service's conftest
    subclasses it with the shortcuts of its own API (report, analysis, ...)."""
    app: object
    client: object
    platform: object
    settings: Settings
    handlers: dict = field(default_factory=dict)
    units: ClassVar[dict] = UNITS  # the short names tokens may give units by ("e1"); a service may add its own

    def token(self, subject, roles, units=(), tenant=TENANT_A, name=""):
        return issue_token(self.settings, subject, tenant, list(roles), [self.units.get(u, u) for u in units], name)

    def auth(self, subject, roles, units=(), tenant=TENANT_A, name="", **headers):
        """The Authorization header of a token for them; `name` is its display-name claim."""
        return {"Authorization": "Bearer " + self.token(subject, roles, units, tenant, name), **headers}

    def count(self, table) -> int:
        with self.platform.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()

    def counts(self) -> dict:
        """Every table's row count: what a refused request must leave as it was."""
        with self.platform.engine.connect() as conn:
            return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    for t in self.platform.metadata.sorted_tables}

    def feed(self, body) -> str:
        """Hand one serialized event to the service's handlers, as its consumer would."""
        from . import consumer

        return consumer.handle_event(self.platform, self.handlers, body)

    def outbox_types(self) -> list[str]:
        outbox = self.platform.tables.outbox
        with self.platform.engine.connect() as conn:
            return list(conn.execute(sa.select(outbox.c.type).order_by(outbox.c.id)).scalars())

    def etag(self, path, headers):
        return self.client.get(path, headers=headers).headers["ETag"]


def service_env(env_class, settings: Settings, create_app, handlers: dict | None = None, *, org_tree=ORG_TREE):
    """Yield an `env_class` for the app `create_app(settings)` with `org_tree` fed to it; after the test, fail
    if an answer was not in /openapi.json or a problem's message was not worded as the house style says."""
    app = create_app(settings)
    undocumented = watch_documented_answers(app)
    badly_worded = watch_problem_messages(app)
    platform = app.extensions["ordning"]
    environment = env_class(app=app, client=app.test_client(), platform=platform, settings=settings,
                            **({"handlers": handlers} if handlers is not None else {}))
    for tenant, unit_id, kind, parent in org_tree:
        assert environment.feed(org_event_body(tenant, unit_id, kind, parent)) == "processed"
    yield environment
    platform.dispose()
    assert not undocumented, "answers missing from /openapi.json"
    assert not badly_worded, "problems not worded as a Swedish sentence, then an English one"


class BackgroundWorker:
    """A service's worker (relay and consumer) in a thread, for integration tests."""

    def __init__(self, platform, handlers, jobs=()):
        from .worker import run_worker

        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=run_worker, args=(platform, handlers, self.stop_event, jobs),
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.stop_event.set()
        self.thread.join(timeout=15)


def process_env(settings: Settings, **extra) -> dict:
    """The environment of a service's process (a worker a test runs, and kills, as a subprocess) on `settings`."""
    database = {f"ORDNING_{settings.service.upper()}_DATABASE_URL": settings.database_url}
    return dict(os.environ, ORDNING_ENV="embedded", ORDNING_DATA_DIR=str(settings.data_dir),
                ORDNING_BROKER_URL=settings.broker_url, ORDNING_BUS_NAMESPACE=settings.bus_namespace,
                ORDNING_LOG_LEVEL="WARNING", **database, **extra)


def bearer(token: str, **headers) -> dict:
    """Request headers carrying `token` (and any others, e.g. an Idempotency-Key)."""
    return {"Authorization": f"Bearer {token}", **headers}


def publish_on_bus(broker_url: str, namespace: str, body: bytes | str, routing_key: str | None = None) -> None:
    """Put a serialized CloudEvent on the namespace's events exchange as the outbox relay does: persistent, and
    confirmed by the broker before this returns (a redelivery is the same body again). Without confirms a message
    published on a connection closed at once can be lost by a quorum queue on a loaded machine (RabbitMQ 3.10):
    seen as a test waiting 20 s for an event that never came."""
    from kombu import Exchange, Producer

    from .events import CONTENT_TYPE, amqp_headers

    attributes = json.loads(body)
    with Connection(broker_url, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.default_channel,
                            exchange=Exchange(f"{namespace}.events", type="topic", durable=True))
        producer.publish(body, routing_key=routing_key or attributes["type"], content_type=CONTENT_TYPE,
                         content_encoding="utf-8", headers=amqp_headers(attributes), delivery_mode=2)


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.05, message: str = "condition"):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def watch_documented_answers(app) -> list[str]:
    """From now on, every answer of `app` whose status its /openapi.json does not list for that operation is
    recorded in the returned list ("PATCH /api/v1/x/{id} -> 409"); a fixture asserts it stays empty."""
    from flask import request
    from flask_smorest.spec.plugins import FlaskPlugin

    paths = app.extensions["ordning_api"].spec.to_dict()["paths"]
    undocumented: list[str] = []

    @app.after_request
    def _check_documented(response):
        if request.url_rule is not None:
            path = FlaskPlugin.flaskpath2openapi(request.url_rule.rule)
            operation = paths.get(path, {}).get(request.method.lower())
            if operation is not None and str(response.status_code) not in operation["responses"]:
                undocumented.append(f"{request.method} {path} -> {response.status_code}")
        return response

    return undocumented


class _OutOfTime(BaseException):
    """An operation's share of the contract test's time is used up."""


def openapi_property_failures(app, headers: dict, known: dict[str, str] | None = None,
                              max_examples: int = 25, seconds: float = 30.0) -> list[str]:
    """schemathesis over the app's /openapi.json, in-process: for each operation, its documented examples and
    requests generated from its schema (fitting it, and not) sent with `headers`; path parameters named in
    `known` also take that value, so that requests reach existing resources. Returns what the answers broke,
    one line per operation and mode:
    - any answer: a 5xx; a status, content type, header or body the document does not give for that operation
      (problem+json answers checked against the Problem schema);
    - requests that fit: an operation that declares bearerAuth and still answers without a token or with a
      bad one;
    - requests that do not fit: one the API accepts (2xx) all the same.
    Bounded in time: at most `max_examples` requests per operation and mode, and `seconds` for the whole run,
    shared evenly by the operations and modes (an operation's share ends its requests)."""
    import re
    import time

    import schemathesis
    from hypothesis import HealthCheck, Phase, given, reject, settings
    from hypothesis import strategies as st
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.config import SchemathesisConfig
    from schemathesis.specs.openapi.checks import (content_type_conformance, ignored_auth, negative_data_rejection,
                                                   response_headers_conformance, response_schema_conformance,
                                                   status_code_conformance)

    conformance = [not_a_server_error, status_code_conformance, content_type_conformance,
                   response_headers_conformance, response_schema_conformance]
    checks = {GenerationMode.POSITIVE: conformance + [ignored_auth],
              GenerationMode.NEGATIVE: conformance + [negative_data_rejection]}
    # A request that does not fit is refused with a 4xx; 412 (a stale If-Match) and 413 (a body past the size
    # limit, e.g. a string at its maxLength in escapes) refuse it too, before its schema is read.
    config = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": [
        "400", "401", "403", "404", "409", "412", "413", "415", "422", "428", "429"]}}})
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app, config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    share = seconds / max(1, len(operations) * len(checks))
    failures = []
    for operation in operations:
        existing = {name: (known or {})[name] for name in re.findall(r"{(\w+)}", operation.path)
                    if name in (known or {})}
        for mode, mode_checks in checks.items():
            strategies = [operation.as_strategy(mode)]
            if existing:
                strategies.append(operation.as_strategy(mode, path_parameters=existing))
            until = time.monotonic() + share

            @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=st.one_of(strategies))
            def run(case):
                if time.monotonic() >= until:
                    raise _OutOfTime  # not an Exception: hypothesis stops at once, generating no more
                if mode is GenerationMode.NEGATIVE and any(value == [] for value in (case.query or {}).values()):
                    # A parameter holding an empty list is sent as nothing (e.g. {"": []} for a query that admits
                    # no other keys): the request that goes out fits, and its acceptance is no failure.
                    reject()
                case.call_and_validate(headers=headers, checks=mode_checks)

            try:
                run()
            except (Unsatisfiable, _OutOfTime):  # nothing can be generated not to fit its schema; time is up
                continue
            except (AssertionError, BaseExceptionGroup) as failure:  # report it, and go on to the next one
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    return failures


# --- the shape of messages: a Swedish sentence, then the English one ------------------------------------

# Values, not words: quoted, in <angle brackets>, or holding a digit (ids, numbers, dates).
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|<[^>]*>|[^\s(),;:]*[0-9][^\s(),;:]*")
_WORD = re.compile(r"[A-Za-zÅÄÖåäöÉé_]+")  # duplicate_of is one word, of neither language
# Words of one language that the other does not use; a sentence is told by them.
SWEDISH_WORDS = frozenset(
    "är inte finns saknas och för får kan har måste ska ett det den av på med eller redan bara din dina du "
    "igen först läs skicka ange okänd okänt okända kräver högst från någon annan ändrats enheten ärendet "
    "kommunen begäran kroppen tecken som efter innan när går fältet gäller tillhör ligger välj saknar behöver "
    "anger ingen".split())
ENGLISH_WORDS = frozenset(
    "the is are must not has have this was cannot your you does with only of be it and or no there such "
    "needs need send read again unknown required may allowed changed give choose from than too a an occurred "
    "error".split())
_SENTENCE_END = (".", "!", "?")


def message_shape_failures(sv: str | None, en: str | None) -> list[str]:
    """What is wrong with a problem's message: a Swedish sentence (or several), then the English one(s), each
    starting with a capital and ending with a full stop, no "svenska / English" fragments, no language mixed
    into the other (values in quotes or <angle brackets> aside)."""
    failures = []
    for language, text, own, other in (("Swedish", sv, SWEDISH_WORDS, ENGLISH_WORDS),
                                       ("English", en, ENGLISH_WORDS, SWEDISH_WORDS)):
        if not isinstance(text, str) or not text.strip():
            failures.append(f"no {language} sentence")
            continue
        if text != text.strip() or not (text[0].isupper() or text[0].isdigit()) or not text.endswith(_SENTENCE_END):
            failures.append(f"the {language} part is not sentences (a capital first, a full stop last): {text!r}")
        if " / " in text:
            failures.append(f"the {language} part holds a 'svenska / English' fragment: {text!r}")
        words = {word.lower() for word in _WORD.findall(_QUOTED.sub(" ", text))}
        if not words & own:
            failures.append(f"the {language} part does not read as {language}: {text!r}")
        if words & other - own:
            failures.append(f"the {language} part holds words of the other language "
                            f"({', '.join(sorted(words & other - own))}): {text!r}")
        if language == "English" and re.search("[åäöÅÄÖ]", _QUOTED.sub(" ", text)):
            failures.append(f"the English part holds Swedish letters: {text!r}")
    return failures


def detail_shape_failures(detail: str) -> list[str]:
    """message_shape_failures of a rendered detail: some split of its sentences must be Swedish, then English."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9ÅÄÖ])", detail.strip())
    best = None
    for cut in range(1, len(sentences)):
        failures = message_shape_failures(" ".join(sentences[:cut]), " ".join(sentences[cut:]))
        if not failures:
            return []
        best = best if best is not None and len(best) <= len(failures) else failures
    return best or [f"not a Swedish sentence and an English one: {detail!r}"]


def watch_problem_messages(app) -> list[str]:
    """From now on, every problem `app` answers whose title is not its status's or whose detail is not a
    Swedish sentence then an English one is recorded in the returned list; a fixture asserts it stays empty."""
    import json

    from .problems import PROBLEM_CONTENT_TYPE, TITLES

    wrong: list[str] = []

    @app.after_request
    def _check_message(response):
        if response.mimetype == PROBLEM_CONTENT_TYPE:
            document = json.loads(response.get_data())
            status = document.get("status")
            if status in TITLES and document.get("title") != TITLES[status]:
                wrong.append(f"{status}: the title {document.get('title')!r} is not {TITLES[status]!r}")
            for failure in detail_shape_failures(document.get("detail") or ""):
                wrong.append(f"{status} {document.get('code')}: {failure}")
        return response

    return wrong
