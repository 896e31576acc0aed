"""programmes, rosters, attendance, pathways, endorsements, learner links

Tables only (no change to existing ones): see badger/store/programmes_models.py. The unique
constraint on pathway_awards (pathway_id, recipient_lookup) is what makes a pathway credential
issued once per learner, whatever the concurrency.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programmes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("issuer_id", sa.String(36), sa.ForeignKey("issuers.id"), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("issuer_id", "name", name="uq_programmes_issuer_name"),
    )
    op.create_index("ix_programmes_issuer_id", "programmes", ["issuer_id"])
    op.create_table(
        "programme_milestones",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("programme_id", sa.String(36), sa.ForeignKey("programmes.id"), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("achievement_id", sa.String(36), sa.ForeignKey("achievements.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_job_id", sa.String(64), nullable=True),
        sa.UniqueConstraint("programme_id", "name", name="uq_programme_milestones_programme_name"),
    )
    op.create_index("ix_programme_milestones_programme_id", "programme_milestones", ["programme_id"])
    op.create_index("ix_programme_milestones_achievement_id", "programme_milestones", ["achievement_id"])
    op.create_table(
        "programme_participants",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("programme_id", sa.String(36), sa.ForeignKey("programmes.id"), nullable=False),
        sa.Column("recipient_lookup", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("organisation", sa.String(300), nullable=True),
        sa.Column("role", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("programme_id", "recipient_lookup", name="uq_programme_participants_lookup"),
    )
    op.create_index("ix_programme_participants_programme_id", "programme_participants", ["programme_id"])
    op.create_index("ix_programme_participants_recipient_lookup", "programme_participants", ["recipient_lookup"])
    op.create_table(
        "programme_attendance",
        sa.Column("milestone_id", sa.String(36), sa.ForeignKey("programme_milestones.id"), primary_key=True),
        sa.Column("participant_id", sa.String(36), sa.ForeignKey("programme_participants.id"), primary_key=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marked_by", sa.String(200), nullable=True),
    )
    op.create_table(
        "pathways",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("issuer_id", sa.String(36), sa.ForeignKey("issuers.id"), nullable=False),
        sa.Column("achievement_id", sa.String(36), sa.ForeignKey("achievements.id"), nullable=False),
        sa.Column("rule", sa.String(8), nullable=False),
        sa.Column("required_count", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("achievement_id", name="uq_pathways_achievement"),
    )
    op.create_index("ix_pathways_issuer_id", "pathways", ["issuer_id"])
    op.create_table(
        "pathway_requirements",
        sa.Column("pathway_id", sa.String(36), sa.ForeignKey("pathways.id"), primary_key=True),
        sa.Column("achievement_id", sa.String(36), sa.ForeignKey("achievements.id"), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "pathway_awards",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("pathway_id", sa.String(36), sa.ForeignKey("pathways.id"), nullable=False),
        sa.Column("recipient_lookup", sa.String(64), nullable=False),
        sa.Column("credential_id", sa.String(36), sa.ForeignKey("credentials.id"), nullable=False),
        sa.Column("components", sa.Text(), nullable=False),
        sa.Column("suspended_for", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("pathway_id", "recipient_lookup", name="uq_pathway_awards_recipient"),
    )
    op.create_index("ix_pathway_awards_pathway_id", "pathway_awards", ["pathway_id"])
    op.create_index("ix_pathway_awards_credential_id", "pathway_awards", ["credential_id"])
    op.create_table(
        "endorsements",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("endorser_id", sa.String(36), sa.ForeignKey("issuers.id"), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target_id", sa.String(36), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("endorser_id", "target_kind", "target_id", name="uq_endorsements_target"),
    )
    op.create_index("ix_endorsements_endorser_id", "endorsements", ["endorser_id"])
    op.create_index("ix_endorsements_target_id", "endorsements", ["target_id"])
    op.create_table(
        "learner_links",
        sa.Column("recipient_lookup", sa.String(64), primary_key=True),
        sa.Column("generation", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_learner_links_token_hash"),
    )


def downgrade() -> None:
    for table in (
        "learner_links",
        "endorsements",
        "pathway_awards",
        "pathway_requirements",
        "pathways",
        "programme_attendance",
        "programme_participants",
        "programme_milestones",
        "programmes",
    ):
        op.drop_table(table)
