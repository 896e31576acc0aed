"""issuance: VC-API credentials issued with a status entry (what a status update needs)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vcapi_credentials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("suspension_index", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["issuer_id"], ["issuers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer_id", "credential_id"),
        sa.UniqueConstraint("issuer_id", "status_index"),
    )
    op.create_index("ix_vcapi_credentials_issuer_id", "vcapi_credentials", ["issuer_id"])
    op.create_index(
        "uq_vcapi_credentials_issuer_suspension_index",
        "vcapi_credentials",
        ["issuer_id", "suspension_index"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_vcapi_credentials_issuer_suspension_index", table_name="vcapi_credentials")
    op.drop_index("ix_vcapi_credentials_issuer_id", table_name="vcapi_credentials")
    op.drop_table("vcapi_credentials")
