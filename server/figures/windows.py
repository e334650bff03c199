"""The date windows of the sales statistics (SPEC §4), all inclusive, for one asOf."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam

Span = tuple[dt.date, dt.date]


def span_parameters(name: str) -> tuple[Any, Any]:
    """The bind parameters of a window in a statement built once: `<name>_from`, `<name>_to`."""
    return bindparam(f"{name}_from"), bindparam(f"{name}_to")


def year_earlier(day: dt.date) -> dt.date:
    """The same day one year earlier; 29 February maps to 28 February."""
    if day.month == 2 and day.day == 29:
        return dt.date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


@dataclass(frozen=True)
class Windows:
    as_of: dt.date

    @property
    def last30(self) -> Span:
        return self.as_of - dt.timedelta(days=29), self.as_of

    @property
    def previous30(self) -> Span:
        return self.as_of - dt.timedelta(days=59), self.as_of - dt.timedelta(days=30)

    @property
    def mtd_this_year(self) -> Span:
        return self.as_of.replace(day=1), self.as_of

    @property
    def mtd_last_year(self) -> Span:
        end = year_earlier(self.as_of)
        return end.replace(day=1), end

    @property
    def ytd_this_year(self) -> Span:
        return self.as_of.replace(month=1, day=1), self.as_of

    @property
    def ytd_last_year(self) -> Span:
        end = year_earlier(self.as_of)
        return end.replace(month=1, day=1), end

    @property
    def last12_months(self) -> Span:
        """asOf minus one year (exclusive) .. asOf."""
        return year_earlier(self.as_of) + dt.timedelta(days=1), self.as_of

    @property
    def previous12_months(self) -> Span:
        start = self.last12_months[0]
        return year_earlier(start - dt.timedelta(days=1)) + dt.timedelta(
            days=1
        ), start - dt.timedelta(days=1)

    @property
    def last365(self) -> Span:
        """The 365 days up to asOf, for days sales outstanding."""
        return self.as_of - dt.timedelta(days=364), self.as_of

    def parameters(self, *names: str) -> dict[str, dt.date]:
        """The values of `span_parameters(name)` for each window named."""
        values: dict[str, dt.date] = {}
        for name in names:
            values[f"{name}_from"], values[f"{name}_to"] = getattr(self, name)
        return values

    @property
    def earliest(self) -> dt.date:
        return min(
            span[0]
            for span in (self.previous12_months, self.ytd_last_year, self.previous30, self.last365)
        )
