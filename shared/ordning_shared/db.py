"""SQLAlchemy 2 engine, the platform's own tables, and the unit of work.

Every service keeps, beside its own tables, the same platform tables: the
outbox its events wait in, the inbox that makes consumers idempotent, the
append-only audit trail and read log, the Idempotency-Key register and (for services that
scope by organisation) its copy of the organisation tree.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """Timestamps are stored and returned as aware UTC, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given where UTC is required")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def Id(**kw) -> sa.Column:  # noqa: N802 - reads like a column type
    """UUIDs as text: portable across SQLite and PostgreSQL, readable in a dump."""
    return sa.Column(sa.String(36), **kw)


class PlatformTables:
    """The shared tables, defined on a service's own MetaData.

    `audit_value_fields` names, per entity type, the fields whose values the audit trail may hold (ids,
    classifications, statuses, dates, versions); of every other field it records the name only.
    """

    def __init__(self, metadata: sa.MetaData, *, org_replica: bool = True, role_replica: bool = False,
                 process_replica: bool = False, audit_value_fields: dict[str, frozenset] | None = None):
        self.metadata = metadata
        self.audit_value_fields = dict(audit_value_fields or {})
        self.outbox = sa.Table(
            "outbox", metadata,
            sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
            Id(name="event_id", nullable=False, unique=True),
            sa.Column("tenant", sa.String(16), nullable=False),
            sa.Column("type", sa.String(120), nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("traceparent", sa.String(64)),
            sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
            sa.Column("published_at", UTCDateTime, index=True),
            sa.Column("attempts", sa.Integer, nullable=False, default=0),
        )
        self.inbox = sa.Table(
            "inbox", metadata,
            sa.Column("source", sa.String(200), primary_key=True),
            sa.Column("event_id", sa.String(200), primary_key=True),
            sa.Column("type", sa.String(120), nullable=False),
            sa.Column("received_at", UTCDateTime, nullable=False, default=utcnow),
        )
        self.audit_log = sa.Table(
            "audit_log", metadata,
            sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
            sa.Column("tenant", sa.String(16), nullable=False, index=True),
            sa.Column("at", UTCDateTime, nullable=False, default=utcnow),
            sa.Column("actor", sa.String(200), nullable=False),
            sa.Column("action", sa.String(80), nullable=False),
            sa.Column("entity_type", sa.String(60), nullable=False),
            Id(name="entity_id", nullable=False),
            sa.Column("changed_fields", sa.JSON),
            sa.Column("changed_values", sa.JSON),
            sa.Index("ix_audit_log_entity", "entity_type", "entity_id"),
        )
        # Who read a protected case (lex Sarah, lex Maria) and how; a data protection officer asks it.
        self.read_log = sa.Table(
            "read_log", metadata,
            sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
            sa.Column("tenant", sa.String(16), nullable=False),
            sa.Column("at", UTCDateTime, nullable=False, default=utcnow),
            sa.Column("actor", sa.String(200), nullable=False),
            sa.Column("entity_type", sa.String(60), nullable=False),
            Id(name="entity_id", nullable=False),
            sa.Column("how", sa.String(16), nullable=False),
            sa.Index("ix_read_log_entity", "tenant", "entity_type", "entity_id"),
            sa.Index("ix_read_log_actor", "tenant", "actor"),
            sa.Index("ix_read_log_at", "tenant", "at"),
        )
        self.idempotency_keys = sa.Table(
            "idempotency_keys", metadata,
            sa.Column("tenant", sa.String(16), primary_key=True),
            sa.Column("principal", sa.String(200), primary_key=True),
            sa.Column("key", sa.String(200), primary_key=True),
            sa.Column("fingerprint", sa.String(64), nullable=False),
            sa.Column("resource_type", sa.String(60), nullable=False),
            Id(name="resource_id", nullable=False),
            sa.Column("status", sa.Integer, nullable=False),
            sa.Column("created_at", UTCDateTime, nullable=False, default=utcnow),
        )
        # Fixed-window counts of the public endpoints' calls, per keyed client hash or tenant (ordning_shared.public).
        self.rate_limit_windows = sa.Table(
            "rate_limit_windows", metadata,
            sa.Column("key", sa.String(80), primary_key=True),
            sa.Column("window_start", sa.BigInteger, nullable=False),  # epoch seconds
            sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
            sa.Column("hits", sa.Integer, nullable=False),
        )
        # Keys this installation makes for itself once (the key of client address hashes, unless configured).
        self.installation_keys = sa.Table(
            "installation_keys", metadata,
            sa.Column("name", sa.String(40), primary_key=True),
            sa.Column("value", sa.String(128), nullable=False),
        )
        self.org_units = None
        if org_replica:
            self.org_units = sa.Table(
                "org_unit_replica", metadata,
                sa.Column("tenant", sa.String(16), primary_key=True),  # unit ids are the tenant's own
                Id(name="id", primary_key=True),
                Id(name="parent_id", index=True),
                sa.Column("kind", sa.String(40), nullable=False),
                sa.Column("name", sa.String(200), nullable=False),
                sa.Column("closed_at", UTCDateTime),
                sa.Column("revision", sa.Integer, nullable=False),
                # An external provider (utförare i privat regi) reports to IVO itself (org_replica_0003).
                sa.Column("external_provider", sa.Boolean, nullable=False, server_default=sa.false()),
            )
        # Who holds which role where, from the processes service's se.ordning.role.* events (ordning_shared.roles).
        self.role_holders = None
        if role_replica:
            self.role_holders = sa.Table(
                "role_holder_replica", metadata,
                sa.Column("tenant", sa.String(16), primary_key=True),
                Id(name="assignment_id", primary_key=True),
                sa.Column("role", sa.String(40), nullable=False),
                Id(name="unit_id"),
                Id(name="process_id"),
                sa.Column("user_id", sa.String(200), nullable=False),
                sa.Column("valid_from", sa.Date, nullable=False),
                sa.Column("valid_to", sa.Date),
                sa.Column("ended_at", UTCDateTime),
                sa.Column("version", sa.Integer, nullable=False),
                sa.Index("ix_role_holder_replica_unit", "tenant", "unit_id", "role"),
                sa.Index("ix_role_holder_replica_process", "tenant", "process_id", "role"),
            )

        # The tenants' established processes and their steps (ids only), from the processes service's
        # se.ordning.process.* events (ordning_shared.processmap).
        self.processes = self.process_steps = None
        if process_replica:
            self.processes = sa.Table(
                "process_replica", metadata,
                sa.Column("tenant", sa.String(16), primary_key=True),
                Id(name="process_id", primary_key=True),
                Id(name="unit_id", nullable=False),
                Id(name="parent_id"),  # the process it is a delprocess of
                sa.Column("kind", sa.String(20), nullable=False),
                sa.Column("version", sa.Integer, nullable=False),  # the newest established version seen
                sa.Column("established_on", sa.Date, nullable=False),
            )
            self.process_steps = sa.Table(
                "process_step_replica", metadata,
                sa.Column("tenant", sa.String(16), primary_key=True),
                Id(name="step_id", primary_key=True),  # stable across the process's versions
                Id(name="process_id", nullable=False),
                sa.Column("version", sa.Integer, nullable=False),  # the newest established version naming it
                sa.Index("ix_process_step_replica_process", "tenant", "process_id"),
            )


def new_metadata() -> sa.MetaData:
    return sa.MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, **kw) -> Engine:
    # A statement's parameters are personal data (descriptions, e-mail, personnummer): never in an
    # exception's message, and so never in a log.
    kw.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kw)

        @sa_event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets the API, the worker and the relay share one file.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            # SQLite's lower() and LIKE fold ASCII only; searches fold Å, Ä and Ö too (a NULL stays NULL).
            dbapi_connection.create_function("casefold", 1, _casefold, deterministic=True)

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    # No pre-ping: it costs a round trip per checkout. A connection found dead fails one request and
    # makes SQLAlchemy invalidate the whole pool; recycling keeps connections from going stale.
    kw.setdefault("pool_recycle", 1800)
    kw.setdefault("pool_size", 10)
    return sa.create_engine(url, **kw)


