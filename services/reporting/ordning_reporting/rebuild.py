"""`ordning-reporting-rebuild [model ...]` (or `python -m ordning_reporting.rebuild`): drop read models and refill
them from the stored events, with a progress bar on stderr. With no model named, every one; `--list` names them.
A read model added to the registry (domain/registry.py) is filled from history the same way.

Safe while the worker runs. Each read model has a row in `read_model_state`; the worker reads it FOR SHARE before
it stores an event and folds the event only while the row says `ready`. The rebuild:

1. locks the rows FOR UPDATE (so no worker transaction is between reading it and committing), marks them
   `rebuilding`, empties the models' facts and cubes and notes the last stored position P, in one transaction.
   From then on the worker stores events and leaves the folding to the rebuild; every event at or before P is
   committed (a worker's insert comes after its FOR SHARE, which the lock waited for);
2. folds every stored event of the models up to P, an aggregate at a time in version order (streamed, facts
   written in batches, the cubes summed in memory and written at the end): no lock held, the API keeps answering
   (with the figures growing back);
3. catches up the events stored meanwhile (after P), by the worker's own path (projection.apply), and repeats; the
   last round holds the rows' lock while it folds the last events and marks the models `ready` again.

The organisation tree (`org_units`, the platform's org-tree copy that scopes every figure) is small: it is emptied
and refilled in one transaction under its row's lock, so the API never sees it empty.

Two rebuilds never run at once (a PostgreSQL advisory lock). A rebuild that dies leaves its models `rebuilding`
(the worker stores, does not fold): run it again.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from ordning_shared.config import Settings
from ordning_shared.db import utcnow
from ordning_shared.orgtree import apply_org_unit_event

from . import db, projection
from .domain.cubes import CUBES
from .domain.events import StoredEvent
from .domain.period import local_date
from .domain.registry import ORG_UNIT_PREFIX, ORG_UNITS, READ_MODELS, ReadModel, model_names

REBUILD_LOCK = 7_210_001  # pg_advisory_lock key of "a rebuild is running"
FACT_BATCH = 2000
CATCH_UP_LAST_ROUND = 2000  # events left after P: fold them under the lock and finish


class RebuildError(Exception):
    pass


class Progress:
    """A progress bar on a stream (stderr): events done of the total, and events per second."""

    def __init__(self, stream, total: int, label: str, width: int = 30):
        self.stream, self.total, self.label, self.width = stream, total, label, width
        self.done, self.started, self._shown = 0, time.monotonic(), 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._shown >= 0.2 or self.done >= self.total:
            self._shown = now
            self.show()

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def show(self, end: str = "") -> None:
        if self.stream is None:
            return
        share = self.done / self.total if self.total else 1.0
        filled = int(self.width * min(share, 1.0))
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {self.done:,}/{self.total:,} events  {self.rate():,.0f} events/s"
                          + end)
        self.stream.flush()

    def finish(self) -> None:
        self.show(end="\n")


@dataclass
class Result:
    models: list[str]
    events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def _prefix_filter(models: list[ReadModel]):
    t = db.event_store
    return sa.or_(*(t.c.type.startswith(prefix, autoescape=True) for model in models for prefix in model.prefixes))


def _lock_states(connection, names: list[str]) -> None:
    s = db.read_model_state
    for name in names:
        if connection.execute(sa.select(s.c.model).where(s.c.model == name)).first() is None:
            connection.execute(projection._insert(connection)(s).values(
                model=name, status=projection.READY, changed_at=utcnow()).on_conflict_do_nothing())
    query = sa.select(s.c.model).where(s.c.model.in_(names)).order_by(s.c.model)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    connection.execute(query).all()


def _set_status(connection, names: list[str], status: str) -> None:
    s = db.read_model_state
    connection.execute(s.update().where(s.c.model.in_(names)).values(status=status, changed_at=utcnow()))


def _last_position(connection) -> int:
    return connection.execute(sa.select(sa.func.coalesce(sa.func.max(db.event_store.c.position), 0))).scalar_one()


class _Envelope:
    """What ordning_shared.orgtree reads of a CloudEvent, from a stored event."""

    def __init__(self, event: StoredEvent):
        self.event = event

    def get_data(self):
        return self.event.data

    def get_attributes(self):
        return {"tenant": self.event.tenant, "subject": self.event.subject, "type": self.event.type}

    def get_source(self):
        return self.event.source

    def get_type(self):
        return self.event.type


class _Work:
    """What ordning_shared.orgtree needs of a unit of work: the tables and a connection."""

    def __init__(self, connection):
        self.connection, self.tables = connection, db.tables

    def execute(self, statement, *args, **kw):
        return self.connection.execute(statement, *args, **kw)


def rebuild_org_units(engine, progress_stream=None) -> int:
    t = db.event_store
    with engine.begin() as connection:
        _lock_states(connection, [ORG_UNITS])
        connection.execute(db.tables.org_units.delete())
        query = sa.select(t).where(t.c.type.startswith(ORG_UNIT_PREFIX)).order_by(t.c.position)
        rows = connection.execute(query).all()
        progress = Progress(progress_stream, len(rows), ORG_UNITS)
        work = _Work(connection)
        for row in rows:
            apply_org_unit_event(work, _Envelope(projection.row_event(row)))  # revisions decide, not the order
            progress.advance()
        progress.finish()
    return len(rows)


def _bulk_insert(connection, table: sa.Table, rows: list[dict]) -> None:
    """Rows into a table: by COPY on PostgreSQL (the rebuild writes a fact per aggregate and every cube row),
    else executemany."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    if not connection.in_transaction():  # the COPY goes round SQLAlchemy: its transaction must have begun
        connection.begin()
    names = [column.name for column in table.columns]
    json_columns = {column.name for column in table.columns if isinstance(column.type, sa.JSON)}
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in names)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([json.dumps(row.get(name), ensure_ascii=False) if name in json_columns else row.get(name)
                            for name in names])


