"""Indexes for Inkorgen: cases by status and due date, and the overdue ones among those not yet ended.

With 10,000 cases in a tenant every list of Inkorgen read the tenant's every case (a sequential scan) to
count and sort (issue 9, bench/web_pages.py). New cases are listed by receipt due and open ones by
investigation due: (tenant, status, due) gives them in order, and replaces (tenant, status), its prefix.
Overdue is a deadline passed on a case not yet ended: a partial index per deadline over the unended cases,
which PostgreSQL combines (BitmapOr), and which stays small as closed cases pile up.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# domain.END_STATUSES as of this revision; db.overdue_clause's `status NOT IN` must read the same.
UNENDED = "status NOT IN ('closed', 'rejected')"
DEADLINES = ("receipt_due", "investigation_due", "ivo_due")


def upgrade() -> None:
    op.create_index("ix_deviations_tenant_status_receipt_due", "deviations", ["tenant", "status", "receipt_due"])
    op.create_index("ix_deviations_tenant_status_investigation_due", "deviations",
                    ["tenant", "status", "investigation_due"])
    op.drop_index("ix_deviations_tenant_status", table_name="deviations")
    for due in DEADLINES:
        op.create_index(f"ix_deviations_unended_{due}", "deviations", ["tenant", due],
                        postgresql_where=sa.text(UNENDED), sqlite_where=sa.text(UNENDED))


def downgrade() -> None:
    for due in DEADLINES:
        op.drop_index(f"ix_deviations_unended_{due}", table_name="deviations")
    op.create_index("ix_deviations_tenant_status", "deviations", ["tenant", "status"])
    op.drop_index("ix_deviations_tenant_status_investigation_due", table_name="deviations")
    op.drop_index("ix_deviations_tenant_status_receipt_due", table_name="deviations")
