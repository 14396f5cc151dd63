"""process_steps: every step id of every version of a process, one row each, so a step id is looked up by key

Filled from the versions' steps (JSON) already stored; service.validate_step_ids reads it.

Revision ID: 0007
Revises: 0006
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    steps = op.create_table(
        "process_steps",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("step_id", sa.String(length=36), nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["tenant", "process_id"], ["processes.tenant", "processes.id"],
                                name="fk_process_steps_process_same_tenant"),
        sa.PrimaryKeyConstraint("tenant", "step_id", name=op.f("pk_process_steps")),
    )
    op.create_index("ix_process_steps_tenant_process", "process_steps", ["tenant", "process_id"], unique=False)
    versions = sa.table("process_versions", sa.column("tenant"), sa.column("process_id"), sa.column("steps", sa.JSON))
    rows = {}
    for row in op.get_bind().execute(sa.select(versions.c.tenant, versions.c.process_id, versions.c.steps)):
        for step in row.steps or ():
            rows[(row.tenant, step["id"])] = row.process_id
    if rows:
        op.bulk_insert(steps, [{"tenant": tenant, "step_id": step_id, "process_id": process_id}
                               for (tenant, step_id), process_id in sorted(rows.items())])


def downgrade() -> None:
    op.drop_index("ix_process_steps_tenant_process", table_name="process_steps")
    op.drop_table("process_steps")
