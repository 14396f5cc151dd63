"""initial: the event store, the facts of the read models, their state, and the cubes of deviations and actions.
The platform's tables (outbox, inbox, audit_log, ...) and the org-tree copy come from the platform branches this
revision depends on.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
from datetime import datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ("reporting",)
depends_on: Union[str, Sequence[str], None] = ("platform_0001", "org_replica_0001")


def upgrade() -> None:
    op.create_table('cube_actions',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('origin_type', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'origin_type', 'status', 'due_date', name=op.f('pk_cube_actions'))
    )
    op.create_index('ix_cube_actions_month', 'cube_actions', ['tenant', 'month'], unique=False)

    op.create_table('cube_deviation_categories',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=200), nullable=False),
    sa.Column('category_id', sa.String(length=200), nullable=False),
    sa.Column('reported', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'kind', 'category_id', name=op.f('pk_cube_deviation_categories'))
    )
    op.create_index('ix_cube_deviation_categories_month', 'cube_deviation_categories', ['tenant', 'month'], unique=False)

    op.create_table('cube_deviation_days',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=200), nullable=False),
    sa.Column('measure', sa.String(length=200), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'kind', 'measure', 'days', name=op.f('pk_cube_deviation_days'))
    )
    op.create_index('ix_cube_deviation_days_month', 'cube_deviation_days', ['tenant', 'month'], unique=False)

    op.create_table('cube_deviation_processes',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=200), nullable=False),
    sa.Column('process_step_id', sa.String(length=200), nullable=False),
    sa.Column('reported', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'kind', 'process_step_id', name=op.f('pk_cube_deviation_processes'))
    )
    op.create_index('ix_cube_deviation_processes_month', 'cube_deviation_processes', ['tenant', 'month'], unique=False)

    op.create_table('cube_deviations',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=200), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.Column('reported', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('received', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('answered', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('answered_in_time', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('decided', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('serious', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('ivo_reported', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('rejected', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('possible_elsewhere', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'kind', 'origin', name=op.f('pk_cube_deviations'))
    )
    op.create_index('ix_cube_deviations_month', 'cube_deviations', ['tenant', 'month'], unique=False)

    op.create_table('event_store',
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=120), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=True),
    sa.Column('time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('position', name=op.f('pk_event_store')),
    sa.UniqueConstraint('source', 'event_id', name='uq_event_store_source_event_id')
    )
    op.create_index('ix_event_store_aggregate', 'event_store', ['tenant', 'subject', 'sequence'], unique=False)

    op.create_table('facts',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('model', sa.String(length=40), nullable=False),
    sa.Column('aggregate_id', sa.String(length=200), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=True),
    sa.Column('period_on', sa.Date(), nullable=True),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'model', 'aggregate_id', name=op.f('pk_facts'))
    )
    op.create_index('ix_facts_period', 'facts', ['tenant', 'model', 'period_on'], unique=False)

    op.create_table('read_model_state',
    sa.Column('model', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('model', name=op.f('pk_read_model_state'))
    )
    # The read models start ready: the worker folds events into them from the first one.
    state = sa.table('read_model_state', sa.column('model', sa.String), sa.column('status', sa.String),
                     sa.column('changed_at', sa.DateTime(timezone=True)))
    op.bulk_insert(state, [{'model': model, 'status': 'ready', 'changed_at': datetime.now(timezone.utc)}
                           for model in ('org_units', 'deviations', 'actions')])


def downgrade() -> None:
    op.drop_table('read_model_state')
    op.drop_table('facts')
    op.drop_table('event_store')
    op.drop_table('cube_deviations')
    op.drop_table('cube_deviation_processes')
    op.drop_table('cube_deviation_days')
    op.drop_table('cube_deviation_categories')
    op.drop_table('cube_actions')
