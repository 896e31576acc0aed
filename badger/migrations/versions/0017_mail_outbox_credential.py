"""mail_outbox.credential_id: the credential an e-mail is about (delivery status per credential
on the dashboard, and the resend); filled in for the rows already there from their context

Revision ID: 0017
Revises: 0016
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credential_id", sa.String(36), nullable=True))
        batch_op.create_index("ix_mail_outbox_credential", ["credential_id"])
    bind = op.get_bind()
    outbox = sa.table(
        "mail_outbox",
        sa.column("id", sa.Integer),
        sa.column("template", sa.String),
        sa.column("context", sa.Text),
        sa.column("credential_id", sa.String),
    )
    rows = bind.execute(sa.select(outbox.c.id, outbox.c.context).where(outbox.c.template == "credential_issued"))
    for message_id, context in list(rows):
        try:
            credential = json.loads(context).get("credential")
        except (ValueError, AttributeError):
            continue
        if isinstance(credential, str) and len(credential) <= 36:
            bind.execute(outbox.update().where(outbox.c.id == message_id).values(credential_id=credential))


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_outbox_credential")
        batch_op.drop_column("credential_id")
