"""The one clock of the service: Asia/Shanghai, "now" (which tests may freeze), day bounds.

Every date a user or staff member sees is China's date, whatever zone the server runs in.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


class Clock:
    """Wall clock in Asia/Shanghai that tests can freeze and move."""

    def __init__(self) -> None:
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        return self._frozen if self._frozen is not None else datetime.now(TZ)

    def freeze(self, at: datetime) -> None:
        self._frozen = at

    def advance(self, **delta: float) -> None:
        self._frozen = self.now() + timedelta(**delta)

    def reset(self) -> None:
        self._frozen = None


clock = Clock()


def now() -> datetime:
    return clock.now()


def today() -> date:
    return clock.now().date()


def local(dt: datetime | None) -> datetime | None:
    """``dt`` in Asia/Shanghai (None stays None)."""
    return dt.astimezone(TZ) if dt is not None else None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The start of ``day`` and of the next day, in Asia/Shanghai."""
    start = datetime(day.year, day.month, day.day, tzinfo=TZ)
    return start, start + timedelta(days=1)
