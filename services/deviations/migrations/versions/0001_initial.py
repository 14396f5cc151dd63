"""initial: the deviations service's tables. The platform's tables (outbox, inbox, audit_log,
idempotency_keys) and the org-tree copy come from the platform branches this revision depends on.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from ordning_shared.db import UTCDateTime


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ("deviations",)
depends_on: Union[str, Sequence[str], None] = ("platform_0001", "org_replica_0001")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('case_counters',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'year', name=op.f('pk_case_counters'))
    )
    op.create_table('categories',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('tenant', 'name', name='uq_categories_tenant_name')
    )
    op.create_index(op.f('ix_categories_tenant'), 'categories', ['tenant'], unique=False)

    op.create_table('deadline_policies',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('receipt_days', sa.Integer(), nullable=False),
    sa.Column('investigation_days', sa.Integer(), nullable=False),
    sa.Column('ivo_report_days', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'kind', name=op.f('pk_deadline_policies'))
    )
    op.create_table('deviations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('category_id', sa.String(length=36), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('immediate_action', sa.Text(), nullable=True),
    sa.Column('reported_at', UTCDateTime(), nullable=False),
    sa.Column('reported_by', sa.String(length=200), nullable=True),
    sa.Column('occurred_at', UTCDateTime(), nullable=True),
    sa.Column('received_at', UTCDateTime(), nullable=True),
    sa.Column('receipt_due', sa.Date(), nullable=True),
    sa.Column('investigation_due', sa.Date(), nullable=True),
    sa.Column('ivo_due', sa.Date(), nullable=True),
    sa.Column('investigation_what_happened', sa.Text(), nullable=True),
    sa.Column('investigation_why', sa.Text(), nullable=True),
    sa.Column('investigation_what_must_change', sa.Text(), nullable=True),
    sa.Column('investigation_started_at', UTCDateTime(), nullable=True),
    sa.Column('investigation_completed_at', UTCDateTime(), nullable=True),
    sa.Column('seriousness_serious', sa.Boolean(), nullable=True),
    sa.Column('seriousness_decided_by', sa.String(length=200), nullable=True),
    sa.Column('seriousness_decided_at', UTCDateTime(), nullable=True),
    sa.Column('ivo_reported_on', sa.Date(), nullable=True),
    sa.Column('ivo_reference', sa.String(length=100), nullable=True),
    sa.Column('ivo_recorded_by', sa.String(length=200), nullable=True),
    sa.Column('closed_at', UTCDateTime(), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_email', sa.String(length=320), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deviations')),
    sa.UniqueConstraint('tenant', 'reference', name='uq_deviations_tenant_reference')
    )
    op.create_index('ix_deviations_tenant_reported_at', 'deviations', ['tenant', 'reported_at'], unique=False)
    op.create_index('ix_deviations_tenant_status', 'deviations', ['tenant', 'status'], unique=False)
    op.create_index('ix_deviations_tenant_unit', 'deviations', ['tenant', 'unit_id'], unique=False)

    op.create_table('improvement_actions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('origin_type', sa.String(length=40), nullable=False),
    sa.Column('origin_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('completed_at', UTCDateTime(), nullable=True),
    sa.Column('effect_followup', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_actions'))
    )
    op.create_index('ix_improvement_actions_origin', 'improvement_actions', ['tenant', 'origin_type', 'origin_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""

    op.drop_index('ix_improvement_actions_origin', table_name='improvement_actions')
    op.drop_table('improvement_actions')
    op.drop_index('ix_deviations_tenant_unit', table_name='deviations')
    op.drop_index('ix_deviations_tenant_status', table_name='deviations')
    op.drop_index('ix_deviations_tenant_reported_at', table_name='deviations')
    op.drop_table('deviations')
    op.drop_table('deadline_policies')
    op.drop_index(op.f('ix_categories_tenant'), table_name='categories')
    op.drop_table('categories')
    op.drop_table('case_counters')

