"""The tenant's code lists (code_lists.py): the lists the deviations service had fixed in code become tenant data
with the old lists as defaults; a case's code columns widen to the lists' code length (40).

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

WIDENED = (("complainant_relation", 30), ("complaint_channel", 20), ("answer_channel", 20), ("informing_method", 20),
           ("informing_recipient", 30), ("informing_not_reason", 30), ("reclassified_reason", 30))


def upgrade() -> None:
    op.create_table(
        "code_lists",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("list_name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "list_name"),
    )
    op.create_table(
        "code_list_entries",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("list_name", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_sv", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("needs_note", sa.Boolean(), nullable=False),
        sa.Column("serious", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("tenant", "list_name", "code"),
    )
    with op.batch_alter_table("deviations") as batch:  # batch: SQLite cannot alter a table in place
        for column, length in WIDENED:
            batch.alter_column(column, type_=sa.String(length=40), existing_type=sa.String(length=length),
                               existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("deviations") as batch:
        for column, length in WIDENED:
            batch.alter_column(column, type_=sa.String(length=length), existing_type=sa.String(length=40),
                               existing_nullable=True)
    op.drop_table("code_list_entries")
    op.drop_table("code_lists")
