"""matrix events: announce every matrix version stored before the service published se.ordning.risk.matrix_changed.v1
(an outbox row each), so that the reporting service learns the versions its heat map draws on. No schema change.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    from ordning_risks.service import announce_stored_matrices  # late: the service's code, as of this release

    announce_stored_matrices(op.get_bind())


def downgrade() -> None:
    pass  # an event once relayed cannot be taken back; the rows left unsent are harmless
