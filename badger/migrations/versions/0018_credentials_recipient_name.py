"""credentials: the recipient's name as a column, so that lists search and sort it in SQL

The name is in the signed document (credentialSubject.identifier, identityType "name"); it is
copied into ``recipient_name`` at issuance, and here for the credentials already issued. The
e-mail stays stored only as a keyed hash (``recipient_lookup``).

Revision ID: 0018
Revises: 0017
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _name(document: str) -> str | None:
    try:
        subject = json.loads(document).get("credentialSubject") or {}
    except (ValueError, AttributeError):
        return None
    subject = subject[0] if isinstance(subject, list) and subject else subject
    identifiers = subject.get("identifier") if isinstance(subject, dict) else None
    for identifier in identifiers if isinstance(identifiers, list) else []:
        if (
            isinstance(identifier, dict)
            and identifier.get("identityType") == "name"
            and identifier.get("hashed") is False
        ):
            value = identifier.get("identityHash")
            return value[:300] if isinstance(value, str) else None
    return None


def upgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_name", sa.String(length=300), nullable=True))
        batch_op.create_index("ix_credentials_recipient_name", ["recipient_name"])
    bind = op.get_bind()
    credentials = sa.table(
        "credentials",
        sa.column("id", sa.String),
        sa.column("document", sa.Text),
        sa.column("recipient_name", sa.String),
    )
    last = ""
    while True:
        batch = bind.execute(
            sa.select(credentials.c.id, credentials.c.document)
            .where(credentials.c.id > last)
            .order_by(credentials.c.id)
            .limit(500)
        ).all()
        if not batch:
            break
        for credential_id, document in batch:
            name = _name(document or "")
            if name:
                bind.execute(credentials.update().where(credentials.c.id == credential_id).values(recipient_name=name))
        last = batch[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index("ix_credentials_recipient_name")
        batch_op.drop_column("recipient_name")
