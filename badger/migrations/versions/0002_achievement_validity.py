"""badge class validity period

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("achievements") as batch:
        batch.add_column(sa.Column("valid_for_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("achievements") as batch:
        batch.drop_column("valid_for_days")
