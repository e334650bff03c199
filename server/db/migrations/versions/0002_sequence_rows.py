"""Create every number sequence's row up front

Taking a number is an UPDATE of the sequence's row; a row created on first use let two
concurrent first numbers collide on PostgreSQL.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NAMES = ("customer", "sales_order", "job_order", "invoice", "credit", "draft", "payment", "lead")


def upgrade() -> None:
    sequences = sa.table(
        "sequences", sa.column("name", sa.String), sa.column("last_value", sa.BigInteger)
    )
    existing = {row[0] for row in op.get_bind().execute(sa.select(sequences.c.name))}
    op.bulk_insert(
        sequences, [{"name": name, "last_value": 0} for name in NAMES if name not in existing]
    )


def downgrade() -> None:
    pass
