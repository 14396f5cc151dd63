"""initial: the risk matrix's versions, risk analyses, risks, their scorings and escalations, and improvement
actions. The platform's tables (outbox, inbox, audit_log, idempotency_keys) and the org-tree copy come from the
platform branches this revision depends on.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ("risks",)
depends_on: Union[str, Sequence[str], None] = ("platform_0001", "org_replica_0001")


def upgrade() -> None:
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
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('effect_followup', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_actions'))
    )
    op.create_index('ix_improvement_actions_origin', 'improvement_actions', ['tenant', 'origin_type', 'origin_id'], unique=False)
    op.create_table('risk_analyses',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('scope_type', sa.String(length=20), nullable=False),
    sa.Column('scope_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('trigger', sa.String(length=30), nullable=False),
    sa.Column('trigger_change', sa.String(length=30), nullable=True),
    sa.Column('trigger_note', sa.Text(), nullable=True),
    sa.Column('participants', sa.JSON(), nullable=False),
    sa.Column('analysis_date', sa.Date(), nullable=False),
    sa.Column('matrix_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('followed_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_analyses'))
    )
    op.create_index('ix_risk_analyses_tenant_date', 'risk_analyses', ['tenant', 'analysis_date'], unique=False)
    op.create_index('ix_risk_analyses_tenant_status', 'risk_analyses', ['tenant', 'status'], unique=False)
    op.create_index('ix_risk_analyses_tenant_unit', 'risk_analyses', ['tenant', 'unit_id'], unique=False)
    op.create_table('risk_matrices',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'version', name=op.f('pk_risk_matrices'))
    )
    op.create_table('risks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('analysis_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('causes', sa.JSON(), nullable=False),
    sa.Column('matrix_version', sa.Integer(), nullable=False),
    sa.Column('identified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('identified_by', sa.String(length=200), nullable=False),
    sa.Column('initial_probability', sa.Integer(), nullable=True),
    sa.Column('initial_consequence', sa.Integer(), nullable=True),
    sa.Column('initial_score', sa.Integer(), nullable=True),
    sa.Column('initial_level', sa.String(length=40), nullable=True),
    sa.Column('residual_probability', sa.Integer(), nullable=True),
    sa.Column('residual_consequence', sa.Integer(), nullable=True),
    sa.Column('residual_score', sa.Integer(), nullable=True),
    sa.Column('residual_level', sa.String(length=40), nullable=True),
    sa.Column('in_plan', sa.Boolean(), nullable=False),
    sa.Column('holder_unit_id', sa.String(length=36), nullable=False),
    sa.Column('escalation_status', sa.String(length=20), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['analysis_id'], ['risk_analyses.id'], name=op.f('fk_risks_analysis_id_risk_analyses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risks'))
    )
    op.create_index('ix_risks_tenant_analysis', 'risks', ['tenant', 'analysis_id'], unique=False)
    op.create_index('ix_risks_tenant_holder', 'risks', ['tenant', 'holder_unit_id'], unique=False)
    op.create_table('risk_escalations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('risk_id', sa.String(length=36), nullable=False),
    sa.Column('from_unit_id', sa.String(length=36), nullable=False),
    sa.Column('to_unit_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalated_by', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'returned')", name=op.f('ck_risk_escalations_status')),
    sa.ForeignKeyConstraint(['risk_id'], ['risks.id'], name=op.f('fk_risk_escalations_risk_id_risks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_escalations'))
    )
    op.create_index('ix_risk_escalations_tenant_risk', 'risk_escalations', ['tenant', 'risk_id'], unique=False)
    op.create_index('ix_risk_escalations_tenant_to_unit', 'risk_escalations', ['tenant', 'to_unit_id', 'status'], unique=False)
    op.create_table('risk_scorings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('risk_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('consequence', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=40), nullable=False),
    sa.Column('matrix_version', sa.Integer(), nullable=False),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scored_by', sa.String(length=200), nullable=False),
    sa.CheckConstraint("kind IN ('initial', 'residual')", name=op.f('ck_risk_scorings_kind')),
    sa.ForeignKeyConstraint(['risk_id'], ['risks.id'], name=op.f('fk_risk_scorings_risk_id_risks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_scorings'))
    )
    op.create_index('ix_risk_scorings_tenant_risk', 'risk_scorings', ['tenant', 'risk_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_risk_scorings_tenant_risk', table_name='risk_scorings')
    op.drop_table('risk_scorings')
    op.drop_index('ix_risk_escalations_tenant_to_unit', table_name='risk_escalations')
    op.drop_index('ix_risk_escalations_tenant_risk', table_name='risk_escalations')
    op.drop_table('risk_escalations')
    op.drop_index('ix_risks_tenant_holder', table_name='risks')
    op.drop_index('ix_risks_tenant_analysis', table_name='risks')
    op.drop_table('risks')
    op.drop_table('risk_matrices')
    op.drop_index('ix_risk_analyses_tenant_unit', table_name='risk_analyses')
    op.drop_index('ix_risk_analyses_tenant_status', table_name='risk_analyses')
    op.drop_index('ix_risk_analyses_tenant_date', table_name='risk_analyses')
    op.drop_table('risk_analyses')
    op.drop_index('ix_improvement_actions_origin', table_name='improvement_actions')
    op.drop_table('improvement_actions')
