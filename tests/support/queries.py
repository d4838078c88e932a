"""Count the SQL statements Tortoise sends, and the rows each brings back (query-count tests)."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

_METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many", "execute_script")


@dataclass
class Recorded:
    statements: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # rows returned by each SELECT

    def __len__(self) -> int:
        return len(self.statements)


@contextmanager
def recorded_queries() -> Iterator[Recorded]:
    """Every statement sent through the default connection's client class while inside the block."""
    from tortoise import connections

    cls = type(connections.get("default"))
    seen = Recorded()
    originals = {name: getattr(cls, name) for name in _METHODS}
    own = {name for name in _METHODS if name in vars(cls)}

    def wrap(name: str) -> Any:
        original = originals[name]

        async def recorded(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            seen.statements.append(query)
            result = await original(self, query, *args, **kwargs)
            if name == "execute_query_dict":
                seen.rows.append(len(result))
            elif name == "execute_query":
                seen.rows.append(len(result[1]))
            return result

        return recorded

    for name in _METHODS:
        setattr(cls, name, wrap(name))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            if name in own:
                setattr(cls, name, original)
            else:
                delattr(cls, name)
