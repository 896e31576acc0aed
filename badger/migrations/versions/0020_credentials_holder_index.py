"""credentials: one index on (badge class, recipient lookup)

Bulk issuance asks, per chunk, which recipients of the chunk already hold a credential of the
badge class (``bulk.repository.holders``: achievement_id = ? AND recipient_lookup IN (...)).
With one index per column, SQLite's planner (no statistics) walked every credential of the badge
class for each chunk, so a job's cost grew with the square of its size; this index answers each
recipient with one probe, on SQLite and PostgreSQL alike.

Revision ID: 0020
Revises: 0018
"""

from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_credentials_achievement_lookup", "credentials", ["achievement_id", "recipient_lookup"])


def downgrade() -> None:
    op.drop_index("ix_credentials_achievement_lookup", table_name="credentials")
