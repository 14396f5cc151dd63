"""Issue 14, items 6 and 7: a klagomål's complainant (codes here, contact details in their own table), its answer
and the answer's deadline (per tenant), the feedback sentence for a staff reporter, the tenant's case settings
(the answer promised on a citizen's receipt, reporters' names hidden from all but the handlers).

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op
from ordning_shared.db import UTCDateTime

# Other revisions of issue 14 land beside this one: the merge re-chains it after them.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_CASE_COLUMNS = (
    ("complainant_relation", sa.String(length=30)),
    ("complaint_channel", sa.String(length=20)),
    ("answer_due", sa.Date()),
    ("answered_on", sa.Date()),
    ("answer_channel", sa.String(length=20)),
    ("answered_by", sa.String(length=200)),
    ("reporter_feedback", sa.Text()),
    ("reporter_feedback_at", UTCDateTime()),
    ("answer_promised_by", sa.Date()),
)


def upgrade() -> None:
    with op.batch_alter_table("deviations") as batch:  # batch: SQLite cannot alter a table in place
        for name, type_ in _CASE_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("deadline_policies") as batch:
        batch.add_column(sa.Column("answer_days", sa.Integer(), nullable=True))
    op.create_table(
        "complainant_contacts",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("deviation_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["deviation_id"], ["deviations.id"]),
        sa.PrimaryKeyConstraint("tenant", "deviation_id"),
    )
    op.create_table(
        "case_settings",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("answer_promised", sa.Boolean(), nullable=False),
        sa.Column("answer_promise_days", sa.Integer(), nullable=True),
        sa.Column("hide_reporter_names", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant"),
    )


def downgrade() -> None:
    op.drop_table("case_settings")
    op.drop_table("complainant_contacts")
    with op.batch_alter_table("deadline_policies") as batch:
        batch.drop_column("answer_days")
    with op.batch_alter_table("deviations") as batch:
        for name, _type in reversed(_CASE_COLUMNS):
            batch.drop_column(name)