def _casefold(value):
    return value.casefold() if isinstance(value, str) else value


def _insert_unless_there(connection: sa.Connection, table: sa.Table, values):
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the primary key, in the connection's dialect."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).values(values).on_conflict_do_nothing().returning(*table.primary_key.columns)


def insert_if_absent(connection: sa.Connection, table: sa.Table, values: dict) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: True when this call created the row. Two first writes of one key
    at once then never fail on the unique key; the second waits for the first and finds the row."""
    # rowcount is not reliable here on every driver
    return connection.execute(_insert_unless_there(connection, table, values)).first() is not None


def insert_many_if_absent(connection: sa.Connection, table: sa.Table, rows: list[dict]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING of several rows: how many were new (a row whose unique key is there already,
    say from an event delivered twice, is left out)."""
    return len(connection.execute(_insert_unless_there(connection, table, rows)).all()) if rows else 0


def write_if_newer(connection: sa.Connection, table: sa.Table, key: dict, values: dict,
                   version_column: str = "version") -> bool:
    """Keep the newest version of a row copied from events: insert it when absent, else update it only if `values`
    carry a higher version than the row's. An event delivered twice, or an older one arriving after a newer one,
    then changes nothing, so a copy converges whatever the order. True when this call wrote the row."""
    if insert_if_absent(connection, table, {**key, **values}):
        return True
    where = [table.c[name] == value for name, value in key.items()]
    newer = table.c[version_column] < values[version_column]
    return connection.execute(table.update().where(*where, newer).values(**values)).rowcount == 1


