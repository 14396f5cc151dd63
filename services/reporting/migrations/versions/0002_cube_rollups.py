"""cube rollups: the cubes of deviations and actions without their unit (`<cube>_all`), so that the figures of the
whole municipality sum a few hundred rows; filled from the cubes as they are.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (rollup, cube, its dimensions without the unit, its measures)
ROLLUPS = [
    ('cube_deviations_all', 'cube_deviations', ['month', 'kind', 'origin'],
     ['reported', 'received', 'answered', 'answered_in_time', 'decided', 'serious', 'ivo_reported', 'rejected',
      'possible_elsewhere']),
    ('cube_deviation_categories_all', 'cube_deviation_categories', ['month', 'kind', 'category_id'], ['reported']),
    ('cube_deviation_processes_all', 'cube_deviation_processes', ['month', 'kind', 'process_step_id'], ['reported']),
    ('cube_deviation_days_all', 'cube_deviation_days', ['month', 'kind', 'measure', 'days'], ['n']),
    ('cube_actions_all', 'cube_actions', ['month', 'origin_type', 'status', 'due_date'], ['n']),
]


def upgrade() -> None:
    op.create_table('cube_actions_all',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('origin_type', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'month', 'origin_type', 'status', 'due_date', name=op.f('pk_cube_actions_all'))
    )
    op.create_table('cube_deviation_categories_all',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=200), nullable=False),
    sa.Column('category_id', sa.String(length=200), nullable=False),
    sa.Column('reported', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'month', 'kind', 'category_id', name=op.f('pk_cube_deviation_categories_all'))
    )
    op.create_table('cube_deviation_days_all',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=200), nullable=False),
    sa.Column('measure', sa.String(length=200), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'month', 'kind', 'measure', 'days', name=op.f('pk_cube_deviation_days_all'))
    )
    op.create_table('cube_deviation_processes_all',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=200), nullable=False),
    sa.Column('process_step_id', sa.String(length=200), nullable=False),
    sa.Column('reported', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'month', 'kind', 'process_step_id', name=op.f('pk_cube_deviation_processes_all'))
    )
    op.create_table('cube_deviations_all',
    sa.Column('tenant', sa.String(length=16), nullable=False),
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
    sa.PrimaryKeyConstraint('tenant', 'month', 'kind', 'origin', name=op.f('pk_cube_deviations_all'))
    )
    # A database that counted before this revision: its rollups are the sums of its cubes.
    for rollup, cube, dims, measures in ROLLUPS:
        keys = ', '.join(['tenant', *dims])
        sums = ', '.join(f'SUM({m})' for m in measures)
        op.execute(f"INSERT INTO {rollup} ({keys}, {', '.join(measures)}) SELECT {keys}, {sums} FROM {cube} "
                   f"GROUP BY {keys}")


def downgrade() -> None:
    op.drop_table('cube_actions_all')
    op.drop_table('cube_deviation_categories_all')
    op.drop_table('cube_deviation_days_all')
    op.drop_table('cube_deviation_processes_all')
    op.drop_table('cube_deviations_all')
