"""wallets: offers, credentials issued into wallets, OpenID4VCI nonces, per-issuer settings

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wallet_offers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("credential_id", sa.String(36), sa.ForeignKey("credentials.id"), nullable=False, index=True),
        sa.Column("issuer_id", sa.String(36), sa.ForeignKey("issuers.id"), nullable=False, index=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("tx_code_hash", sa.String(64)),
        sa.Column("tx_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("challenge", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code_used_at", sa.DateTime(timezone=True)),
        sa.Column("access_hash", sa.String(64), unique=True),
        sa.Column("access_expires_at", sa.DateTime(timezone=True)),
        sa.Column("redeemed_at", sa.DateTime(timezone=True)),
        sa.Column("protocol", sa.String(16)),
        sa.Column("holder", sa.String(2048)),
    )
    op.create_table(
        "wallet_credentials",
        sa.Column("id", sa.String(36), sa.ForeignKey("credentials.id"), primary_key=True),
        sa.Column("original_id", sa.String(36), sa.ForeignKey("credentials.id"), nullable=False, index=True),
        sa.Column("offer_id", sa.String(36), sa.ForeignKey("wallet_offers.id"), nullable=False, unique=True),
        sa.Column("issuer_id", sa.String(36), sa.ForeignKey("issuers.id"), nullable=False, index=True),
        sa.Column("protocol", sa.String(16), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("holder", sa.String(2048), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "wallet_nonces",
        sa.Column("nonce_hash", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("used_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "wallet_settings",
        sa.Column("issuer_id", sa.String(36), sa.ForeignKey("issuers.id"), primary_key=True),
        sa.Column("offers_enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("tx_code", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    for table in ("wallet_settings", "wallet_nonces", "wallet_credentials", "wallet_offers"):
        op.drop_table(table)
