"""working calendars: a copy of each tenant's working calendar (non-working eves, extra days off), kept from the
deviations service's se.ordning.working_calendar.changed.v1; the deadlines count working days in it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('working_calendars',
    sa.Column('tenant', sa.String(length=16), nullable=False),
    sa.Column('non_working_eves', sa.JSON(), nullable=False),
    sa.Column('extra_days_off', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant', name=op.f('pk_working_calendars'))
    )


def downgrade() -> None:
    op.drop_table('working_calendars')
