"""status lists: a sequence of lists per issuer and purpose, indexes given in a secret order

Indexes were drawn at random in one list per issuer and purpose, each draw checked against the
credentials already stored. As a list filled up, more draws missed (at three quarters full,
four draws per index), concurrent issuers could draw the same index, and a full list had no
room left at all. Now each list has a secret seed from which the order of its indexes is
derived (badger.status.order), a counter gives its positions out in turn
(``status_list_counters``), and a full list is followed by the next one (``sequence``).

Lists made before this revision drew their indexes at random: they keep their seedless row and
their credentials and take no new ones (the next credential starts list 1).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# The constraint on (issuer_id, purpose) had no name: PostgreSQL named it, and a SQLite
# batch (which reflects the table) names it through this convention.
_CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
_OLD_NAMES = {"postgresql": "status_lists_issuer_id_purpose_key"}


def _old_name() -> str:
    return _OLD_NAMES.get(op.get_bind().dialect.name, "uq_status_lists_issuer_id_purpose")


def upgrade() -> None:
    with op.batch_alter_table("status_lists", naming_convention=_CONVENTION) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("seed", sa.LargeBinary(), nullable=True))
        batch_op.drop_constraint(_old_name(), type_="unique")
        batch_op.create_unique_constraint(
            "uq_status_lists_issuer_purpose_sequence", ["issuer_id", "purpose", "sequence"]
        )
    op.create_table(
        "status_list_counters",
        sa.Column("list_id", sa.String(length=36), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("list_id"),
    )


def downgrade() -> None:
    later = op.get_bind().execute(sa.text("SELECT count(*) FROM status_lists WHERE sequence > 0")).scalar_one()
    if later:
        raise RuntimeError(
            "some issuers have more than one status list; their credentials name lists the older"
            " schema cannot hold, so this revision cannot be undone"
        )
    op.drop_table("status_list_counters")
    with op.batch_alter_table("status_lists", naming_convention=_CONVENTION) as batch_op:
        batch_op.drop_constraint("uq_status_lists_issuer_purpose_sequence", type_="unique")
        batch_op.create_unique_constraint(_old_name(), ["issuer_id", "purpose"])
        batch_op.drop_column("seed")
        batch_op.drop_column("sequence")
