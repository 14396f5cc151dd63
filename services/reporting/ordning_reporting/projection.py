"""Keeping the read models: store an event, fold it into its aggregate's fact, change the cubes by the difference.

`receive_all` is what the worker does with the events the broker delivered (handlers.py): a batch in one unit
of work, exactly once by the event store's key (source, id); `receive` is a batch of one (an event handled alone,
with the inbox). `apply` is the step of one read model, also used by the rebuild for the events that arrive while
it runs. A batch costs a fixed number of statements (fold_events), not a number per event.

Order: an event whose version is above the fact's is folded on top of it (the usual case, and the case of a gap:
a version the events skip, e.g. a change that publishes nothing). An event at or below the fact's version arrived
late or twice under a new id: the aggregate is folded again from its stored events, in version order, and the
fact replaced; so is an aggregate that has no fact yet (its events may have been stored while its read model was
being rebuilt or before it existed). Either way the cubes change by what the new fact contributes minus what the
old one did, so the counts are those of the facts as they are, whatever order the events came in.

Concurrency: on PostgreSQL each fold takes transaction-scoped advisory locks on (tenant, model, aggregate), all of
a batch's in one statement and in one order, so two workers never fold one aggregate at once, and cube rows are
changed in one sorted order; SQLite has one writer at a time anyway.
"""
from __future__ import annotations

import sqlalchemy as sa
from ordning_shared.db import utcnow
from ordning_shared.events import UntrustedEvent

from . import db
from .domain.cubes import Contribution, difference, rolled_up
from .domain.events import StoredEvent, parse_sequence
from .domain.period import local_date
from .domain.registry import CUBES, ReadModel, read_model_for

READY, REBUILDING = "ready", "rebuilding"


def _insert(connection):
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def from_cloudevent(cloudevent) -> StoredEvent:
    attributes = cloudevent.get_attributes()
    data = cloudevent.get_data()
    time = attributes.get("time")
    return StoredEvent(tenant=attributes["tenant"], source=cloudevent.get_source(), id=cloudevent.get_id(),
                       type=cloudevent.get_type(), subject=str(attributes.get("subject") or ""),
                       sequence=parse_sequence(attributes.get("sequence")), time=time,
                       data=data if isinstance(data, dict) else {})


def store(connection, event: StoredEvent) -> StoredEvent | None:
    """Add the event to the store; None if it is there already (same source and id)."""
    return store_all(connection, [event])[0]


def store_all(connection, events: list[StoredEvent]) -> list[StoredEvent | None]:
    """Add the events to the store in one statement, in their order (their positions follow it); for each, the
    stored event, or None if it is there already (same source and id, stored before or earlier in `events`)."""
    t = db.event_store
    received_at, fresh, seen = utcnow(), [], set()
    for event in events:
        if (event.source, event.id) not in seen:
            seen.add((event.source, event.id))
            fresh.append(event)
    if not fresh:
        return [None] * len(events)
    statement = (_insert(connection)(t).values([
        {"tenant": event.tenant, "source": event.source, "event_id": event.id, "type": event.type,
         "subject": event.subject, "sequence": event.sequence, "time": event.time, "data": event.data,
         "received_at": received_at} for event in fresh])
        .on_conflict_do_nothing().returning(t.c.source, t.c.event_id, t.c.position))
    positions = {(row.source, row.event_id): row.position for row in connection.execute(statement)}
    result = []
    for event in events:
        position = positions.pop((event.source, event.id), None)  # popped: a repeat in `events` gets None
        result.append(None if position is None else StoredEvent(**{**event.__dict__, "position": position}))
    return result


def model_status(connection, model: str, lock: bool = True) -> str:
    """The read model's state, read FOR SHARE: a rebuild (FOR UPDATE) waits for this transaction, and this one for
    a rebuild's switch."""
    return model_statuses(connection, [model], lock)[model]


def model_statuses(connection, models, lock: bool = True) -> dict[str, str]:
    """The states of several read models in one statement (FOR SHARE, as model_status)."""
    s = db.read_model_state
    names = sorted(set(models))
    query = sa.select(s.c.model, s.c.status).where(s.c.model.in_(names))
    if lock and connection.dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    found = {row.model: row.status for row in connection.execute(query)} if names else {}
    return {name: found.get(name) or READY for name in names}


# Who publishes each aggregate's events (their source's service); an event of a known aggregate from another
# service is refused (dead-lettered as evidence), never stored or counted. Brokers enforce it too (brokerusers).
PUBLISHERS = {"deviation": {"deviations"}, "action": {"deviations", "risks"}, "org_unit": {"processes"},
              "role": {"processes"}, "document": {"processes"}, "process": {"processes"}, "goal": {"processes"},
              "risk": {"risks"}, "report": {"reporting"}}


