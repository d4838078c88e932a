"""The mini-program and staff HTTP API, through the production app factory.

Every test in this folder carries the ``api`` marker, so one layer runs alone with ``pytest -m api``.
"""
import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = __file__.rsplit("/", 1)[0] + "/"
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.api)
