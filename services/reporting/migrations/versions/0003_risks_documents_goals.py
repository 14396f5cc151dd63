"""risks, documents, goals and processes: the cubes of their read models (the risk cubes with their rollups),
their read models' state, and the volumes a tenant records (the patterns' denominators).

Events of these families stored before this revision are folded by `ordning-reporting-rebuild risk_analyses risks
risk_proposals documents goals processes`; the worker folds those that arrive after it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
from datetime import datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

MODELS = ('risk_analyses', 'risks', 'risk_proposals', 'documents', 'goals', 'processes')
CUBES = ('cube_risk_analyses', 'cube_risks', 'cube_risk_cells', 'cube_risk_escalations', 'cube_risk_proposals',
         'cube_document_versions', 'cube_documents_in_force', 'cube_goal_measurements', 'cube_process_versions',
         'cube_risk_analyses_all', 'cube_risks_all', 'cube_risk_cells_all', 'cube_risk_escalations_all',
         'cube_risk_proposals_all')


def upgrade() -> None:
    op.create_table('cube_risk_analyses',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('trigger', sa.String(length=200), nullable=False),
    sa.Column('trigger_change', sa.String(length=200), nullable=False),
    sa.Column('scope_type', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=200), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('risks', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'trigger', 'trigger_change', 'scope_type', 'status', name=op.f('pk_cube_risk_analyses'))
    )
    op.create_index('ix_cube_risk_analyses_month', 'cube_risk_analyses', ['tenant', 'month'], unique=False)

    op.create_table('cube_risks',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('matrix_version', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=200), nullable=False),
    sa.Column('identified', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('scored', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('residual_scored', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('in_plan', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('taken_over', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('escalated', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'matrix_version', 'level', name=op.f('pk_cube_risks'))
    )
    op.create_index('ix_cube_risks_month', 'cube_risks', ['tenant', 'month'], unique=False)

    op.create_table('cube_risk_cells',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('matrix_version', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=200), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('consequence', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=200), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'matrix_version', 'stage', 'probability', 'consequence', 'level', name=op.f('pk_cube_risk_cells'))
    )
    op.create_index('ix_cube_risk_cells_month', 'cube_risk_cells', ['tenant', 'month'], unique=False)

    op.create_table('cube_risk_escalations',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('to_unit_id', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=200), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'to_unit_id', 'status', name=op.f('pk_cube_risk_escalations'))
    )
    op.create_index('ix_cube_risk_escalations_month', 'cube_risk_escalations', ['tenant', 'month'], unique=False)

    op.create_table('cube_risk_proposals',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('deviation_kind', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=200), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'reason', 'deviation_kind', 'status', name=op.f('pk_cube_risk_proposals'))
    )
    op.create_index('ix_cube_risk_proposals_month', 'cube_risk_proposals', ['tenant', 'month'], unique=False)

    op.create_table('cube_document_versions',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=200), nullable=False),
    sa.Column('change', sa.String(length=200), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'day', 'kind', 'change', name=op.f('pk_cube_document_versions'))
    )
    op.create_index('ix_cube_document_versions_month', 'cube_document_versions', ['tenant', 'month'], unique=False)
    op.create_index('ix_cube_document_versions_day', 'cube_document_versions', ['tenant', 'day'], unique=False)

    op.create_table('cube_documents_in_force',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=200), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'day', 'kind', name=op.f('pk_cube_documents_in_force'))
    )
    op.create_index('ix_cube_documents_in_force_month', 'cube_documents_in_force', ['tenant', 'month'], unique=False)
    op.create_index('ix_cube_documents_in_force_day', 'cube_documents_in_force', ['tenant', 'day'], unique=False)

    op.create_table('cube_goal_measurements',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('goal_id', sa.String(length=200), nullable=False),
    sa.Column('indicator_id', sa.String(length=200), nullable=False),
    sa.Column('period', sa.String(length=200), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('attainment', sa.String(length=200), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'day', 'goal_id', 'indicator_id', 'period', 'value', 'attainment', name=op.f('pk_cube_goal_measurements'))
    )
    op.create_index('ix_cube_goal_measurements_month', 'cube_goal_measurements', ['tenant', 'month'], unique=False)
    op.create_index('ix_cube_goal_measurements_day', 'cube_goal_measurements', ['tenant', 'day'], unique=False)

    op.create_table('cube_process_versions',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=200), nullable=False),
    sa.Column('change', sa.String(length=200), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'day', 'kind', 'level', 'change', name=op.f('pk_cube_process_versions'))
    )
    op.create_index('ix_cube_process_versions_month', 'cube_process_versions', ['tenant', 'month'], unique=False)
    op.create_index('ix_cube_process_versions_day', 'cube_process_versions', ['tenant', 'day'], unique=False)
    # The rollups (the cubes without their unit) of the risk cubes: the municipality's figures sum a few rows.
    op.create_table('cube_risk_analyses_all',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('trigger', sa.String(length=200), nullable=False),
    sa.Column('trigger_change', sa.String(length=200), nullable=False),
    sa.Column('scope_type', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=200), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('risks', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'month', 'trigger', 'trigger_change', 'scope_type', 'status', name=op.f('pk_cube_risk_analyses_all'))
    )
    op.create_table('cube_risks_all',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('matrix_version', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=200), nullable=False),
    sa.Column('identified', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('scored', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('residual_scored', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('in_plan', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('taken_over', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('escalated', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'month', 'matrix_version', 'level', name=op.f('pk_cube_risks_all'))
    )
    op.create_table('cube_risk_cells_all',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('matrix_version', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=200), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('consequence', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=200), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'month', 'matrix_version', 'stage', 'probability', 'consequence', 'level', name=op.f('pk_cube_risk_cells_all'))
    )
    op.create_table('cube_risk_escalations_all',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('to_unit_id', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=200), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'month', 'to_unit_id', 'status', name=op.f('pk_cube_risk_escalations_all'))
    )
    op.create_table('cube_risk_proposals_all',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('deviation_kind', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=200), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'month', 'reason', 'deviation_kind', 'status', name=op.f('pk_cube_risk_proposals_all'))
    )

    op.create_table('volumes',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'measure', 'year', name=op.f('pk_volumes'))
    )

    state = sa.table('read_model_state', sa.column('model', sa.String), sa.column('status', sa.String),
                     sa.column('changed_at', sa.DateTime(timezone=True)))
    op.bulk_insert(state, [{'model': model, 'status': 'ready', 'changed_at': datetime.now(timezone.utc)}
                           for model in MODELS])


def downgrade() -> None:
    op.execute(sa.text('DELETE FROM read_model_state WHERE model IN :models')
               .bindparams(sa.bindparam('models', expanding=True)).params(models=list(MODELS)))
    op.drop_table('volumes')
    for name in CUBES:
        op.drop_table(name)
