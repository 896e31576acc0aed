"""learner accounts (addresses, one-time links, imported badges, public choices) and the OB 3.0
API (OAuth clients, codes, tokens; connections to other hosts)

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "learners",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("public_slug", sa.String(64), unique=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "learner_addresses",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("lookup", sa.String(64), nullable=False, unique=True),
        sa.Column("confirmed_at", _TS, nullable=False),
    )
    op.create_table(
        "learner_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("lookup", sa.String(64), nullable=False, index=True),
        sa.Column("learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), index=True),
        sa.Column("created_at", _TS, nullable=False, index=True),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS),
    )
    op.create_table(
        "learner_badges",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("original", sa.LargeBinary(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("credential_id", sa.String(512)),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("issuer_name", sa.String(300), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("added_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False, index=True),
        sa.UniqueConstraint("learner_id", "credential_id"),
    )
    op.create_table(
        "learner_public_badges",
        sa.Column("learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "credential_id", sa.String(36), sa.ForeignKey("credentials.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_table(
        "obapi_clients",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("metadata_json", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "obapi_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column(
            "client_id",
            sa.String(64),
            sa.ForeignKey("obapi_clients.client_id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.String(128), nullable=False),
        sa.Column("code_challenge_method", sa.String(8), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
    )
    op.create_table(
        "obapi_tokens",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "client_id",
            sa.String(64),
            sa.ForeignKey("obapi_clients.client_id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("access_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("refresh_hash", sa.String(64), unique=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("refresh_expires_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS),
    )
    op.create_table(
        "obapi_connections",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "learner_id", sa.String(36), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("host", sa.String(300), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("endpoints_json", sa.Text(), nullable=False),
        sa.Column("client_id", sa.String(300), nullable=False),
        sa.Column("client_secret", sa.LargeBinary(), nullable=False),
        sa.Column("state_hash", sa.String(64), unique=True),
        sa.Column("verifier", sa.LargeBinary()),
        sa.Column("token", sa.LargeBinary()),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS),
        sa.Column("last_push_at", _TS),
        sa.Column("pushed", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "obapi_connections",
        "obapi_tokens",
        "obapi_codes",
        "obapi_clients",
        "learner_public_badges",
        "learner_badges",
        "learner_tokens",
        "learner_addresses",
        "learners",
    ):
        op.drop_table(table)