def _write_cubes(connection, cubes: dict) -> None:
    """The cubes summed in memory, {(tenant, cube, key): {measure: count}}, and their rollups."""
    rollups: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for (tenant, cube, key), measures in cubes.items():
        spec = CUBES[cube]
        if spec.rollup:
            counts = rollups[(tenant, spec.rollup_name, key[1:])]
            for measure, value in measures.items():
                counts[measure] += value
    by_table: dict[str, list[dict]] = defaultdict(list)
    for (tenant, cube, key), measures in [*cubes.items(), *rollups.items()]:
        if any(measures.values()):
            table = db.CUBE_TABLES[cube]
            dims = [column.name for column in table.primary_key.columns][1:]
            by_table[cube].append({"tenant": tenant, **dict(zip(dims, key)),
                                   **{m: measures.get(m, 0) for m in READ_MEASURES[cube]}})
    for cube, rows in by_table.items():
        _bulk_insert(connection, db.CUBE_TABLES[cube], rows)


READ_MEASURES = {name: [c.name for c in table.columns if not c.primary_key] for name, table in db.CUBE_TABLES.items()}


def _fold_history(engine, models: list[ReadModel], last: int, progress: Progress) -> None:
    """Step 2: fold every stored event of the models up to `last`, an aggregate at a time."""
    t = db.event_store
    cubes: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    query = (sa.select(t.c.position, t.c.tenant, t.c.source, t.c.event_id, t.c.type, t.c.subject, t.c.sequence,
                       t.c.time, t.c.data)
             .where(t.c.position <= last, _prefix_filter(models))
             .order_by(t.c.tenant, t.c.subject, t.c.position))
    facts: list[dict] = []

    def finish(aggregate: list[StoredEvent]) -> None:
        first = aggregate[0]
        for model in models:
            own = [event for event in aggregate if model.handles(event.type)]
            if not own:
                continue
            state, version = projection.fold_all(model, own)
            if state is None:
                continue
            facts.append({"tenant": first.tenant, "model": model.name, "aggregate_id": first.subject,
                          "version": version, "unit_id": state.get("unit_id"),
                          "period_on": local_date(state.get("period_on")), "state": state})
            for contribution in model.contribute(state):
                counts = cubes[(first.tenant, contribution.cube, contribution.key)]
                for measure, value in contribution.measures.items():
                    counts[measure] += value

    with engine.connect() as reader, engine.connect() as writer:
        rows = reader.execution_options(stream_results=True, yield_per=5000).execute(query)
        aggregate: list[StoredEvent] = []
        for row in rows:
            event = projection.row_event(row)
            if aggregate and (event.tenant, event.subject) != (aggregate[0].tenant, aggregate[0].subject):
                finish(aggregate)
                aggregate = []
                if len(facts) >= FACT_BATCH:
                    _bulk_insert(writer, db.facts, facts)
                    writer.commit()
                    facts.clear()
            aggregate.append(event)
            progress.advance()
        if aggregate:
            finish(aggregate)
        _bulk_insert(writer, db.facts, facts)
        _write_cubes(writer, cubes)
        writer.commit()


