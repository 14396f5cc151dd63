"""initial: the organisation tree

The platform tables (outbox, inbox, audit_log, idempotency_keys) come from the
platform branch this revision depends on.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = ("processes",)
depends_on: Union[str, Sequence[str], None] = ("platform_0001",)


def upgrade() -> None:
    op.create_table('org_units',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.String(length=36), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('board', 'administration', 'division', 'unit', 'external_provider')", name=op.f('ck_org_units_kind')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_org_units_not_own_parent')),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_org_units_revision_positive')),
    sa.ForeignKeyConstraint(['tenant', 'parent_id'], ['org_units.tenant', 'org_units.id'], name='fk_org_units_parent_same_tenant'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_units')),
    sa.UniqueConstraint('tenant', 'id', name='uq_org_units_tenant_id')
    )
    op.create_index(op.f('ix_org_units_tenant'), 'org_units', ['tenant'], unique=False)
    op.create_index('ix_org_units_tenant_parent', 'org_units', ['tenant', 'parent_id'], unique=False)

    op.create_table('org_unit_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('change', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.String(length=36), nullable=True),
    sa.CheckConstraint("change IN ('created', 'renamed', 'moved', 'closed')", name=op.f('ck_org_unit_history_change')),
    sa.ForeignKeyConstraint(['tenant', 'unit_id'], ['org_units.tenant', 'org_units.id'], name='fk_org_unit_history_unit_same_tenant'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_unit_history')),
    sa.UniqueConstraint('unit_id', 'revision', name='uq_org_unit_history_unit_revision')
    )
    op.create_index('ix_org_unit_history_tenant_unit', 'org_unit_history', ['tenant', 'unit_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_org_unit_history_tenant_unit', table_name='org_unit_history')
    op.drop_table('org_unit_history')
    op.drop_index('ix_org_units_tenant_parent', table_name='org_units')
    op.drop_index(op.f('ix_org_units_tenant'), table_name='org_units')
    op.drop_table('org_units')

