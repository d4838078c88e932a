"""Whole processes: the CLI, the console in Chromium, nginx in front of two servers, outages of PostgreSQL and Redis.

Every test in this folder carries the ``e2e`` marker, so one layer runs alone with ``pytest -m e2e``.
"""
from tests.support.env import layer_marker

pytest_collection_modifyitems = layer_marker("e2e")
