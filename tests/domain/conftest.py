"""Use cases (handlers/) on a real database and store: SQLite + in-process store and PostgreSQL + Redis.

Every test in this folder carries the ``domain`` marker, so one layer runs alone with ``pytest -m domain``.
"""
import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = __file__.rsplit("/", 1)[0] + "/"
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.domain)
