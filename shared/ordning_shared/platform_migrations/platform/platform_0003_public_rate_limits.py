"""The public endpoints' rate-limit windows, and the installation's own key for hashing client addresses.

Revision ID: platform_0003
Revises: platform_0002
Create Date: 2026-11-23
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "platform_0003"
down_revision: Union[str, Sequence[str], None] = "platform_0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_windows",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_windows")),
    )
    op.create_index(op.f("ix_rate_limit_windows_expires_at"), "rate_limit_windows", ["expires_at"], unique=False)
    op.create_table(
        "installation_keys",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_installation_keys")),
    )


def downgrade() -> None:
    op.drop_table("installation_keys")
    op.drop_index(op.f("ix_rate_limit_windows_expires_at"), table_name="rate_limit_windows")
    op.drop_table("rate_limit_windows")
