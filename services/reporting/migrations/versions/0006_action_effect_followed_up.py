"""actions with effect followed up: the measure `effect_followed_up` of cube_actions and its rollup.

The action events carry `effect_followed_up` from this release on. Events of actions stored before this revision
carry no such flag (they count 0, as before); if the services that publish actions were upgraded before reporting,
`ordning-reporting-rebuild actions` once after this revision counts the flags of the events stored meanwhile.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ('cube_actions', 'cube_actions_all')


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column('effect_followed_up', sa.BigInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('effect_followed_up')
