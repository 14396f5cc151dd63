"""A unit may be an external provider (utförare i privat regi), which reports its lex cases to IVO itself.

Revision ID: 0008
Revises: 0007
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: Union[str, None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_CHANGES = "change IN ('created', 'renamed', 'moved', 'closed')"
NEW_CHANGES = "change IN ('created', 'renamed', 'moved', 'closed', 'external_provider')"


def upgrade() -> None:
    with op.batch_alter_table("org_units") as batch:
        batch.add_column(sa.Column("external_provider", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("org_unit_history") as batch:
        batch.drop_constraint(op.f("ck_org_unit_history_change"), type_="check")
        batch.create_check_constraint(op.f("ck_org_unit_history_change"), NEW_CHANGES)


def downgrade() -> None:
    op.execute("DELETE FROM org_unit_history WHERE change = 'external_provider'")
    with op.batch_alter_table("org_unit_history") as batch:
        batch.drop_constraint(op.f("ck_org_unit_history_change"), type_="check")
        batch.create_check_constraint(op.f("ck_org_unit_history_change"), OLD_CHANGES)
    with op.batch_alter_table("org_units") as batch:
        batch.drop_column("external_provider")
