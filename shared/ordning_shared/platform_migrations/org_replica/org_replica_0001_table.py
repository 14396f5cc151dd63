"""The copy of the organisation tree, kept from se.ordning.org_unit.* events.

Revision ID: org_replica_0001
Revises:
Create Date: 2026-11-23
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "org_replica_0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ("org_replica",)
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "org_unit_replica",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_unit_replica")),
    )
    op.create_index(op.f("ix_org_unit_replica_parent_id"), "org_unit_replica", ["parent_id"], unique=False)
    op.create_index(op.f("ix_org_unit_replica_tenant"), "org_unit_replica", ["tenant"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_org_unit_replica_tenant"), table_name="org_unit_replica")
    op.drop_index(op.f("ix_org_unit_replica_parent_id"), table_name="org_unit_replica")
    op.drop_table("org_unit_replica")
