"""Roles and duties: who holds which role where (role_assignments), each role's duties per PDCA phase (role_duties).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Spelled out here, not imported: a migration keeps the values it was written with.
ROLES = ("namnd", "forvaltningschef", "verksamhetschef", "enhetschef", "mas", "mar", "kvalitetsutvecklare",
         "processagare", "processledare", "styrgrupp", "processutvecklingsgrupp", "processgrupp", "resursagare")
PHASES = ("planera", "genomfora", "folja_upp", "forbattra")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "role_assignments",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=True),
        sa.Column("process_id", sa.String(length=36), nullable=True),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sa.String(length=200), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(_in("role", ROLES), name=op.f("ck_role_assignments_role")),
        sa.CheckConstraint("(unit_id IS NULL) <> (process_id IS NULL)", name=op.f("ck_role_assignments_unit_or_process")),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_role_assignments_period")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_role_assignments_version_positive")),
        sa.ForeignKeyConstraint(["tenant", "unit_id"], ["org_units.tenant", "org_units.id"],
                                name="fk_role_assignments_unit_same_tenant"),
        sa.PrimaryKeyConstraint("tenant", "id", name=op.f("pk_role_assignments")),
    )
    op.create_index("ix_role_assignments_tenant_unit", "role_assignments", ["tenant", "unit_id"], unique=False)
    op.create_index("ix_role_assignments_tenant_process", "role_assignments", ["tenant", "process_id"], unique=False)
    op.create_index("ix_role_assignments_tenant_user", "role_assignments", ["tenant", "user_id"], unique=False)
    op.create_table(
        "role_duties",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("duties", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(_in("role", ROLES + ("medarbetare",)), name=op.f("ck_role_duties_role")),
        sa.CheckConstraint(_in("phase", PHASES), name=op.f("ck_role_duties_phase")),
        sa.CheckConstraint("version >= 2", name=op.f("ck_role_duties_version_after_seed")),
        sa.PrimaryKeyConstraint("tenant", "role", "phase", name=op.f("pk_role_duties")),
    )


def downgrade() -> None:
    op.drop_table("role_duties")
    op.drop_index("ix_role_assignments_tenant_user", table_name="role_assignments")
    op.drop_index("ix_role_assignments_tenant_process", table_name="role_assignments")
    op.drop_index("ix_role_assignments_tenant_unit", table_name="role_assignments")
    op.drop_table("role_assignments")