def require_publisher(event: StoredEvent) -> None:
    aggregate = event.type.split(".")[2] if event.type.count(".") >= 3 else ""
    service = event.source.rsplit("/", 1)[-1]
    if aggregate in PUBLISHERS and service not in PUBLISHERS[aggregate]:
        raise UntrustedEvent(f"{event.type} from source {event.source!r} is refused: only "
                             f"{', '.join(sorted(PUBLISHERS[aggregate]))} publishes it")


def receive(connection, event: StoredEvent) -> StoredEvent | None:
    """Store the event and fold it into every read model that handles it (and is not being rebuilt)."""
    return receive_all(connection, [event])[0]


def receive_all(connection, events: list[StoredEvent], statuses: dict[str, str] | None = None
                ) -> list[StoredEvent | None]:
    """Store a batch of events and fold them into the read models that handle them, in one transaction and a
    fixed number of statements whatever the batch's size: the states, the store, the locks, the facts, the stored
    events of the aggregates folded again, the facts written, and one upsert per cube changed. For each event,
    the stored event or None (stored before, or earlier in the batch). `statuses`: read by the caller already."""
    for event in events:
        require_publisher(event)
    wanted = {model.name for event in events for model in read_model_for(event.type)}
    if statuses is None or not wanted <= set(statuses):
        statuses = {**(statuses or {}), **model_statuses(connection, wanted)}
    stored = store_all(connection, events)
    fold_events(connection, [(model, event) for event in stored if event is not None
                             for model in read_model_for(event.type) if statuses[model.name] == READY])
    return stored


def _lock_aggregates(connection, keys) -> None:
    """Transaction-scoped advisory locks on (tenant, model, aggregate) in one statement, taken in the order of
    their hashes: two workers folding overlapping batches wait for each other, never deadlock."""
    if connection.dialect.name == "postgresql" and keys:
        names = sorted({f"reporting:{tenant}:{model}:{aggregate_id}" for model, tenant, aggregate_id in keys})
        connection.execute(sa.text(
            "SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h "
            "FROM unnest(CAST(:keys AS text[])) AS k ORDER BY h) AS locks"), {"keys": names})


def stored_events(connection, model: ReadModel, tenant: str, aggregate_id: str) -> list[StoredEvent]:
    t = db.event_store
    rows = connection.execute(sa.select(t).where(
        t.c.tenant == tenant, t.c.subject == aggregate_id,
        sa.or_(*(t.c.type.startswith(prefix, autoescape=True) for prefix in model.prefixes)))).all()
    return sorted((row_event(row) for row in rows), key=lambda event: event.order)


def row_event(row) -> StoredEvent:
    return StoredEvent(tenant=row.tenant, source=row.source, id=row.event_id, type=row.type, subject=row.subject,
                       sequence=row.sequence, time=row.time, data=row.data or {}, position=row.position)


def fold_all(model: ReadModel, events: list[StoredEvent]) -> tuple[dict | None, int]:
    state, version = None, 0
    for event in sorted(events, key=lambda e: e.order):
        state = model.fold(state, event)
        version = max(version, event.version)
    return state, version


def apply(connection, model: ReadModel, event: StoredEvent) -> None:
    """Fold one stored event into its aggregate's fact and change the cubes by the difference."""
    fold_events(connection, [(model, event)])


def fold_events(connection, pairs: list[tuple[ReadModel, StoredEvent]]) -> None:
    """Fold stored events into their aggregates' facts and change the cubes by the differences, all at once.

    Per aggregate (model, tenant, subject): when it has a fact and every event of the batch is above its version,
    they are folded on top of it in version order (the fact is the fold of every stored event, so this is the fold
    of all of them); otherwise (late, repeated, or no fact yet) it is folded again from everything stored,
    this batch included. The cubes change by the sum over the aggregates of new minus old contributions, rows
    whose sum is zero left out, in one sorted multi-row upsert per cube table."""
    groups: dict[tuple[str, str, str], list[StoredEvent]] = {}
    models: dict[str, ReadModel] = {}
    for model, event in pairs:
        models[model.name] = model
        groups.setdefault((model.name, event.tenant, event.subject), []).append(event)
    if not groups:
        return
    keys = sorted(groups)
    _lock_aggregates(connection, keys)
    f = db.facts
    rows = {(row.model, row.tenant, row.aggregate_id): row for row in connection.execute(
        sa.select(f.c.tenant, f.c.model, f.c.aggregate_id, f.c.version, f.c.state)
        .where(sa.tuple_(f.c.tenant, f.c.model, f.c.aggregate_id).in_([(t, m, a) for m, t, a in keys])))}
    again = [key for key in keys if key not in rows or
             min(event.version for event in groups[key]) <= rows[key].version]
    history = _stored_events_of(connection, [(models[m], t, a) for m, t, a in again]) if again else {}
    written, changes = [], {}
    for key in keys:
        model, row = models[key[0]], rows.get(key)
        old = row.state if row is not None else None
        if key in history or row is None:
            new, version = fold_all(model, history.get(key, []))
        else:
            new, version = old, row.version
            for event in sorted(groups[key], key=lambda e: e.order):
                new, version = model.fold(new, event), max(version, event.version)
        if new is None:
            continue
        written.append((key, version, new))
        changes.setdefault(key[1], []).extend(
            difference(model.contribute(old) if old else [], model.contribute(new)))
    write_facts(connection, written)
    summed = {}
    for tenant, rows_ in changes.items():
        total = difference([], rows_)  # summed over the tenant's aggregates; rows unchanged in sum left out
        summed[tenant] = total + rolled_up(total)
    change_cubes_of(connection, summed)


