"""initial: notification rules, the tenants whose default rules were seeded, and notices (the inbox). The platform's
tables (outbox, inbox, audit_log, idempotency_keys), the org-tree copy and the role-holder copy come from the
platform branches this revision depends on.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ("notify",)
depends_on: Union[str, Sequence[str], None] = ("platform_0001", "org_replica_0001", "role_replica_0001")


def upgrade() -> None:
    op.create_table('notices',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=True),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.String(length=200), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('event_source', sa.String(length=200), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('tenant', 'recipient', 'kind', 'event_source', 'event_id', name='uq_notices_once')
    )
    op.create_index('ix_notices_recipient_created', 'notices', ['tenant', 'recipient', 'created_at'], unique=False)
    op.create_index('ix_notices_recipient_unread', 'notices', ['tenant', 'recipient', 'read_at'], unique=False)
    op.create_table('notification_rules',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('event_type', sa.String(length=120), nullable=False),
    sa.Column('notice_kind', sa.String(length=40), nullable=False),
    sa.Column('unit_field', sa.String(length=40), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('default_key', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_rules'))
    )
    op.create_index('ix_notification_rules_tenant_event_type', 'notification_rules', ['tenant', 'event_type'], unique=False)
    op.create_table('rule_sets',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('seeded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', name=op.f('pk_rule_sets'))
    )


def downgrade() -> None:
    op.drop_table('rule_sets')
    op.drop_index('ix_notification_rules_tenant_event_type', table_name='notification_rules')
    op.drop_table('notification_rules')
    op.drop_index('ix_notices_recipient_unread', table_name='notices')
    op.drop_index('ix_notices_recipient_created', table_name='notices')
    op.drop_table('notices')
