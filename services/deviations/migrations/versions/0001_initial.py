"""initial: the deviations service's tables and the platform tables (outbox, inbox, audit_log,
idempotency_keys, org_unit_replica); on PostgreSQL the audit trail is made append-only.

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
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
"""


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('entity_type', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_entity', 'audit_log', ['entity_type', 'entity_id'], unique=False)
    op.create_index(op.f('ix_audit_log_tenant'), 'audit_log', ['tenant'], unique=False)

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

    op.create_table('idempotency_keys',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('principal', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('resource_type', sa.String(length=60), nullable=False),
    sa.Column('resource_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'principal', 'key', name=op.f('pk_idempotency_keys'))
    )
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

    op.create_table('inbox',
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=120), nullable=False),
    sa.Column('received_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'event_id', name=op.f('pk_inbox'))
    )
    op.create_table('org_unit_replica',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('closed_at', UTCDateTime(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_unit_replica'))
    )
    op.create_index(op.f('ix_org_unit_replica_parent_id'), 'org_unit_replica', ['parent_id'], unique=False)
    op.create_index(op.f('ix_org_unit_replica_tenant'), 'org_unit_replica', ['tenant'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('type', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('traceparent', sa.String(length=64), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('published_at', UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('event_id', name=op.f('uq_outbox_event_id'))
    )
    op.create_index(op.f('ix_outbox_published_at'), 'outbox', ['published_at'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        # The audit trail is append-only: the database itself refuses UPDATE, DELETE and TRUNCATE.
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(APPEND_ONLY_TRIGGER)


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_index(op.f('ix_outbox_published_at'), table_name='outbox')

    op.drop_table('outbox')
    op.drop_index(op.f('ix_org_unit_replica_tenant'), table_name='org_unit_replica')
    op.drop_index(op.f('ix_org_unit_replica_parent_id'), table_name='org_unit_replica')

    op.drop_table('org_unit_replica')
    op.drop_table('inbox')
    op.drop_index('ix_improvement_actions_origin', table_name='improvement_actions')

    op.drop_table('improvement_actions')
    op.drop_table('idempotency_keys')
    op.drop_index('ix_deviations_tenant_unit', table_name='deviations')
    op.drop_index('ix_deviations_tenant_status', table_name='deviations')
    op.drop_index('ix_deviations_tenant_reported_at', table_name='deviations')

    op.drop_table('deviations')
    op.drop_table('deadline_policies')
    op.drop_index(op.f('ix_categories_tenant'), table_name='categories')

    op.drop_table('categories')
    op.drop_table('case_counters')
    op.drop_index(op.f('ix_audit_log_tenant'), table_name='audit_log')
    op.drop_index('ix_audit_log_entity', table_name='audit_log')

    op.drop_table('audit_log')
