"""The copy of the organisation tree is keyed by (tenant, id), as the processes service's tree is.

Revision ID: org_replica_0002
Revises: org_replica_0001
Create Date: 2026-11-23
"""
from typing import Sequence, Union

from alembic import op

revision: str = "org_replica_0002"
down_revision: Union[str, Sequence[str], None] = "org_replica_0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _key(columns: list[str]) -> None:
    with op.batch_alter_table("org_unit_replica") as batch:
        batch.drop_constraint("pk_org_unit_replica", type_="primary")
        batch.create_primary_key("pk_org_unit_replica", columns)


def upgrade() -> None:
    _key(["tenant", "id"])
    op.drop_index("ix_org_unit_replica_tenant", table_name="org_unit_replica")  # the key leads with tenant


def downgrade() -> None:
    op.create_index("ix_org_unit_replica_tenant", "org_unit_replica", ["tenant"], unique=False)
    _key(["id"])
