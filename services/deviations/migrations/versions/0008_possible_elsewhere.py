"""The flag "kan inträffa på andra enheter": when a case's investigator flagged it (NULL: not flagged).

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op
from ordning_shared.db import UTCDateTime

# Another 0008 (an index) may land beside this one: the merge renumbers one and re-chains it after the other.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deviations") as batch:  # batch: SQLite cannot alter a table in place
        batch.add_column(sa.Column("possible_elsewhere_flagged_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deviations") as batch:
        batch.drop_column("possible_elsewhere_flagged_at")
