"""reports: the yearly reports (kvalitetsberättelse, patientsäkerhetsberättelse), one per kind, scope and year,
with their texts, figures and (finished) charts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('reports',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('scope_type', sa.String(length=20), nullable=False),
    sa.Column('scope_unit_id', sa.String(length=36), nullable=True),
    sa.Column('scope_key', sa.String(length=36), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=True),
    sa.Column('figures_generated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('charts', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_by', sa.String(length=200), nullable=True),
    sa.Column('finished_by_name', sa.String(length=200), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('tenant', 'id', name=op.f('pk_reports')),
    sa.UniqueConstraint('tenant', 'kind', 'scope_key', 'year', name='uq_reports_kind_scope_year')
    )
    op.create_index('ix_reports_tenant_year', 'reports', ['tenant', 'year'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_reports_tenant_year', table_name='reports')
    op.drop_table('reports')
