"""badge class editor fields: draft state and English texts

Drafts (``published`` false) are made in the dashboard: they cannot be issued and have no
public page. Every badge class that existed before this revision was created published
(API, command line, demo), hence the server default. The signed Achievement carries the
French text; the English name, description and criteria live in these columns, for English
pages only.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("achievements") as batch:
        batch.add_column(sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("name_en", sa.String(300), nullable=True))
        batch.add_column(sa.Column("description_en", sa.Text(), nullable=True))
        batch.add_column(sa.Column("criteria_en", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("achievements") as batch:
        batch.drop_column("criteria_en")
        batch.drop_column("description_en")
        batch.drop_column("name_en")
        batch.drop_column("published")
