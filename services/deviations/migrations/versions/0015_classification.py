"""A case's classification beside its category: händelsetyp (the tenant's list, defaults in code), consequence score
on the tenant's risk-matrix scale (a copy of the risks service's matrices' scales) and place (a list per unit).

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

# Other revisions of issue 14 land beside this one: the merge re-chains it after them.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deviations") as batch:  # batch: SQLite cannot alter a table in place
        batch.add_column(sa.Column("event_type", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("consequence_score", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("consequence_matrix_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("place_id", sa.String(length=36), nullable=True))
    op.create_table(
        "event_types",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "code"),
    )
    op.create_table(
        "places",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant", "unit_id", "name", name="uq_places_tenant_unit_name"),
    )
    op.create_index("ix_places_tenant_unit", "places", ["tenant", "unit_id"])
    op.create_table(
        "risk_matrix_scales",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("consequence_steps", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "version"),
    )


def downgrade() -> None:
    op.drop_table("risk_matrix_scales")
    op.drop_index("ix_places_tenant_unit", table_name="places")
    op.drop_table("places")
    op.drop_table("event_types")
    with op.batch_alter_table("deviations") as batch:
        for column in ("place_id", "consequence_matrix_version", "consequence_score", "event_type"):
            batch.drop_column(column)
