"""Customer numbers, location codes and item codes unique regardless of case

`C-000158` and `c-000158` were two customers, `MAIN` and `main` two locations of one customer.
A unique index on each folded identifier (server/db/identity.py: A-Z lowered) makes them one.
Where the data already holds such pairs the migration stops, changing nothing, and lists them
for a person to rename: it never renames on its own.

Revision ID: 0005
Revises: 0004
"""

import string

import sqlalchemy as sa
from alembic import op

from server.db.migrate import MigrationStopped

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (index, table, the columns that scope it, the identifier, what a person calls it)
INDEXES = (
    ("uq_customers_number_folded", "customers", (), "number", "customer number"),
    (
        "uq_locations_customer_id_code_folded",
        "locations",
        ("customer_id",),
        "code",
        "location code",
    ),
    ("uq_items_code_folded", "items", (), "code", "item code"),
)


def _folded(column: str) -> str:
    """The SQL of server/db/identity.folded, written out: a migration keeps its own copy."""
    if op.get_bind().dialect.name == "postgresql":
        return f"translate({column}, '{string.ascii_uppercase}', '{string.ascii_lowercase}')"
    return f"lower({column})"


def _clashes(table: str, scope: tuple[str, ...], column: str, what: str) -> list[str]:
    """One line per group of rows whose identifiers differ only in case."""
    keys = ", ".join((*scope, _folded(column)))
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                f"SELECT id, {', '.join((*scope, column))}, {_folded(column)} AS folded FROM {table} "
                f"WHERE ({keys}) IN (SELECT {keys} FROM {table} GROUP BY {keys} HAVING count(*) > 1) "
                f"ORDER BY {keys}, id"
            )
        )
        .all()
    )
    groups: dict[tuple[object, ...], list[str]] = {}
    for row in rows:
        groups.setdefault((*row[1:-2], row[-1]), []).append(f"{row[-2]!r} (id {row[0]})")
    owner = " of customer id {}" if scope else ""
    return [
        f"{what}s{owner.format(*key[:-1])}: {', '.join(found)}" for key, found in groups.items()
    ]


def upgrade() -> None:
    found = [
        line
        for _index, table, scope, column, what in INDEXES
        for line in _clashes(table, scope, column, what)
    ]
    if found:
        raise MigrationStopped(
            "migration 0005 stopped and changed nothing: these identifiers differ only in case, and "
            "must differ in more before they can be unique regardless of case. Rename all but one of "
            "each group (updateCustomer, updateLocation, updateItem), then migrate again:\n  "
            + "\n  ".join(found)
        )
    for index, table, scope, column, _what in INDEXES:
        op.create_index(index, table, [*scope, sa.text(_folded(column))], unique=True)


def downgrade() -> None:
    for index, table, *_rest in INDEXES:
        op.drop_index(index, table_name=table)
