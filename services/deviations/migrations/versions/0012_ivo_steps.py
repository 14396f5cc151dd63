"""The IVO steps of a lex case: kompletteringar, IVO's decision, the händelseanalys (lex Maria), and an external
provider's own report to IVO with the municipality's follow-up.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

# Other revisions of issue 14 land beside this one: the merge re-chains it.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = (
    ("ivo_supplements", sa.JSON()),
    ("ivo_decision_on", sa.Date()),
    ("ivo_decision_outcome", sa.String(length=40)),
    ("ivo_decision_reference", sa.String(length=100)),
    ("event_analysis", sa.JSON()),
    ("provider_ivo_reported_on", sa.Date()),
    ("provider_ivo_reference", sa.String(length=100)),
    ("provider_followup_on", sa.Date()),
    ("provider_followup_by", sa.String(length=200)),
    ("provider_followup_assessment", sa.Text()),
    ("provider_followup_outcome", sa.String(length=40)),
)


def upgrade() -> None:
    with op.batch_alter_table("deviations") as batch:  # batch: SQLite cannot alter a table in place
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deviations") as batch:
        for name, _type in reversed(COLUMNS):
            batch.drop_column(name)
