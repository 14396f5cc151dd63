"""The unit of work on SQLite: queued rows are written at commit, in the order they were queued."""
import sqlalchemy as sa

from ordning_shared.db import write_rows
from ordning_shared.events import DomainEvent


def test_queued_rows_are_written_at_commit_in_order(platform, things_table):
    tables = platform.tables
    with platform.uow() as uow:
        uow.insert_on_commit(things_table, {"id": "a", "tenant": "0180", "name": "x"})
        uow.audit(tenant="0180", actor="anna", action="first", entity_type="thing", entity_id="a")
        uow.add_event(DomainEvent("se.ordning.thing.happened.v1", "0180", "a"))
        uow.audit(tenant="0180", actor="anna", action="second", entity_type="thing", entity_id="a",
                  before={"name": "x"}, after={"name": "y"})
        # queued, not yet written, even as seen from inside the transaction
        assert uow.execute(sa.select(sa.func.count()).select_from(tables.audit_log)).scalar_one() == 0
        uow.commit()
    with platform.engine.connect() as connection:
        audit = connection.execute(sa.select(tables.audit_log).order_by(tables.audit_log.c.id)).all()
        # "thing" declares no field safe: the names of what changed, no values
        assert [(row.action, row.changed_fields, row.changed_values) for row in audit] == [
            ("first", None, None), ("second", ["name"], None)]
        assert connection.execute(sa.select(things_table.c.name)).scalar_one() == "x"
        assert connection.execute(sa.select(sa.func.count()).select_from(tables.outbox)).scalar_one() == 1


def test_rows_of_one_table_with_other_columns_keep_their_order(platform, things_table):
    with platform.engine.begin() as connection:
        write_rows(connection, [(things_table, {"id": "1", "tenant": "0180", "name": "a"}),
                                (things_table, {"id": "2", "name": "b", "tenant": "0180"}),
                                (things_table, {"id": "3", "tenant": "0180", "name": "c"})])
        assert connection.execute(sa.select(things_table.c.name).order_by(sa.text("rowid"))).scalars().all() == [
            "a", "b", "c"]
