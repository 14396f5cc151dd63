"""Lists an API user expects: the reporter's display name, and on PostgreSQL the cases' text for full-text search.

`reporter_name` holds the name claim of the reporter's token at report time (personal data, emptied by
gallring with the reporter). On PostgreSQL `search_vector` is a generated tsvector of the free text a reader
of a case reads, with the Swedish configuration, and a GIN index; SQLite searches with LIKE instead.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The columns of db.SEARCHED_TEXT as of this revision (a later change of the list is a migration of its own).
SEARCHED_TEXT = ("description", "immediate_action", "investigation_what_happened", "investigation_why",
                 "investigation_what_must_change", "rejected_note")


def upgrade() -> None:
    with op.batch_alter_table("deviations") as batch:  # batch: SQLite cannot alter a table in place
        batch.add_column(sa.Column("reporter_name", sa.String(length=200), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        text = " || ' ' || ".join(f"coalesce({name}, '')" for name in SEARCHED_TEXT)
        op.execute(f"ALTER TABLE deviations ADD COLUMN search_vector tsvector "
                   f"GENERATED ALWAYS AS (to_tsvector('swedish'::regconfig, {text})) STORED")
        op.execute("CREATE INDEX ix_deviations_search_vector ON deviations USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_deviations_search_vector")
        op.execute("ALTER TABLE deviations DROP COLUMN search_vector")
    with op.batch_alter_table("deviations") as batch:
        batch.drop_column("reporter_name")
