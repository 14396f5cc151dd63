"""A case may be rejected (avvisat) with a reason; reference numbers count per tenant and year.

The global sequence of 0002 let one tenant read another's volume from its own receipt numbers; the
per-(tenant, year) counters of case_counters take over on PostgreSQL too, each continuing above the
highest number its tenant already holds that year, so no existing reference is handed out again.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

REJECTION_COLUMNS = {
    "rejected_at": sa.DateTime(timezone=True),
    "rejected_reason": sa.String(length=20),
    "rejected_duplicate_of": sa.String(length=20),
    "rejected_note": sa.Text(),
}

COUNTERS_FROM_REFERENCES = """
INSERT INTO case_counters (tenant, year, value)
SELECT tenant, CAST(split_part(reference, '-', 1) AS integer), MAX(CAST(split_part(reference, '-', 2) AS integer))
FROM deviations GROUP BY 1, 2
ON CONFLICT (tenant, year) DO UPDATE SET value = GREATEST(case_counters.value, EXCLUDED.value)
"""


def upgrade() -> None:
    for name, type_ in REJECTION_COLUMNS.items():
        op.add_column("deviations", sa.Column(name, type_, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(COUNTERS_FROM_REFERENCES)
        op.execute("DROP SEQUENCE IF EXISTS deviation_reference_seq")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE IF NOT EXISTS deviation_reference_seq")
        op.execute("SELECT setval('deviation_reference_seq', GREATEST(1, (SELECT COALESCE(MAX(value), 0) + 1 "
                   "FROM case_counters)), false)")
    with op.batch_alter_table("deviations") as batch:
        for name in reversed(list(REJECTION_COLUMNS)):
            batch.drop_column(name)
