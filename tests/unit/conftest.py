"""Pure functions and data: no database, no server, no network.

Every test in this folder carries the ``unit`` marker, so one layer runs alone with ``pytest -m unit``.
"""
import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = __file__.rsplit("/", 1)[0] + "/"
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.unit)
