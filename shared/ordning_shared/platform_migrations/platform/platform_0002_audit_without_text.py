"""The audit trail keeps which fields changed, not their text; reads of protected cases go to a read log.

audit_log loses `before` and `after` (snapshots holding descriptions, investigations and reporters) for
`changed_fields` (names) and `changed_values` (values of the fields a service declares safe). Rows written
before keep the names of the fields that differed; rows that recorded a read move to the new read_log.

Revision ID: platform_0002
Revises: platform_0001
Create Date: 2026-11-23
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "platform_0002"
down_revision: Union[str, Sequence[str], None] = "platform_0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

AUDIT_TRIGGERS = ("audit_log_no_update_delete", "audit_log_no_truncate")

# The read log is evidence as much as the audit trail: the database refuses to change or remove it.
READ_LOG_APPEND_ONLY = """
CREATE FUNCTION read_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'read_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER read_log_no_update_delete BEFORE UPDATE OR DELETE ON read_log
    FOR EACH ROW EXECUTE FUNCTION read_log_append_only();
CREATE TRIGGER read_log_no_truncate BEFORE TRUNCATE ON read_log
    FOR EACH STATEMENT EXECUTE FUNCTION read_log_append_only();
"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _audit_triggers(enable: bool) -> None:
    # Only this migration, run as the tables' owner, rewrites audit rows; the triggers hold again after it.
    if _postgresql():
        for trigger in AUDIT_TRIGGERS:
            op.execute(f"ALTER TABLE audit_log {'ENABLE' if enable else 'DISABLE'} TRIGGER {trigger}")


def upgrade() -> None:
    read_log = op.create_table(
        "read_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("entity_type", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_read_log")),
    )
    op.create_index("ix_read_log_entity", "read_log", ["tenant", "entity_type", "entity_id"], unique=False)
    op.create_index("ix_read_log_actor", "read_log", ["tenant", "actor"], unique=False)
    op.create_index("ix_read_log_at", "read_log", ["tenant", "at"], unique=False)

    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("changed_fields", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("changed_values", sa.JSON(), nullable=True))

    bind = op.get_bind()
    # Typed where it matters: SQLite hands back a timestamp as text unless told it is one.
    audit = sa.table("audit_log", sa.column("id"), sa.column("tenant"), sa.column("at", sa.DateTime(timezone=True)),
                     sa.column("actor"), sa.column("action"), sa.column("entity_type"), sa.column("entity_id"),
                     sa.column("before", sa.JSON()), sa.column("after", sa.JSON()),
                     sa.column("changed_fields", sa.JSON()))
    rows = bind.execute(sa.select(audit)).all()
    if rows:
        _audit_triggers(enable=False)
        for row in rows:
            if row.action == "read":
                how = "list" if (row.after or {}).get("via") == "list" else "read"
                bind.execute(read_log.insert().values(tenant=row.tenant, at=row.at, actor=row.actor,
                                                      entity_type=row.entity_type, entity_id=row.entity_id, how=how))
                bind.execute(audit.delete().where(audit.c.id == row.id))
                continue
            before, after = row.before or {}, row.after or {}
            names = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
            bind.execute(audit.update().where(audit.c.id == row.id).values(changed_fields=names or None))
        _audit_triggers(enable=True)

    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("before")
        batch.drop_column("after")
    if _postgresql():
        op.execute(READ_LOG_APPEND_ONLY)


def downgrade() -> None:
    # The text the audit trail no longer holds does not come back; the columns do, empty.
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("before", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("after", sa.JSON(), nullable=True))
        batch.drop_column("changed_values")
        batch.drop_column("changed_fields")
    if _postgresql():
        op.execute("DROP TRIGGER IF EXISTS read_log_no_truncate ON read_log")
        op.execute("DROP TRIGGER IF EXISTS read_log_no_update_delete ON read_log")
        op.execute("DROP FUNCTION IF EXISTS read_log_append_only()")
    op.drop_index("ix_read_log_at", table_name="read_log")
    op.drop_index("ix_read_log_actor", table_name="read_log")
    op.drop_index("ix_read_log_entity", table_name="read_log")
    op.drop_table("read_log")
