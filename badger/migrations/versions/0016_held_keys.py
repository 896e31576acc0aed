"""keys Badger holds for learner accounts (did:web, endorsement signing), and endorsements of a
learner's credential by another learner (endorser named by DID instead of a partner)

See badger/issuers/models.py (HeldKey) and badger/recognition/models.py (CredentialEndorsement).

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "held_keys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=True, unique=True),
        sa.Column("did", sa.String(512), nullable=False, unique=True),
        sa.Column("fragment", sa.String(64), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=True),
        sa.Column("private_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("retired_at", TZ, nullable=True),
    )
    with op.batch_alter_table("credential_endorsements", schema=None) as batch_op:
        batch_op.alter_column("endorser_id", existing_type=sa.String(36), nullable=True)
        batch_op.add_column(sa.Column("endorser_did", sa.String(512), nullable=True))
        batch_op.add_column(sa.Column("endorser_name", sa.String(200), nullable=True))
        batch_op.create_unique_constraint(
            "uq_credential_endorsements_did_credential", ["endorser_did", "credential_id"]
        )
        batch_op.create_index("ix_credential_endorsements_endorser_did", ["endorser_did"])


def downgrade() -> None:
    op.execute("DELETE FROM credential_endorsements WHERE endorser_id IS NULL")
    with op.batch_alter_table("credential_endorsements", schema=None) as batch_op:
        batch_op.drop_index("ix_credential_endorsements_endorser_did")
        batch_op.drop_constraint("uq_credential_endorsements_did_credential", type_="unique")
        batch_op.drop_column("endorser_name")
        batch_op.drop_column("endorser_did")
        batch_op.alter_column("endorser_id", existing_type=sa.String(36), nullable=False)
    op.drop_table("held_keys")
