"""Pure functions and data: no database, no server, no network.

Every test in this folder carries the ``unit`` marker, so one layer runs alone with ``pytest -m unit``.
"""
from tests.support.env import layer_marker

pytest_collection_modifyitems = layer_marker("unit")
