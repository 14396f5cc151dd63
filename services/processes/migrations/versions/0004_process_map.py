"""process map: processes (per förvaltning or unit, with their delprocesser) and their versions

Revision ID: 0004
Revises: 0003
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "processes",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("template_code", sa.String(length=60), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('huvudprocess', 'ledningsprocess', 'stodprocess')", name=op.f("ck_processes_kind")),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name=op.f("ck_processes_not_own_parent")),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_processes_revision_positive")),
        sa.ForeignKeyConstraint(["tenant", "unit_id"], ["org_units.tenant", "org_units.id"],
                                name="fk_processes_unit_same_tenant"),
        sa.ForeignKeyConstraint(["tenant", "parent_id"], ["processes.tenant", "processes.id"],
                                name="fk_processes_parent_same_tenant"),
        sa.PrimaryKeyConstraint("tenant", "id", name=op.f("pk_processes")),
    )
    op.create_index("ix_processes_tenant_unit", "processes", ["tenant", "unit_id"], unique=False)
    op.create_index("ix_processes_tenant_parent", "processes", ["tenant", "parent_id"], unique=False)
    op.create_table(
        "process_versions",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("process_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("owner_role", sa.String(length=40), nullable=False),
        sa.Column("owner_user_id", sa.String(length=200), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("established_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("established_by", sa.String(length=200), nullable=True),
        sa.Column("established_on", sa.Date(), nullable=True),
        sa.Column("decision_reference", sa.String(length=200), nullable=True),
        sa.CheckConstraint("status IN ('draft', 'established', 'superseded')", name=op.f("ck_process_versions_status")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_process_versions_number_positive")),
        sa.ForeignKeyConstraint(["tenant", "process_id"], ["processes.tenant", "processes.id"],
                                name="fk_process_versions_process_same_tenant"),
        sa.PrimaryKeyConstraint("tenant", "process_id", "number", name=op.f("pk_process_versions")),
    )
    op.create_index("uq_process_versions_one_draft", "process_versions", ["tenant", "process_id"], unique=True,
                    postgresql_where=sa.text("status = 'draft'"), sqlite_where=sa.text("status = 'draft'"))
    op.create_index("uq_process_versions_one_established", "process_versions", ["tenant", "process_id"],
                    unique=True, postgresql_where=sa.text("status = 'established'"),
                    sqlite_where=sa.text("status = 'established'"))


def downgrade() -> None:
    op.drop_index("uq_process_versions_one_established", table_name="process_versions")
    op.drop_index("uq_process_versions_one_draft", table_name="process_versions")
    op.drop_table("process_versions")
    op.drop_index("ix_processes_tenant_parent", table_name="processes")
    op.drop_index("ix_processes_tenant_unit", table_name="processes")
    op.drop_table("processes")
