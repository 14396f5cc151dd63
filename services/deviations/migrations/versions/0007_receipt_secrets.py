"""A citizen's receipt carries a secret, kept only as its hash, to follow the case with its reference.

Revision ID: 0007
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipt_secrets",
        sa.Column("tenant", sa.String(length=16), nullable=False),
        sa.Column("deviation_id", sa.String(length=36), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["deviation_id"], ["deviations.id"],
                                name=op.f("fk_receipt_secrets_deviation_id_deviations")),
        sa.PrimaryKeyConstraint("tenant", "deviation_id", name=op.f("pk_receipt_secrets")),
    )


def downgrade() -> None:
    op.drop_table("receipt_secrets")
