"""region view: the municipalities' consents to be shown to their region, and each tenant's threshold for small
counts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from ordning_shared.db import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('region_consents',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('region', sa.String(length=16), nullable=False),
    sa.Column('agreed_by', sa.String(length=200), nullable=False),
    sa.Column('agreed_at', UTCDateTime(), nullable=False),
    sa.Column('withdrawn_by', sa.String(length=200), nullable=True),
    sa.Column('withdrawn_at', UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('tenant', name=op.f('pk_region_consents'))
    )
    op.create_index('ix_region_consents_region', 'region_consents', ['region'], unique=False)
    op.create_table('suppression_settings',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('tenant', name=op.f('pk_suppression_settings'))
    )


def downgrade() -> None:
    op.drop_table('suppression_settings')
    op.drop_index('ix_region_consents_region', table_name='region_consents')
    op.drop_table('region_consents')
