"""The digits of each phone number, for searches that ignore punctuation and spaces

`(312) 555-0101` and `312-555-0101` are one number; a search finds both by the digits kept
beside them (server/customers/phones.py). The rows written before get theirs here.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from server.customers import phones

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

LENGTHS = {"customers": 50, "locations": 50, "contacts": 160}
CHUNK = 5_000


def upgrade() -> None:
    for name, length in LENGTHS.items():
        op.add_column(name, sa.Column("phone_digits", sa.String(length=length), nullable=True))
        _fill(name)


def _fill(name: str) -> None:
    columns = phones.PHONE_COLUMNS[name]
    table = sa.table(
        name,
        sa.column("id", sa.Integer),
        sa.column("phone_digits", sa.String),
        *(sa.column(c, sa.String) for c in columns),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(table.c.id, *(table.c[c] for c in columns)).where(
            sa.or_(*(table.c[c].is_not(None) for c in columns))
        )
    ).all()
    found = [{"row_id": row.id, "found": phones.digits(*row[1:])} for row in rows]
    update = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values(phone_digits=sa.bindparam("found"))
    )
    for start in range(0, len(found), CHUNK):
        bind.execute(update, found[start : start + CHUNK])


def downgrade() -> None:
    for name in LENGTHS:
        op.drop_column(name, "phone_digits")
