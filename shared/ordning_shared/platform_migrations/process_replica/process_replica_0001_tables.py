"""The copy of the tenants' established processes and their step ids, kept from se.ordning.process.* events.

Revision ID: process_replica_0001
Revises:
Create Date: 2026-11-26
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "process_replica_0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ("process_replica",)
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "process_replica",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "process_id", name=op.f("pk_process_replica")),
    )
    op.create_table(
        "process_step_replica",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("step_id", sa.String(length=36), nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "step_id", name=op.f("pk_process_step_replica")),
    )
    op.create_index("ix_process_step_replica_process", "process_step_replica", ["tenant", "process_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_process_step_replica_process", table_name="process_step_replica")
    op.drop_table("process_step_replica")
    op.drop_table("process_replica")
