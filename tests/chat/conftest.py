"""The official-account callback and the chat flows, through the real callback and wechatpy.

Every test in this folder carries the ``chat`` marker, so one layer runs alone with ``pytest -m chat``.
"""
from tests.support.env import layer_marker

pytest_collection_modifyitems = layer_marker("chat")
