"""The mini-program and staff HTTP API, through the production app factory.

Every test in this folder carries the ``api`` marker, so one layer runs alone with ``pytest -m api``.
"""
from tests.support.env import layer_marker

pytest_collection_modifyitems = layer_marker("api")
