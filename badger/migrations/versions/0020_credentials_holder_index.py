"""credentials: one index on (badge class, recipient lookup)

Bulk issuance asks, per chunk, which recipients of the chunk already hold a credential of the
badge class (``bulk.repository.holders``: achievement_id = ? AND recipient_lookup IN (...)).
With one index per column, SQLite's planner (no statistics) walked every credential of the badge
class for each chunk, so a job's cost grew with the square of its size; this index answers each
recipient with one probe, on SQLite and PostgreSQL alike. It replaces the index on achievement_id
alone (its first column serves the same queries), so an insert maintains no more indexes than
before.

Revision ID: 0020
Revises: 0018
"""

from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index("ix_credentials_achievement_lookup", ["achievement_id", "recipient_lookup"])
        batch_op.drop_index("ix_credentials_achievement_id")


def downgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index("ix_credentials_achievement_id", ["achievement_id"])
        batch_op.drop_index("ix_credentials_achievement_lookup")
