"""Retention (gallring): the tenants' retention policies and the moment a case was pseudonymised.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op
from ordning_shared.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_policies",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "kind", name=op.f("pk_retention_policies")),
    )
    with op.batch_alter_table("deviations") as batch:  # batch: SQLite cannot alter a table in place
        batch.add_column(sa.Column("pseudonymised_at", UTCDateTime(), nullable=True))
        batch.create_index("ix_deviations_status_closed_at", ["status", "closed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deviations") as batch:
        batch.drop_index("ix_deviations_status_closed_at")
        batch.drop_column("pseudonymised_at")
    op.drop_table("retention_policies")
