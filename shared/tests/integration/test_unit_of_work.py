"""The unit of work on PostgreSQL: queued rows and the outbox go in one statement, or in order."""
import json

import pytest
import sqlalchemy as sa

from ordning_shared.events import DomainEvent
from ordning_shared.idempotency import IdempotencyClaim

pytestmark = pytest.mark.integration
TYPE = "se.ordning.thing.happened.v1"


def statements_during(platform, work) -> list:
    """(SQL, its compiled form) of every statement `work` executes."""
    seen = []

    def record(_conn, _cursor, statement, _parameters, context, _executemany):
        seen.append((statement, context.compiled))

    sa.event.listen(platform.engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        sa.event.remove(platform.engine, "before_cursor_execute", record)
    return seen


def write(platform, events: int, audits: int, claim: bool = True, key: str = "k-1"):
    with platform.uow() as uow:
        for n in range(audits):
            uow.audit(tenant="0180", actor="anna", action=f"a{n}", entity_type="thing", entity_id=f"t{n}",
                      after={"n": n})
        if claim:
            IdempotencyClaim("0180", "anna", key, "f" * 64, "thing").record(uow, "t0")
        for n in range(events):
            uow.add_event(DomainEvent(TYPE, "0180", f"s{n}", {"n": n}))
        uow.commit()


def written(platform):
    tables = platform.tables
    with platform.engine.connect() as connection:
        subjects = [json.loads(body)["subject"] for body in connection.execute(
            sa.select(tables.outbox.c.body).order_by(tables.outbox.c.id)).scalars()]
        actions = list(connection.execute(sa.select(tables.audit_log.c.action).order_by(tables.audit_log.c.id))
                       .scalars())
        keys = connection.execute(sa.select(sa.func.count()).select_from(tables.idempotency_keys)).scalar_one()
    return subjects, actions, keys


def test_commit_writes_a_row_per_table_and_the_outbox_in_one_statement(make_platform):
    platform = make_platform("processes")
    first = statements_during(platform, lambda: write(platform, events=1, audits=1))
    second = statements_during(platform, lambda: write(platform, events=1, audits=1, key="k-2"))
    assert len(first) == len(second) == 1 and first[0][0].startswith("WITH")
    assert first[0][1] is second[0][1]  # compiled once, then taken from SQLAlchemy's cache
    subjects, actions, keys = written(platform)
    assert (subjects, actions, keys) == (["s0", "s0"], ["a0", "a0"], 2)


def test_several_rows_of_a_table_are_written_in_order(make_platform):
    platform = make_platform("processes")
    statements = statements_during(platform, lambda: write(platform, events=4, audits=3))
    assert len(statements) == 3  # the audit rows, the claim, the outbox rows
    subjects, actions, keys = written(platform)
    assert subjects == ["s0", "s1", "s2", "s3"]  # the outbox's ids follow the order the events were recorded in
    assert actions == ["a0", "a1", "a2"] and keys == 1


def test_nothing_queued_is_written_without_commit(make_platform):
    platform = make_platform("processes")
    with platform.uow() as uow:
        uow.audit(tenant="0180", actor="anna", action="create", entity_type="thing", entity_id="t")
        uow.add_event(DomainEvent(TYPE, "0180", "s0"))
    assert written(platform) == ([], [], 0)


def test_a_duplicate_idempotency_key_fails_the_whole_statement(make_platform):
    platform = make_platform("processes")
    write(platform, events=1, audits=1)
    with pytest.raises(sa.exc.IntegrityError) as failure:
        write(platform, events=1, audits=1)
    assert "idempotency_keys" in str(failure.value.orig)
    subjects, actions, keys = written(platform)
    assert (len(subjects), actions, keys) == (1, ["a0"], 1)
