"""Use cases (handlers/) on a real database and store: SQLite + in-process store and PostgreSQL + Redis.

Every test in this folder carries the ``domain`` marker, so one layer runs alone with ``pytest -m domain``.
"""
from tests.support.env import layer_marker

pytest_collection_modifyitems = layer_marker("domain")
