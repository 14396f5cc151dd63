"""The copy of who holds which role where, kept from se.ordning.role.* events.

Revision ID: role_replica_0001
Revises:
Create Date: 2026-11-24
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "role_replica_0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ("role_replica",)
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "role_holder_replica",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("assignment_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=True),
        sa.Column("process_id", sa.String(length=36), nullable=True),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "assignment_id", name=op.f("pk_role_holder_replica")),
    )
    op.create_index("ix_role_holder_replica_unit", "role_holder_replica", ["tenant", "unit_id", "role"], unique=False)
    op.create_index("ix_role_holder_replica_process", "role_holder_replica", ["tenant", "process_id", "role"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_role_holder_replica_process", table_name="role_holder_replica")
    op.drop_index("ix_role_holder_replica_unit", table_name="role_holder_replica")
    op.drop_table("role_holder_replica")
