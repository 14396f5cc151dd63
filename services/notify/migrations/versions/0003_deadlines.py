"""deadlines: what notify knows of a case, an action or a document from their events (deadline_subjects), the
deadlines they call for with their state (deadlines), and a tenant's deadline settings.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('deadline_subjects',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('subject_type', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'subject_type', 'subject_id', name=op.f('pk_deadline_subjects'))
    )
    op.create_table('deadlines',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('subject_type', sa.String(length=30), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=True),
    sa.Column('owner_id', sa.String(length=200), nullable=True),
    sa.Column('responsible_role', sa.String(length=40), nullable=True),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('next_fire_on', sa.Date(), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('escalated_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadlines')),
    sa.UniqueConstraint('tenant', 'kind', 'subject_type', 'subject_id', name='uq_deadlines_subject')
    )
    op.create_index('ix_deadlines_next_fire_on', 'deadlines', ['next_fire_on'], unique=False)
    op.create_index('ix_deadlines_tenant_state_due', 'deadlines', ['tenant', 'state', 'due_on'], unique=False)
    op.create_table('deadline_settings',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('grace_working_days', sa.Integer(), nullable=False),
    sa.Column('patient_safety_roles', sa.JSON(), nullable=False),
    sa.Column('patient_safety_lead_days', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('tenant', name=op.f('pk_deadline_settings'))
    )


def downgrade() -> None:
    op.drop_table('deadline_settings')
    op.drop_index('ix_deadlines_tenant_state_due', table_name='deadlines')
    op.drop_index('ix_deadlines_next_fire_on', table_name='deadlines')
    op.drop_table('deadlines')
    op.drop_table('deadline_subjects')
