"""Gapless document numbers that are unique and never reused, also under concurrency.

One row per sequence; taking a number is an `UPDATE ... RETURNING` on that row, which holds the
row lock (PostgreSQL) or the write lock (SQLite, `BEGIN IMMEDIATE`) until the transaction ends.
A rolled-back transaction gives its number back, so numbers have no gaps.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, QueryableAttribute, mapped_column

from server.db.base import Base
from server.db.identity import fold, folded

FORMATS = {
    "customer": "C-{:06d}",
    "sales_order": "SO-{:06d}",
    "job_order": "JO-{:06d}",
    "invoice": "IN-{:06d}",
    "credit": "CR-{:06d}",
    "draft": "DRAFT-{:06d}",
    "payment": "PY-{:06d}",
    "lead": "{:d}",
}


class Sequence(Base):
    __tablename__ = "sequences"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)


async def next_value(session: AsyncSession, name: str) -> int:
    """The next number of a sequence, inside the caller's transaction."""
    stmt = (
        update(Sequence)
        .where(Sequence.name == name)
        .values(last_value=Sequence.last_value + 1)
        .returning(Sequence.last_value)
    )
    value = (await session.execute(stmt)).scalar_one_or_none()
    if value is None:
        raise LookupError(f"no sequence {name!r}: every sequence gets its row in a migration")
    return value


async def next_number(
    session: AsyncSession, name: str, taken: QueryableAttribute[str] | None = None
) -> str:
    """The next formatted number; with `taken` (a column), skips numbers given by hand, in any
    case (a hand-made c-000005 takes C-000005)."""
    while True:
        number = FORMATS[name].format(await next_value(session, name))
        if taken is None:
            return number
        exists = await session.execute(select(taken).where(folded(taken) == fold(number)).limit(1))
        if exists.first() is None:
            return number


async def peek(session: AsyncSession, name: str) -> int:
    value = await session.scalar(select(Sequence.last_value).where(Sequence.name == name))
    return value or 0
