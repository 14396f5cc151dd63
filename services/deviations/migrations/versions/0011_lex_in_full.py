"""Lex Sarah and lex Maria in full (issue 14): the decision's outcome, motivering and delegation reference; the
informing of the person concerned; the last reclassification; the tenant's lex policies (delegation, informing
required); the staff named as involved in a case.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op
from ordning_shared.db import UTCDateTime

# Other revisions of issue 14 land beside this one: the merge re-chains it after them.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = [
    ("seriousness_outcome", sa.String(length=40)),
    ("seriousness_motivering", sa.Text()),
    ("seriousness_delegation_reference", sa.String(length=200)),
    ("informing_recorded_by", sa.String(length=200)),
    ("informing_recorded_at", UTCDateTime()),
    ("informing_informed_on", sa.Date()),
    ("informing_method", sa.String(length=20)),
    ("informing_recipient", sa.String(length=30)),
    ("informing_informed_by", sa.String(length=200)),
    ("informing_view", sa.Text()),
    ("informing_not_reason", sa.String(length=30)),
    ("informing_note", sa.Text()),
    ("reclassified_from", sa.String(length=20)),
    ("reclassified_reason", sa.String(length=30)),
    ("reclassified_at", UTCDateTime()),
    ("reclassified_by", sa.String(length=200)),
    ("reclassified_note", sa.Text()),
]


def upgrade() -> None:
    with op.batch_alter_table("deviations") as batch:  # batch: SQLite cannot alter a table in place
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.create_table(
        "lex_policies",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("decider_roles", sa.JSON(), nullable=False),
        sa.Column("decider_level", sa.String(length=30), nullable=True),
        sa.Column("delegation_reference", sa.String(length=200), nullable=False),
        sa.Column("informing_required", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "kind"),
    )
    op.create_table(
        "involved_staff",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("deviation_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["deviation_id"], ["deviations.id"]),
        sa.PrimaryKeyConstraint("tenant", "deviation_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("involved_staff")
    op.drop_table("lex_policies")
    with op.batch_alter_table("deviations") as batch:
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
