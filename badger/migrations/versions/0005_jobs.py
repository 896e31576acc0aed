"""bulk issuance jobs and their rows

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Bulk/jobs helper (badger.bulk.models). Credentials issued by a job carry the
    # idempotency key "bulk:<achievement id>:<recipient lookup>": the existing unique
    # constraint (issuer_id, idempotency_key) is what guarantees one holder per badge class
    # across re-runs and concurrent jobs; nothing to add to the credentials table.
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("issuer_id", sa.String(36), sa.ForeignKey("issuers.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("achievement_id", sa.String(36), sa.ForeignKey("achievements.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_label", sa.String(320), nullable=True),
        sa.Column("source", sa.String(300), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_jobs_issuer_created", "jobs", ["issuer_id", "created_at"])
    op.create_index("ix_jobs_state_lease", "jobs", ["state", "lease_until"])
    op.create_table(
        "job_rows",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(36), sa.ForeignKey("jobs.id"), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("evidence_url", sa.Text(), nullable=True),
        sa.Column("narrative", sa.Text(), nullable=True),
        sa.Column("recipient_lookup", sa.String(64), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("credential_id", sa.String(36), nullable=True),
        sa.Column("problem_code", sa.String(64), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.UniqueConstraint("job_id", "line", name="uq_job_rows_job_line"),
    )
    op.create_index("ix_job_rows_job_state_line", "job_rows", ["job_id", "state", "line"])


def downgrade() -> None:
    op.drop_index("ix_job_rows_job_state_line", table_name="job_rows")
    op.drop_table("job_rows")
    op.drop_index("ix_jobs_state_lease", table_name="jobs")
    op.drop_index("ix_jobs_issuer_created", table_name="jobs")
    op.drop_table("jobs")
