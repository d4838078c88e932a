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