def _catch_up(engine, models: list[ReadModel], after: int, progress: Progress) -> None:
    """Step 3: fold the events stored since `after` as the worker would, until none is left; the last round
    under the lock, which ends with the models ready."""
    t = db.event_store
    names = [model.name for model in models]
    while True:
        with engine.begin() as connection:
            _lock_states(connection, names)
            last = _last_position(connection)
            pending = connection.execute(sa.select(sa.func.count()).select_from(t).where(
                t.c.position > after, t.c.position <= last, _prefix_filter(models))).scalar_one()
            final = pending <= CATCH_UP_LAST_ROUND
            if final:
                _apply_range(connection, models, after, last, progress)
                _set_status(connection, names, projection.READY)
                return
        progress.total += pending
        with engine.begin() as connection:
            _apply_range(connection, models, after, last, progress)
        after = last


def _apply_range(connection, models: list[ReadModel], after: int, last: int, progress: Progress) -> None:
    t = db.event_store
    rows = connection.execute(sa.select(t).where(t.c.position > after, t.c.position <= last,
                                                 _prefix_filter(models)).order_by(t.c.position)).all()
    for row in rows:
        event = projection.row_event(row)
        for model in models:
            if model.handles(event.type):
                projection.apply(connection, model, event)
        progress.advance()


def _analyze(engine, models: list[ReadModel]) -> None:
    """Fresh statistics of the refilled tables: the planner would otherwise take a year of a cube for one row and
    scan it by month instead of reading the scope's units by the primary key."""
    if engine.dialect.name != "postgresql":
        return
    tables = {db.facts.name}
    for model in models:
        for cube in model.cubes:
            tables.add(cube)
            if CUBES[cube].rollup:
                tables.add(CUBES[cube].rollup_name)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for name in sorted(tables):
            connection.execute(sa.text(f"ANALYZE {connection.dialect.identifier_preparer.quote(name)}"))


def rebuild(engine, names: list[str] | None = None, progress_stream=None) -> Result:
    """Drop the named read models (all when None) and refill them from the stored events."""
    names = list(names or model_names())
    unknown = sorted(set(names) - set(model_names()))
    if unknown:
        raise RebuildError(f"unknown read model(s): {', '.join(unknown)}; known: {', '.join(model_names())}")
    started = time.monotonic()
    guard = engine.connect()
    try:
        if guard.dialect.name == "postgresql":
            if not guard.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": REBUILD_LOCK}).scalar():
                raise RebuildError("another rebuild is running")
            guard.commit()
        events = 0
        if ORG_UNITS in names:
            events += rebuild_org_units(engine, progress_stream)
        models = [READ_MODELS[name] for name in names if name in READ_MODELS]
        if models:
            with engine.begin() as connection:  # step 1
                model_names_ = [model.name for model in models]
                _lock_states(connection, model_names_)
                _set_status(connection, model_names_, projection.REBUILDING)
                connection.execute(db.facts.delete().where(db.facts.c.model.in_(model_names_)))
                for model in models:
                    for cube in model.cubes:
                        connection.execute(db.CUBE_TABLES[cube].delete())
                        if CUBES[cube].rollup:
                            connection.execute(db.CUBE_TABLES[CUBES[cube].rollup_name].delete())
                last = _last_position(connection)
                t = db.event_store
                total = connection.execute(sa.select(sa.func.count()).select_from(t).where(
                    t.c.position <= last, _prefix_filter(models))).scalar_one()
            progress = Progress(progress_stream, total, ", ".join(model_names_))
            _fold_history(engine, models, last, progress)  # step 2
            _catch_up(engine, models, last, progress)  # step 3
            _analyze(engine, models)
            progress.finish()
            events += progress.done
    finally:
        if guard.dialect.name == "postgresql":
            guard.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": REBUILD_LOCK})
            guard.commit()
        guard.close()
    return Result(names, events, time.monotonic() - started)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="ordning-reporting-rebuild", description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help=f"read models to rebuild (default: all): {', '.join(model_names())}")
    parser.add_argument("--list", action="store_true", help="name the read models and stop")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.list:
        for name in model_names():
            print(name)
        return
    from .app import make_platform

    platform = make_platform(Settings.from_env("reporting"))
    try:
        result = rebuild(platform.engine, args.models or None, None if args.quiet else sys.stderr)
    except RebuildError as error:
        raise SystemExit(f"ordning-reporting-rebuild: {error}") from None
    finally:
        platform.dispose()
    print(f"rebuilt {', '.join(result.models)}: {result.events:,} events in {result.seconds:.1f} s "
          f"({result.events_per_second:,.0f} events/s)", file=sys.stderr)


if __name__ == "__main__":
    main()
