"""suspension, status reasons, audit log, verification counts

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("issuer_id", sa.String(36), sa.ForeignKey("issuers.id"), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_label", sa.String(320), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(512), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_audit_events_issuer_at", "audit_events", ["issuer_id", "at"])

    # Suspension (a second Bitstring Status List entry per credential), when the
    # status changed, and verification counts per badge class. A unique index rather than a
    # constraint: SQLite adds it without rebuilding the table; NULLs (credentials issued before
    # suspension existed) never clash.
    with op.batch_alter_table("credentials") as batch_op:
        batch_op.add_column(sa.Column("suspension_index", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("uq_credentials_issuer_suspension_index", ["issuer_id", "suspension_index"], unique=True)
    op.create_table(
        "verification_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("credential_id", sa.String(36), sa.ForeignKey("credentials.id"), nullable=False),
        sa.Column("achievement_id", sa.String(36), sa.ForeignKey("achievements.id"), nullable=False),
        sa.Column("issuer_id", sa.String(36), sa.ForeignKey("issuers.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_verification_events_issuer_achievement", "verification_events", ["issuer_id", "achievement_id"])
    op.create_index("ix_verification_events_credential", "verification_events", ["credential_id"])


def downgrade() -> None:
    op.drop_index("ix_verification_events_credential", table_name="verification_events")
    op.drop_index("ix_verification_events_issuer_achievement", table_name="verification_events")
    op.drop_table("verification_events")
    with op.batch_alter_table("credentials") as batch_op:
        batch_op.drop_index("uq_credentials_issuer_suspension_index")
        batch_op.drop_column("status_changed_at")
        batch_op.drop_column("suspension_index")
    op.drop_index("ix_audit_events_issuer_at", table_name="audit_events")
    op.drop_table("audit_events")