def write_versioned(connection: sa.Connection, table: sa.Table, key: dict, values: dict, read_version: int) -> bool:
    """Write a row (a tenant's setting) at the version that was read, 0 meaning no row yet: the first write
    inserts it as version 1, a later one updates only the version read. False: another writer came first."""
    if read_version == 0:
        return insert_if_absent(connection, table, {**key, **values, "version": 1})
    where = [table.c[name] == value for name, value in key.items()]
    return connection.execute(table.update().where(*where, table.c.version == read_version)
                              .values(**values, version=read_version + 1)).rowcount == 1


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


class Duplicate(Exception):
    """The message or request was handled before; nothing is to be done again."""


class UnitOfWork:
    """One transaction: the changes, their audit records and their events commit together.

    Events go to the outbox table in the same transaction as the change
    (cosmicpython's unit of work hands them to a bus after commit; a crash
    in between would lose them). The relay publishes them afterwards.
    """

    def __init__(self, engine: Engine, tables: PlatformTables, service: str, on_commit=()):
        # A Core connection, not an ORM session: services speak SQLAlchemy Core, and the
        # session's bookkeeping cost more than the queries on the reporting hot path.
        self._engine = engine
        self.tables = tables
        self.service = service
        self._on_commit = list(on_commit)
        self.connection: sa.Connection | None = None
        self.events: list = []
        self._inserts: list[tuple[sa.Table, dict]] = []

    def __enter__(self) -> "UnitOfWork":
        self.connection = self._engine.connect()
        self.events = []
        self._inserts = []
        return self

    def __exit__(self, *exc_info):
        try:
            self.connection.rollback()
        finally:
            self.connection.close()

    @property
    def dialect_name(self) -> str:
        return self.connection.dialect.name

    def execute(self, statement, *args, **kw):
        return self.connection.execute(statement, *args, **kw)

    def add_event(self, event) -> None:
        self.events.append(event)

    def insert_on_commit(self, table: sa.Table, row: dict) -> None:
        """Queue a row that `commit` writes together with the other queued rows and the outbox.

        For rows nothing reads back before the commit, in tables that do not refer to each other.
        """
        self._inserts.append((table, row))

    def audit(self, *, tenant: str, actor: str, action: str, entity_type: str, entity_id: str,
              before: dict | None = None, after: dict | None = None) -> None:
        """Record who ran which command on which entity, and which fields it changed.

        `before` and `after` are the entity's state; the record keeps the names of the fields that differ,
        and values only of the fields the entity type declares safe (`audit_value_fields`), never free text.
        """
        fields, values = changes(before, after, self.tables.audit_value_fields.get(entity_type, frozenset()))
        self.insert_on_commit(self.tables.audit_log, {
            "tenant": tenant, "at": utcnow(), "actor": actor, "action": action,
            "entity_type": entity_type, "entity_id": str(entity_id),
            "changed_fields": fields or None, "changed_values": _jsonable(values) if values else None,
        })

    def log_reads(self, *, tenant: str, actor: str, entity_type: str, entity_ids, how: str) -> None:
        """Record that `actor` read these entities (`how`: read, list or audit), to be written at commit."""
        at = utcnow()
        for entity_id in entity_ids:
            self.insert_on_commit(self.tables.read_log, {
                "tenant": tenant, "at": at, "actor": actor, "entity_type": entity_type,
                "entity_id": str(entity_id), "how": how})

    def mark_received(self, source: str, event_id: str, type_: str) -> None:
        """Record an incoming event in the inbox; raises Duplicate if it was handled already."""
        inbox = self.tables.inbox
        seen = self.connection.execute(
            sa.select(inbox.c.event_id).where(inbox.c.source == source, inbox.c.event_id == event_id)
        ).first()
        if seen:
            raise Duplicate(f"{source} {event_id}")
        insert = inbox.insert().values(source=source, event_id=event_id, type=type_, received_at=utcnow())
        try:
            if self.dialect_name == "sqlite":
                # pysqlite emits no BEGIN before a SAVEPOINT, so its RELEASE would commit the inbox
                # row on its own and a failing handler's event would later be dropped as a
                # duplicate. SQLite serializes writers; a plain insert is enough there.
                self.connection.execute(insert)
            else:
                with self.connection.begin_nested():
                    self.connection.execute(insert)
        except sa.exc.IntegrityError:
            raise Duplicate(f"{source} {event_id}") from None

    def commit(self) -> None:
        from . import events as ev  # late: events imports tracing, which is optional at import

        outbox = self.tables.outbox
        inserts = self._inserts + [(outbox, ev.outbox_row(event, self.service)) for event in self.events]
        if inserts:
            write_rows(self.connection, inserts)
        self.connection.commit()
        committed, self.events, self._inserts = self.events, [], []
        for callback in self._on_commit:
            callback(committed)

    def rollback(self) -> None:
        self.events, self._inserts = [], []
        self.connection.rollback()


