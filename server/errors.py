"""Domain errors: what services raise and the API turns into `userErrors` or GraphQL errors."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator, Sequence


class ErrorCode(enum.Enum):
    """The contract's `ErrorCode`: stable codes of a rule broken by a mutation's input."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    STALE_VERSION = "STALE_VERSION"
    CREDIT_HOLD = "CREDIT_HOLD"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    OVER_APPLIED = "OVER_APPLIED"
    FORBIDDEN = "FORBIDDEN"


class Problem:
    """One broken rule: a code, a message that says what to do, and the path of the input field."""

    __slots__ = ("code", "message", "field")

    def __init__(self, code: ErrorCode, message: str, field: Sequence[str] | None = None) -> None:
        self.code = code
        self.message = message
        self.field = list(field) if field is not None else None

    def __repr__(self) -> str:
        return f"Problem({self.code.name}, {self.message!r}, field={self.field})"


class DomainError(Exception):
    """Raised by a service when input breaks a rule; nothing has been written.

    Carries every problem found, so a form can show them all at once.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)

    @classmethod
    def one(cls, code: ErrorCode, message: str, field: Sequence[str] | None = None) -> DomainError:
        return cls([Problem(code, message, field)])


class Problems:
    """Collects problems while validating, then raises them together."""

    def __init__(self, prefix: Sequence[str] = ("input",)) -> None:
        self.prefix = list(prefix)
        self.items: list[Problem] = []

    def add(self, code: ErrorCode, message: str, *field: str) -> None:
        self.items.append(Problem(code, message, [*self.prefix, *field]))

    def __bool__(self) -> bool:
        return bool(self.items)

    def at(self, *field: str) -> bool:
        """Whether a problem names this field already (one missing value is reported once)."""
        path = [*self.prefix, *field]
        return any(p.field == path for p in self.items)

    @contextlib.contextmanager
    def gathering(self) -> Iterator[None]:
        """Runs a check that raises its `DomainError` at once (a taken number, a stale version),
        keeping its problems with the others, so that all of them are answered together."""
        try:
            yield
        except DomainError as error:
            self.items += error.problems

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainError(self.items)


class NotAuthenticated(Exception):
    """No user: the request is refused with UNAUTHENTICATED."""


class NotImplementedYet(Exception):
    """A contract field whose rules belong to a later release answers NOT_IMPLEMENTED."""
