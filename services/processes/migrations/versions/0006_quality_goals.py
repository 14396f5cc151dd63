"""quality goals: goals per unit and period, their indicators and measurements

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

VALUE = sa.Numeric(14, 4)


def upgrade() -> None:
    op.create_table(
        "quality_goals",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_quality_goals_period_order")),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_quality_goals_revision_positive")),
        sa.ForeignKeyConstraint(["tenant", "unit_id"], ["org_units.tenant", "org_units.id"],
                                name="fk_quality_goals_unit_same_tenant"),
        sa.PrimaryKeyConstraint("tenant", "id", name=op.f("pk_quality_goals")),
    )
    op.create_index("ix_quality_goals_tenant_unit", "quality_goals", ["tenant", "unit_id"], unique=False)
    op.create_table(
        "goal_indicators",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("goal_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit_of_measure", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=20), nullable=False),
        sa.Column("target", VALUE, nullable=False),
        sa.Column("target_max", VALUE, nullable=True),
        sa.Column("threshold", VALUE, nullable=True),
        sa.Column("source", sa.String(length=40), nullable=True),
        sa.Column("frequency", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("direction IN ('higher_is_better', 'lower_is_better', 'target_range')",
                           name=op.f("ck_goal_indicators_direction")),
        sa.CheckConstraint("frequency IN ('monthly', 'quarterly', 'yearly')", name=op.f("ck_goal_indicators_frequency")),
        sa.CheckConstraint("unit_of_measure IN ('percent', 'count', 'days', 'hours', 'kronor', 'score', 'ratio')",
                           name=op.f("ck_goal_indicators_unit_of_measure")),
        sa.ForeignKeyConstraint(["tenant", "goal_id"], ["quality_goals.tenant", "quality_goals.id"],
                                name="fk_goal_indicators_goal_same_tenant"),
        sa.PrimaryKeyConstraint("tenant", "id", name=op.f("pk_goal_indicators")),
    )
    op.create_index("ix_goal_indicators_tenant_goal", "goal_indicators", ["tenant", "goal_id"], unique=False)
    op.create_table(
        "goal_measurements",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("indicator_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("value", VALUE, nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["tenant", "indicator_id"], ["goal_indicators.tenant", "goal_indicators.id"],
                                name="fk_goal_measurements_indicator_same_tenant"),
        sa.PrimaryKeyConstraint("tenant", "id", name=op.f("pk_goal_measurements")),
        sa.UniqueConstraint("tenant", "indicator_id", "period", name="uq_goal_measurements_indicator_period"),
    )


def downgrade() -> None:
    op.drop_table("goal_measurements")
    op.drop_index("ix_goal_indicators_tenant_goal", table_name="goal_indicators")
    op.drop_table("goal_indicators")
    op.drop_index("ix_quality_goals_tenant_unit", table_name="quality_goals")
    op.drop_table("quality_goals")
