"""The daily work (issue 14, item 8): a case's assigned investigator (utredare), the unit the event involved besides
the case's own, and the master of a case ended as its duplicate.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

# Other revisions of issue 14 land beside this one elsewhere: the merge re-chains it after them.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deviations") as batch:  # batch: SQLite cannot alter a table in place
        batch.add_column(sa.Column("investigator_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("involved_unit_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("duplicate_of_id", sa.String(length=36), nullable=True))
    op.create_index("ix_deviations_tenant_investigator", "deviations", ["tenant", "investigator_id"])
    op.create_index("ix_deviations_tenant_involved_unit", "deviations", ["tenant", "involved_unit_id"])
    op.create_index("ix_deviations_tenant_duplicate_of", "deviations", ["tenant", "duplicate_of_id"])


def downgrade() -> None:
    op.drop_index("ix_deviations_tenant_duplicate_of", table_name="deviations")
    op.drop_index("ix_deviations_tenant_involved_unit", table_name="deviations")
    op.drop_index("ix_deviations_tenant_investigator", table_name="deviations")
    with op.batch_alter_table("deviations") as batch:
        batch.drop_column("duplicate_of_id")
        batch.drop_column("involved_unit_id")
        batch.drop_column("investigator_id")