def _stored_events_of(connection, aggregates: list[tuple[ReadModel, str, str]]) -> dict[tuple, list[StoredEvent]]:
    """The stored events of several aggregates (model, tenant, id) in one statement, each list in fold order."""
    t = db.event_store
    prefixes = sorted({prefix for model, _t, _a in aggregates for prefix in model.prefixes})
    rows = connection.execute(sa.select(t).where(
        sa.tuple_(t.c.tenant, t.c.subject).in_(sorted({(tenant, aggregate) for _m, tenant, aggregate in aggregates})),
        sa.or_(*(t.c.type.startswith(prefix, autoescape=True) for prefix in prefixes)))).all()
    found: dict[tuple, list[StoredEvent]] = {(model.name, tenant, aggregate): []
                                              for model, tenant, aggregate in aggregates}
    by_aggregate: dict[tuple, list[ReadModel]] = {}
    for model, tenant, aggregate in aggregates:
        by_aggregate.setdefault((tenant, aggregate), []).append(model)
    for row in rows:
        event = row_event(row)
        for model in by_aggregate.get((event.tenant, event.subject), ()):
            if model.handles(event.type):
                found[(model.name, event.tenant, event.subject)].append(event)
    return {key: sorted(events, key=lambda event: event.order) for key, events in found.items()}


def write_facts(connection, written: list[tuple[tuple[str, str, str], int, dict]]) -> None:
    """Insert or replace facts ((model, tenant, aggregate id), version, state) in one statement."""
    if not written:
        return
    f = db.facts
    statement = _insert(connection)(f).values([
        {"tenant": tenant, "model": model, "aggregate_id": aggregate_id, "version": version,
         "unit_id": state.get("unit_id"), "period_on": local_date(state.get("period_on")), "state": state}
        for (model, tenant, aggregate_id), version, state in written])
    connection.execute(statement.on_conflict_do_update(
        index_elements=[f.c.tenant, f.c.model, f.c.aggregate_id],
        set_={name: statement.excluded[name] for name in ("version", "unit_id", "period_on", "state")}))


def change_cubes(connection, tenant: str, changes: list[Contribution]) -> None:
    change_cubes_of(connection, {tenant: changes})


def change_cubes_of(connection, changes: dict[str, list[Contribution]]) -> None:
    """Add each tenant's changes to their cube rows (created at zero when missing): one INSERT ... ON CONFLICT DO
    UPDATE per cube table with all its rows. Cube tables before rollups, each set by name, rows by tenant and key:
    concurrent writers lock cube rows in one order."""
    tables: dict[str, list[tuple[str, Contribution]]] = {}
    for tenant in sorted(changes):
        for change in changes[tenant]:
            tables.setdefault(change.cube, []).append((tenant, change))
    insert = _insert(connection)
    for cube in sorted(tables, key=lambda name: (name not in CUBES, name)):
        table = db.CUBE_TABLES[cube]
        dims = [column.name for column in table.primary_key.columns]
        rows = sorted(tables[cube], key=lambda item: (item[0], tuple(str(part) for part in item[1].key)))
        measures = sorted({measure for _tenant, change in rows for measure in change.measures})
        statement = insert(table).values([
            {"tenant": tenant, **dict(zip(dims[1:], change.key)),
             **{measure: change.measures.get(measure, 0) for measure in measures}} for tenant, change in rows])
        statement = statement.on_conflict_do_update(
            index_elements=dims, set_={measure: table.c[measure] + statement.excluded[measure] for measure in measures})
        connection.execute(statement)
