"""The tenants' working calendars: their non-working eves and extra days off (deadlines in working days).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "working_calendars",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("non_working_eves", sa.JSON(), nullable=False),
        sa.Column("extra_days_off", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", name=op.f("pk_working_calendars")),
    )


def downgrade() -> None:
    op.drop_table("working_calendars")
