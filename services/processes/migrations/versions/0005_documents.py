"""governing documents (styrdokument): documents, their versions, the units that read them, the tenant's setting

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KINDS = "kind IN ('rutin', 'checklista', 'riktlinje', 'instruktion', 'policy', 'plan', 'annat')"
STATUSES = "status IN ('draft', 'for_approval', 'established', 'superseded')"


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("tenant", sa.String(16), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("owner_unit_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("in_force_version", sa.Integer(), nullable=True),
        sa.Column("in_works_version", sa.Integer(), nullable=True),
        sa.Column("in_works_author", sa.String(200), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f("ck_documents_kind")),
        sa.CheckConstraint("in_force_version IS NOT NULL OR in_works_version IS NOT NULL",
                           name=op.f("ck_documents_has_a_version")),
        sa.ForeignKeyConstraint(["tenant", "owner_unit_id"], ["org_units.tenant", "org_units.id"],
                                name="fk_documents_owner_unit_same_tenant"),
        sa.PrimaryKeyConstraint("tenant", "id", name=op.f("pk_documents")),
    )
    op.create_index("ix_documents_tenant_owner", "documents", ["tenant", "owner_unit_id"], unique=False)
    op.create_table(
        "document_versions",
        sa.Column("tenant", sa.String(16), nullable=False),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("unit_ids", sa.JSON(), nullable=False),
        sa.Column("step_ids", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.String(200), nullable=True),
        sa.Column("established_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("established_by", sa.String(200), nullable=True),
        sa.Column("decision_reference", sa.String(100), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejected_reason", sa.Text(), nullable=True),
        sa.Column("review_due_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(STATUSES, name=op.f("ck_document_versions_status")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_document_versions_number_positive")),
        sa.CheckConstraint("status NOT IN ('established', 'superseded') OR (established_at IS NOT NULL AND "
                           "established_by IS NOT NULL AND decision_reference IS NOT NULL AND review_date IS NOT "
                           "NULL)", name=op.f("ck_document_versions_established_has_decision")),
        sa.ForeignKeyConstraint(["tenant", "document_id"], ["documents.tenant", "documents.id"],
                                name="fk_document_versions_document_same_tenant"),
        sa.PrimaryKeyConstraint("tenant", "document_id", "number", name=op.f("pk_document_versions")),
    )
    op.create_index("ix_document_versions_review_due", "document_versions", ["status", "review_date"],
                    unique=False)
    op.create_table(
        "document_units",
        sa.Column("tenant", sa.String(16), nullable=False),
        sa.Column("document_id", sa.String(36), nullable=False),
        sa.Column("unit_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(["tenant", "document_id"], ["documents.tenant", "documents.id"],
                                name="fk_document_units_document_same_tenant"),
        sa.ForeignKeyConstraint(["tenant", "unit_id"], ["org_units.tenant", "org_units.id"],
                                name="fk_document_units_unit_same_tenant"),
        sa.PrimaryKeyConstraint("tenant", "document_id", "unit_id", name=op.f("pk_document_units")),
    )
    op.create_index("ix_document_units_tenant_unit", "document_units", ["tenant", "unit_id"], unique=False)
    op.create_table(
        "document_settings",
        sa.Column("tenant", sa.String(16), nullable=False),
        sa.Column("self_approval_allowed", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", name=op.f("pk_document_settings")),
    )


def downgrade() -> None:
    op.drop_table("document_settings")
    op.drop_index("ix_document_units_tenant_unit", table_name="document_units")
    op.drop_table("document_units")
    op.drop_index("ix_document_versions_review_due", table_name="document_versions")
    op.drop_table("document_versions")
    op.drop_index("ix_documents_tenant_owner", table_name="documents")
    op.drop_table("documents")
