"""proposals: risk proposals from serious deviations and deviations possible elsewhere, and the version of each
deviation case's facet the risks service has applied (its events are ordered per facet).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('deviation_facet_versions',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('deviation_id', sa.String(length=36), nullable=False),
    sa.Column('facet', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'deviation_id', 'facet', name=op.f('pk_deviation_facet_versions'))
    )
    op.create_table('risk_proposals',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('deviation_id', sa.String(length=36), nullable=False),
    sa.Column('deviation_kind', sa.String(length=20), nullable=False),
    sa.Column('source_unit_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('ivo_reported_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('analysis_id', sa.String(length=36), nullable=True),
    sa.Column('risk_id', sa.String(length=36), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("reason IN ('serious_deviation', 'possible_elsewhere')", name=op.f('ck_risk_proposals_reason')),
    sa.CheckConstraint("status IN ('open', 'accepted', 'dismissed', 'withdrawn')", name=op.f('ck_risk_proposals_status')),
    sa.ForeignKeyConstraint(['analysis_id'], ['risk_analyses.id'], name=op.f('fk_risk_proposals_analysis_id_risk_analyses')),
    sa.ForeignKeyConstraint(['risk_id'], ['risks.id'], name=op.f('fk_risk_proposals_risk_id_risks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_proposals')),
    sa.UniqueConstraint('tenant', 'deviation_id', 'reason', 'unit_id', name='uq_risk_proposals_source')
    )
    op.create_index('ix_risk_proposals_tenant_status_created', 'risk_proposals', ['tenant', 'status', 'created_at'], unique=False)
    op.create_index('ix_risk_proposals_tenant_unit', 'risk_proposals', ['tenant', 'unit_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_risk_proposals_tenant_unit', table_name='risk_proposals')
    op.drop_index('ix_risk_proposals_tenant_status_created', table_name='risk_proposals')
    op.drop_table('risk_proposals')
    op.drop_table('deviation_facet_versions')
