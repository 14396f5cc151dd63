"""Receipt numbers from a sequence on PostgreSQL.

A per-tenant counter row serialises every concurrent report of a tenant until it commits;
a sequence hands out numbers without a lock. Numbers stay unique and increasing, not gapless.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE IF NOT EXISTS deviation_reference_seq")
        # Continue above every number handed out by the counters so far.
        op.execute("SELECT setval('deviation_reference_seq', GREATEST(1, (SELECT COALESCE(MAX(value), 0) + 1 "
                   "FROM case_counters)), false)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS deviation_reference_seq")
