"""The process-map copy on SQLite: built from se.ordning.process.* events, converging under redelivery and out of
order, scoped by tenant. (tests/test_process_step_link.py and the risks tests feed it the processes service's
real events over PostgreSQL.)"""
from datetime import date

import pytest
import sqlalchemy as sa

from ordning_shared.consumer import handle_event
from ordning_shared.db import PlatformTables, new_metadata, write_if_newer
from ordning_shared.events import UntrustedEvent
from ordning_shared.platform import Platform
from ordning_shared.processmap import established_process, process_handlers, step_process_ids, unknown_step_ids
from ordning_shared.testing import process_event_body

A, B = "0138", "1407"
P, SUB = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
UNIT = "33333333-3333-4333-8333-333333333333"
S1, S2, S3 = ("a1a1a1a1-0000-4000-8000-00000000000" + n for n in "123")


def process_event(version, step_ids, *, process_id=P, tenant=A, parent_id=None, established_on="2026-03-01"):
    return process_event_body(tenant, process_id, UNIT, step_ids, version=version, parent_id=parent_id,
                              established_on=established_on)


@pytest.fixture
def platform(settings):
    tables = PlatformTables(new_metadata(), process_replica=True)
    platform = Platform(settings, tables)
    platform.create_all()
    yield platform
    platform.dispose()


def apply(platform, body):
    return handle_event(platform, process_handlers(), body)


def known(platform, tenant, *step_ids):
    with platform.engine.connect() as connection:
        return step_process_ids(connection, platform.tables, tenant, step_ids)


def process(platform, tenant, process_id=P):
    with platform.engine.connect() as connection:
        return established_process(connection, platform.tables, tenant, process_id)


def test_an_established_process_and_its_steps_are_known_to_its_tenant_only(platform):
    assert apply(platform, process_event(1, [S1, S2])) == "processed"
    row = process(platform, A)
    assert (row.unit_id, row.parent_id, row.kind, row.version, row.established_on.isoformat()) == (
        UNIT, None, "huvudprocess", 1, "2026-03-01")
    assert known(platform, A, S1, S2, S3) == {S1: P, S2: P}
    assert process(platform, B) is None and known(platform, B, S1) == {}
    with platform.engine.connect() as connection:
        assert unknown_step_ids(connection, platform.tables, A, [S1, S3]) == {S3}
        assert unknown_step_ids(connection, platform.tables, B, [S1]) == {S1}
        assert unknown_step_ids(connection, platform.tables, A, []) == set()
    assert known(platform, A, S1.upper()) == {S1: P}  # an id is an id in any case


def test_a_new_version_keeps_the_steps_and_a_removed_step_stays_known(platform):
    apply(platform, process_event(1, [S1, S2]))
    apply(platform, process_event(2, [S2, S3], established_on="2026-06-01"))
    assert process(platform, A).version == 2 and process(platform, A).established_on.isoformat() == "2026-06-01"
    assert known(platform, A, S1, S2, S3) == {S1: P, S2: P, S3: P}
    with platform.engine.connect() as connection:
        versions = dict(connection.execute(sa.select(platform.tables.process_steps.c.step_id,
                                                     platform.tables.process_steps.c.version)).all())
    assert versions == {S1: 1, S2: 2, S3: 2}


def test_out_of_order_and_redelivered_events_converge(platform):
    newer, older = process_event(2, [S2, S3], established_on="2026-06-01"), process_event(1, [S1, S2])
    assert apply(platform, newer) == "processed"
    assert apply(platform, older) == "processed"  # late: the older version changes nothing it knows newer
    assert apply(platform, newer) == "duplicate"
    row = process(platform, A)
    assert (row.version, row.established_on.isoformat()) == (2, "2026-06-01")
    with platform.engine.connect() as connection:
        versions = dict(connection.execute(sa.select(platform.tables.process_steps.c.step_id,
                                                     platform.tables.process_steps.c.version)).all())
    assert versions == {S1: 1, S2: 2, S3: 2}


def test_a_delprocess_names_its_parent(platform):
    apply(platform, process_event(1, [S1], process_id=SUB, parent_id=P))
    assert process(platform, A, SUB).parent_id == P and process(platform, A, P) is None


def test_an_event_from_another_service_is_refused(platform):
    with pytest.raises(UntrustedEvent):
        apply(platform, process_event(1, [S1]).replace(b"/processes", b"/deviations"))
    assert process(platform, A) is None and known(platform, A, S1) == {}


def test_write_if_newer_inserts_then_writes_only_a_higher_version(platform):
    table = platform.tables.processes
    key = {"tenant": A, "process_id": P}

    def write(version, kind):
        with platform.engine.begin() as connection:
            return write_if_newer(connection, table, key, {"unit_id": UNIT, "kind": kind, "version": version,
                                                          "established_on": date(2026, 3, 1)})

    assert write(2, "huvudprocess") is True
    assert write(2, "stodprocess") is False and write(1, "stodprocess") is False
    assert process(platform, A).kind == "huvudprocess"
    assert write(3, "stodprocess") is True and process(platform, A).kind == "stodprocess"
