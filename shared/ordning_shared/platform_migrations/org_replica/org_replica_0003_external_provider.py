"""The copy of the organisation tree knows whether a unit is an external provider (utförare i privat regi).

Revision ID: org_replica_0003
Revises: org_replica_0002
Create Date: 2026-11-24
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "org_replica_0003"
down_revision: Union[str, Sequence[str], None] = "org_replica_0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("org_unit_replica") as batch:
        batch.add_column(sa.Column("external_provider", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("org_unit_replica") as batch:
        batch.drop_column("external_provider")
