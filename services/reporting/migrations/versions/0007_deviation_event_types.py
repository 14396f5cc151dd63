"""cases by händelsetyp: the cube `cube_deviation_event_types` and its rollup, filled from the categories' cube.

A case counts under its händelsetyp's code (reported.v1 and event_type_changed.v1 carry it; "" for none). The
facts folded before this revision know no händelsetyp, so the new cube starts as they count: every case under ""
(copied from cube_deviation_categories and its rollup, which count every case once), and a later change of type
moves a case from there. `ordning-reporting-rebuild deviations` once after this revision counts the codes the
events stored before it carry.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('cube_deviation_event_types',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.String(length=200), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=200), nullable=False),
    sa.Column('event_type', sa.String(length=200), nullable=False),
    sa.Column('reported', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'unit_id', 'month', 'kind', 'event_type',
                            name=op.f('pk_cube_deviation_event_types'))
    )
    op.create_index('ix_cube_deviation_event_types_month', 'cube_deviation_event_types', ['tenant', 'month'],
                    unique=False)
    op.create_table('cube_deviation_event_types_all',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=200), nullable=False),
    sa.Column('event_type', sa.String(length=200), nullable=False),
    sa.Column('reported', sa.BigInteger(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'month', 'kind', 'event_type', name=op.f('pk_cube_deviation_event_types_all'))
    )
    op.execute("INSERT INTO cube_deviation_event_types (tenant, unit_id, month, kind, event_type, reported) "
               "SELECT tenant, unit_id, month, kind, '', SUM(reported) FROM cube_deviation_categories "
               "GROUP BY tenant, unit_id, month, kind HAVING SUM(reported) <> 0")
    op.execute("INSERT INTO cube_deviation_event_types_all (tenant, month, kind, event_type, reported) "
               "SELECT tenant, month, kind, '', SUM(reported) FROM cube_deviation_categories_all "
               "GROUP BY tenant, month, kind HAVING SUM(reported) <> 0")


def downgrade() -> None:
    op.drop_table('cube_deviation_event_types_all')
    op.drop_index('ix_cube_deviation_event_types_month', table_name='cube_deviation_event_types')
    op.drop_table('cube_deviation_event_types')
