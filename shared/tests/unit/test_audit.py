"""The audit record keeps which fields changed and the values of the safe ones only; reads go to the read log."""
import sqlalchemy as sa

from ordning_shared.db import PlatformTables, changes, new_metadata
from ordning_shared.platform import Platform


def test_changes_name_every_changed_field_and_give_values_of_the_safe_ones():
    before = {"status": "open", "description": "Tolvan 19121212-1212", "version": 1, "unit_id": "u"}
    after = {"status": "closed", "description": "tolvan@example.org", "version": 2, "unit_id": "u"}
    assert changes(before, after, {"status", "version", "unit_id"}) == (
        ["description", "status", "version"], {"status": ["open", "closed"], "version": [1, 2]})
    # created: every field that has a value; nothing declared safe: names only
    assert changes(None, {"a": 1, "b": None}, set()) == (["a"], {})


def test_an_audit_record_holds_no_text_of_an_undeclared_field(settings):
    tables = PlatformTables(new_metadata(), org_replica=False, audit_value_fields={"thing": frozenset({"status"})})
    platform = Platform(settings, tables)
    platform.create_all()
    try:
        with platform.uow() as uow:
            uow.audit(tenant="0180", actor="anna", action="rename", entity_type="thing", entity_id="t",
                      before={"status": "a", "name": "Tolvan 19121212-1212"},
                      after={"status": "b", "name": "tolvan@example.org"})
            uow.log_reads(tenant="0180", actor="anna", entity_type="thing", entity_ids=["t", "u"], how="list")
            uow.commit()
        with platform.engine.connect() as connection:
            audit = connection.execute(sa.select(tables.audit_log)).one()
            reads = connection.execute(sa.select(tables.read_log.c.entity_id, tables.read_log.c.how)).all()
            raw = str(connection.execute(sa.text("SELECT * FROM audit_log")).all())
    finally:
        platform.dispose()
    assert (audit.changed_fields, audit.changed_values) == (["name", "status"], {"status": ["a", "b"]})
    assert "19121212" not in raw and "tolvan" not in raw.lower()
    assert sorted(tuple(r) for r in reads) == [("t", "list"), ("u", "list")]
