"""Whole processes: the CLI, the console in Chromium, nginx in front of two servers, outages of PostgreSQL and Redis.

Every test in this folder carries the ``e2e`` marker, so one layer runs alone with ``pytest -m e2e``.
"""
import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = __file__.rsplit("/", 1)[0] + "/"
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.e2e)
