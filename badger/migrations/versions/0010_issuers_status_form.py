"""issuers: the credentialStatus form of their Open Badges (one revocation entry by default)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # "ob3" for every issuer, existing ones too: from now on their credentials carry one
    # credentialStatus object (revocation), the form the published 1EdTech schema accepts.
    # Credentials already issued keep their signed array and go on verifying.
    with op.batch_alter_table("issuers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_form", sa.String(length=8), nullable=False, server_default="ob3"))


def downgrade() -> None:
    with op.batch_alter_table("issuers", schema=None) as batch_op:
        batch_op.drop_column("status_form")