_one_statement_inserts: dict[tuple, sa.Insert] = {}


def write_rows(connection: sa.Connection, inserts: list[tuple[sa.Table, dict]]) -> None:
    """Insert rows of several tables in the order given; on PostgreSQL, one row per table goes in one statement.

    One statement is one round trip: WITH r1 AS (INSERT ...), r2 AS (INSERT ...) INSERT ... PostgreSQL
    runs its parts in no set order, so two rows of one table (two events, whose serial ids are their
    publishing order) are written a table at a time instead, as are rows on other databases.
    """
    tables = [table for table, _row in inserts]
    if connection.dialect.name != "postgresql" or len(set(tables)) < len(tables):
        for table, rows in _runs(inserts):
            connection.execute(table.insert(), rows)
        return
    shape = tuple((table, tuple(row)) for table, row in inserts)
    statement = _one_statement_inserts.get(shape)
    if statement is None:
        statement = _one_statement_inserts[shape] = _one_statement_insert(shape)
    connection.execute(statement, {f"r{i}_{name}": value for i, (_table, row) in enumerate(inserts)
                                   for name, value in row.items()})


def _one_statement_insert(shape: tuple) -> sa.Insert:
    # Single-row VALUES with named parameters: SQLAlchemy caches the compiled statement (a multi-row
    # VALUES it would compile again on every execution).
    statements = [table.insert().values({name: sa.bindparam(f"r{i}_{name}") for name in names})
                  for i, (table, names) in enumerate(shape)]
    return statements[0].add_cte(*(statement.cte(f"r{i}") for i, statement in enumerate(statements[1:], 1)))


def _runs(inserts: list[tuple[sa.Table, dict]]):
    """Consecutive rows of one table with the same columns, each run one executemany."""
    runs: list[tuple[sa.Table, list[dict]]] = []
    for table, row in inserts:
        if runs and runs[-1][0] is table and tuple(runs[-1][1][0]) == tuple(row):
            runs[-1][1].append(row)
        else:
            runs.append((table, [row]))
    return runs


def changes(before: dict | None, after: dict | None, value_fields) -> tuple[list[str], dict]:
    """The names of the fields that differ between two states, and [before, after] of the safe ones."""
    before, after = before or {}, after or {}
    names = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    return names, {name: [before.get(name), after.get(name)] for name in names if name in value_fields}


def _jsonable(value):
    if value is None:
        return None
    return json.loads(dumps(value))
