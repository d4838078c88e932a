"""A serving process keeps what start-up built out of the garbage collector's full passes
(server/app.py ``_gc_ctx``): frozen after start-up and again after each knowledge reload, with the
garbage collected first; everything thawed when the app stops."""
from __future__ import annotations

import argparse
import gc
import weakref
from typing import Any

import pytest

from chuangye import appkeys as K
from handlers.knowledge_ops import sync as kb_sync


class _Node:
    """A weak-referenceable object tracked by the collector."""

    def __init__(self) -> None:
        self.other: Any = None


def _tracked(obj: object) -> bool:
    """Whether a collection would walk ``obj`` (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


@pytest.fixture
def thawed() -> Any:
    gc.unfreeze()
    yield
    gc.unfreeze()


async def test_a_serving_app_freezes_after_start_up_and_thaws_when_it_stops(aiohttp_client, config, thawed):
    from server.app import create_app

    client = await aiohttp_client(create_app(config, freeze_gc=True))
    assert (await client.get("/healthz")).status == 200
    assert gc.get_freeze_count() > 10_000  # the index, the modules, the libraries' tables
    assert not _tracked(client.app[K.KB])
    await client.close()
    assert gc.get_freeze_count() == 0


async def test_after_a_knowledge_reload_the_new_index_is_frozen_and_old_frozen_garbage_is_collected(
        aiohttp_client, config, thawed):
    from server.app import create_app

    client = await aiohttp_client(create_app(config, freeze_gc=True))
    app = client.app
    # Garbage that was frozen while it was alive (an earlier index in a reference cycle, say):
    # only an unfreeze and a collection can free it.
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    gc.freeze()
    del a, b
    fresh = _Node()  # built after start-up, alive: what a reload's new index is
    assert _tracked(fresh) and gone() is not None

    assert await kb_sync.sync_for(app[K.EXTRA], app[K.KB]).refresh(force=True)

    assert gone() is None
    assert not _tracked(fresh)
    assert (await client.post("/api/v1/ask", json={"question": "创业担保贷款能贷多少"})).status == 200


async def test_apps_built_without_it_leave_the_collector_alone(client, thawed):
    assert (await client.get("/healthz")).status == 200
    assert gc.get_freeze_count() == 0


def test_chuangye_serve_builds_the_app_with_the_freeze(monkeypatch, tmp_path):
    from aiohttp import web

    import server.app
    from chuangye.config import config_from_dict
    from server.cli import cmd_serve
    from tests.support.env import base_settings

    built: dict[str, Any] = {}
    monkeypatch.setattr(server.app, "create_app", lambda config, **kw: built.update(kw) or web.Application())
    monkeypatch.setattr(web, "run_app", lambda app, **kw: built.setdefault("served", app))
    config = config_from_dict(base_settings(f"sqlite://{tmp_path}/x.db", None))
    args = argparse.Namespace(host="127.0.0.1", port=8099)
    assert cmd_serve(args, config) == 0
    assert built["freeze_gc"] is True and "served" in built
