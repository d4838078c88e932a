"""Last-good copies of read-mostly database reads, served while the database is unreachable.

Only for data that changes rarely and whose staleness cannot mislead anyone into a bad action
(the service windows, the training catalogue): while the database is down nothing can be booked
or signed up for anyway. Each copy lives in this process's memory and belongs to one database
connection set-up (``chuangye.db.db_generation``), so a copy never outlives the database it came from.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Awaitable, Callable, Generic, Hashable, TypeVar

from chuangye.db import db_generation, note_db_unavailable

from handlers.clock import TZ

T = TypeVar("T")


@dataclass
class Copy(Generic[T]):
    """A read's result; ``as_of`` is None when it is fresh, else when the copy served was read."""

    value: T
    as_of: datetime | None = None


class LastGood(Generic[T]):
    def __init__(self, max_keys: int = 32) -> None:
        self.max_keys = max_keys
        self._copies: OrderedDict[tuple[int, Hashable], tuple[T, datetime]] = OrderedDict()

    async def read(self, load: Callable[[], Awaitable[T]], key: Hashable = None) -> Copy[T]:
        """``load()``'s result, kept; when the database is unreachable, the last one kept (else it raises)."""
        slot = (db_generation(), key)
        try:
            value = await load()
        except Exception as exc:
            kept = self._copies.get(slot)
            if kept is None or not note_db_unavailable(exc):
                raise
            return Copy(kept[0], kept[1])
        self._copies[slot] = (value, datetime.now(TZ))
        self._copies.move_to_end(slot)
        for old in [s for s in self._copies if s[0] != slot[0]]:
            del self._copies[old]
        while len(self._copies) > self.max_keys:
            self._copies.popitem(last=False)
        return Copy(value)
