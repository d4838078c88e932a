"""The official-account callback and the chat flows, through the real callback and wechatpy.

Every test in this folder carries the ``chat`` marker, so one layer runs alone with ``pytest -m chat``.
"""
import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = __file__.rsplit("/", 1)[0] + "/"
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.chat)
