"""mail: each person's mail choices (mail_preferences), the mails to send (mail_deliveries) and the notices a daily
digest lists (mail_digest_notices); notices found by their event (the mails of an event's notices are queued by it).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('mail_preferences',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=True),
    sa.Column('address_source', sa.String(length=10), nullable=True),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('digest_hour', sa.Integer(), nullable=False),
    sa.Column('uses_digest', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'user_id', name=op.f('pk_mail_preferences'))
    )
    op.create_index('ix_mail_preferences_digest', 'mail_preferences', ['uses_digest'], unique=False)
    op.create_table('mail_deliveries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('notice_id', sa.String(length=36), nullable=True),
    sa.Column('digest_day', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_deliveries')),
    sa.UniqueConstraint('tenant', 'notice_id', name='uq_mail_deliveries_notice'),
    sa.UniqueConstraint('tenant', 'recipient', 'digest_day', name='uq_mail_deliveries_digest')
    )
    op.create_index('ix_mail_deliveries_due', 'mail_deliveries', ['status', 'next_attempt_at'], unique=False)
    op.create_table('mail_digest_notices',
    sa.Column('notice_id', sa.String(length=36), nullable=False),
    sa.Column('delivery_id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('notice_id', name=op.f('pk_mail_digest_notices'))
    )
    op.create_index('ix_mail_digest_notices_delivery', 'mail_digest_notices', ['delivery_id'], unique=False)
    op.create_index('ix_notices_event', 'notices', ['tenant', 'event_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notices_event', table_name='notices')
    op.drop_index('ix_mail_digest_notices_delivery', table_name='mail_digest_notices')
    op.drop_table('mail_digest_notices')
    op.drop_index('ix_mail_deliveries_due', table_name='mail_deliveries')
    op.drop_table('mail_deliveries')
    op.drop_index('ix_mail_preferences_digest', table_name='mail_preferences')
    op.drop_table('mail_preferences')
