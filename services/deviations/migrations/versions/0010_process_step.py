"""A case may name the process step (aktivitet) it concerns: an id of the processes service's process map.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

# Two other revisions (0008, 0009) land beside this one elsewhere: the merge re-chains it after them.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deviations") as batch:  # batch: SQLite cannot alter a table in place
        batch.add_column(sa.Column("process_step_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deviations") as batch:
        batch.drop_column("process_step_id")
