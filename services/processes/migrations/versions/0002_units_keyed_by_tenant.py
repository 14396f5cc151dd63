"""A unit's key is (tenant, id): a client-chosen id another tenant holds is neither refused nor revealed.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _rekey(unit_key: list[str], history_unique: tuple[str, list[str]], drop_unique: str | None,
           add_unique: str | None) -> None:
    """Move org_units' primary key to `unit_key`, with the foreign keys that lean on (tenant, id)."""
    with op.batch_alter_table("org_unit_history") as batch:
        batch.drop_constraint("fk_org_unit_history_unit_same_tenant", type_="foreignkey")
    with op.batch_alter_table("org_units") as batch:
        batch.drop_constraint("fk_org_units_parent_same_tenant", type_="foreignkey")
        batch.drop_constraint("pk_org_units", type_="primary")
        batch.create_primary_key("pk_org_units", unit_key)
        if drop_unique:
            batch.drop_constraint(drop_unique, type_="unique")
        if add_unique:
            batch.create_unique_constraint(add_unique, ["tenant", "id"])
        batch.create_foreign_key("fk_org_units_parent_same_tenant", "org_units", ["tenant", "parent_id"],
                                 ["tenant", "id"])
    old_unique, new_unique = history_unique
    with op.batch_alter_table("org_unit_history") as batch:
        batch.drop_constraint(old_unique, type_="unique")
        batch.create_unique_constraint(new_unique[0], new_unique[1])
        batch.create_foreign_key("fk_org_unit_history_unit_same_tenant", "org_units", ["tenant", "unit_id"],
                                 ["tenant", "id"])


def upgrade() -> None:
    _rekey(["tenant", "id"],
           ("uq_org_unit_history_unit_revision",
            ("uq_org_unit_history_tenant_unit_revision", ["tenant", "unit_id", "revision"])),
           drop_unique="uq_org_units_tenant_id", add_unique=None)
    op.drop_index("ix_org_units_tenant", table_name="org_units")  # the key leads with tenant


def downgrade() -> None:
    op.create_index("ix_org_units_tenant", "org_units", ["tenant"], unique=False)
    _rekey(["id"],
           ("uq_org_unit_history_tenant_unit_revision",
            ("uq_org_unit_history_unit_revision", ["unit_id", "revision"])),
           drop_unique=None, add_unique="uq_org_units_tenant_id")
