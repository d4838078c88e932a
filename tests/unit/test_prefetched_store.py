"""One round trip for a message's dialogue keys (chuangye.store.PrefetchedStore, Store.get_many)."""
from __future__ import annotations

from chuangye.store import PrefetchedStore


async def test_get_many_reads_several_keys_missing_ones_as_none(store):
    await store.set("a", "1")
    await store.set("c", "3")
    assert await store.get_many(["a", "b", "c"]) == ["1", None, "3"]


async def test_a_prefetched_key_is_served_from_the_one_read_then_from_the_store(store):
    await store.set("dlg", "before")
    seen = await PrefetchedStore.prefetch(store, ["dlg", "none"])
    await store.set("dlg", "changed elsewhere")  # never happens under the user's lock; shows the source
    assert await seen.get("dlg") == "before"
    assert await seen.get("dlg") == "changed elsewhere"
    assert await seen.get("none") is None


async def test_a_write_through_the_prefetched_store_is_read_back(store):
    await store.set("dlg", "old")
    seen = await PrefetchedStore.prefetch(store, ["dlg", "mark", "n"])
    await seen.set_json("dlg", {"step": 2})
    assert await seen.get_json("dlg") == {"step": 2} and await store.get_json("dlg") == {"step": 2}
    await seen.set("mark", "x")
    await seen.delete("mark")
    assert await seen.get("mark") is None
    assert await seen.incr("n") == 1 and await seen.get("n") == "1"


async def test_a_store_that_cannot_be_read_is_used_as_it_is():

    class Broken:
        name = "redis"

        async def get_many(self, names):
            raise ConnectionError("refused")

    broken = Broken()
    assert await PrefetchedStore.prefetch(broken, ["dlg"]) is broken


async def test_write_many_sets_and_deletes_in_order(store):
    await store.set("gone", "x")
    await store.write_many([("a", "1", None), ("gone", None, None), ("b", "2", 60), ("a", "3", None)])
    assert await store.get_many(["a", "b", "gone"]) == ["3", "2", None]
    assert 0 < await store.ttl("b") <= 60


async def test_deferred_writes_are_read_back_here_and_reach_the_store_at_commit(store):
    await store.set("log", "old")
    seen = await PrefetchedStore.prefetch(store, ["log"], frozenset({"log", "last"}))
    await seen.set_json("log", ["hello"], ttl=60)
    await seen.set("last", "7")
    await seen.delete("last")
    await seen.set("last", "8", ttl=30)
    assert await seen.get_json("log") == ["hello"] and await seen.get("last") == "8"
    assert await store.get("log") == "old" and await store.get("last") is None  # not sent yet
    await seen.commit()
    assert await store.get_json("log") == ["hello"] and await store.get("last") == "8"
    assert 0 < await store.ttl("last") <= 30
    await seen.delete("last")
    assert await seen.get("last") is None and await store.get("last") == "8"
    await seen.commit()
    assert await store.get("last") is None


async def test_a_deferred_key_used_otherwise_is_sent_first(store):
    seen = await PrefetchedStore.prefetch(store, [], frozenset({"n"}))
    await seen.set("n", "5")
    assert await seen.incr("n") == 6 and await store.get("n") == "6"
