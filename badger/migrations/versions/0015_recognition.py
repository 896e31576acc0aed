"""open recognition: earning modes, badge requests with evidence and reviews, jury members,
claim windows and attempts, endorsements of learners' credentials; bulk rows get awarded_date

Tables only, plus one nullable column on job_rows: see badger/recognition/models.py.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("job_rows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awarded_date", sa.String(40), nullable=True))
    op.create_table(
        "recognition_modes",
        sa.Column("achievement_id", sa.String(36), sa.ForeignKey("achievements.id"), primary_key=True),
        sa.Column("issuer_id", sa.String(36), sa.ForeignKey("issuers.id"), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("jury_size", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_recognition_modes_issuer_id", "recognition_modes", ["issuer_id"])
    op.create_table(
        "jury_members",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("issuer_id", sa.String(36), sa.ForeignKey("issuers.id"), nullable=False),
        sa.Column("achievement_id", sa.String(36), sa.ForeignKey("achievements.id"), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
    )
    op.create_index("ix_jury_members_issuer_id", "jury_members", ["issuer_id"])
    op.create_index("ix_jury_members_achievement_id", "jury_members", ["achievement_id"])
    op.create_table(
        "badge_requests",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("issuer_id", sa.String(36), sa.ForeignKey("issuers.id"), nullable=False),
        sa.Column("achievement_id", sa.String(36), sa.ForeignKey("achievements.id"), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("recipient_lookup", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("statements", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("claim_window_id", sa.String(36), nullable=True),
        sa.Column("credential_id", sa.String(36), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("confirmed_at", TZ, nullable=True),
        sa.Column("submitted_at", TZ, nullable=True),
        sa.Column("decided_at", TZ, nullable=True),
    )
    for column in ("issuer_id", "achievement_id", "recipient_lookup", "state"):
        op.create_index(f"ix_badge_requests_{column}", "badge_requests", [column])
    op.create_table(
        "request_evidence",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("request_id", sa.String(36), sa.ForeignKey("badge_requests.id"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(200), nullable=True),
        sa.Column("media_type", sa.String(64), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("digest", sa.String(120), nullable=True),
        sa.Column("public_token", sa.String(64), nullable=True, unique=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_request_evidence_request_id", "request_evidence", ["request_id"])
    op.create_table(
        "request_reviews",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("request_id", sa.String(36), sa.ForeignKey("badge_requests.id"), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("reviewer_label", sa.String(320), nullable=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_request_reviews_request_id", "request_reviews", ["request_id"])
    op.create_table(
        "claim_windows",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("issuer_id", sa.String(36), sa.ForeignKey("issuers.id"), nullable=False),
        sa.Column("milestone_id", sa.String(36), sa.ForeignKey("programme_milestones.id"), nullable=False),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("opens_at", TZ, nullable=False),
        sa.Column("closes_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_claim_windows_issuer_id", "claim_windows", ["issuer_id"])
    op.create_index("ix_claim_windows_milestone_id", "claim_windows", ["milestone_id"])
    op.create_table(
        "claim_attempts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_claim_attempts_client", "claim_attempts", ["client"])
    op.create_index("ix_claim_attempts_at", "claim_attempts", ["at"])
    op.create_table(
        "credential_endorsements",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("credential_id", sa.String(36), sa.ForeignKey("credentials.id"), nullable=False),
        sa.Column("endorser_id", sa.String(36), sa.ForeignKey("issuers.id"), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
        sa.UniqueConstraint("endorser_id", "credential_id", name="uq_credential_endorsements_endorser_credential"),
    )
    op.create_index("ix_credential_endorsements_credential_id", "credential_endorsements", ["credential_id"])
    op.create_index("ix_credential_endorsements_endorser_id", "credential_endorsements", ["endorser_id"])


def downgrade() -> None:
    for table in (
        "credential_endorsements",
        "claim_attempts",
        "claim_windows",
        "request_reviews",
        "request_evidence",
        "badge_requests",
        "jury_members",
        "recognition_modes",
    ):
        op.drop_table(table)
    with op.batch_alter_table("job_rows", schema=None) as batch_op:
        batch_op.drop_column("awarded_date")
