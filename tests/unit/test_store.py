"""The store contract, run against both backends (in-process and Redis)."""
import asyncio
from types import SimpleNamespace

import pytest

from chuangye.store import LockTimeout, keys


async def test_set_then_get_returns_the_value(store):
    await store.set("k1", "v1")
    assert await store.get("k1") == "v1"
    assert await store.get("missing") is None


async def test_value_expires_after_its_ttl(store):
    await store.set("k2", "v", ttl=0.05)
    assert await store.get("k2") == "v"
    await asyncio.sleep(0.12)
    assert await store.get("k2") is None


async def test_set_if_absent_only_succeeds_once(store):
    assert await store.set_if_absent("k3", "a", ttl=5) is True
    assert await store.set_if_absent("k3", "b", ttl=5) is False
    assert await store.get("k3") == "a"


async def test_set_if_absent_succeeds_again_after_expiry(store):
    assert await store.set_if_absent("k4", "a", ttl=0.05)
    await asyncio.sleep(0.12)
    assert await store.set_if_absent("k4", "b", ttl=5)


async def test_delete_removes_the_key(store):
    await store.set("k5", "v")
    await store.delete("k5")
    assert await store.get("k5") is None


async def test_incr_counts_and_keeps_the_first_ttl(store):
    assert await store.incr("c1", ttl=5) == 1
    assert await store.incr("c1", ttl=5) == 2
    remaining = await store.ttl("c1")
    assert remaining is not None and 0 < remaining <= 5


async def test_json_round_trip_keeps_chinese(store):
    await store.set_json("j", {"县": "元谋县", "n": 1})
    assert await store.get_json("j") == {"县": "元谋县", "n": 1}


async def test_lock_serialises_holders_of_the_same_key(store):
    order = []

    async def worker(name):
        async with store.lock(keys.user_lock("u1"), timeout=5, wait=5):
            order.append(f"{name}-in")
            await asyncio.sleep(0.05)
            order.append(f"{name}-out")

    await asyncio.gather(worker("a"), worker("b"))
    assert order in (["a-in", "a-out", "b-in", "b-out"], ["b-in", "b-out", "a-in", "a-out"])


async def test_lock_times_out_when_held_too_long(store):
    async with store.lock("cy:lock:x", timeout=5, wait=1):
        with pytest.raises(LockTimeout):
            async with store.lock("cy:lock:x", timeout=5, wait=0.1):
                pass


async def test_locks_on_different_keys_do_not_block(store):
    async with store.lock("cy:lock:a", timeout=5, wait=0.5):
        async with store.lock("cy:lock:b", timeout=5, wait=0.5):
            pass


async def test_ping_reports_a_live_backend(store):
    assert await store.ping() is True


async def test_the_in_process_store_lets_go_of_expired_keys_nobody_reads_again(monkeypatch):
    """Each message leaves retry marks that are never read again once WeChat stops retrying: they must
    leave memory when they expire, or a long-running embedded worker grows without end."""
    from chuangye import store as store_module
    from chuangye.store import MemoryStore

    now = [1000.0]
    monkeypatch.setattr(store_module, "time", SimpleNamespace(monotonic=lambda: now[0]))  # not the event loop's
    s = MemoryStore()
    for i in range(10_000):  # ten minutes' marks, written one a tenth of a second apart
        await s.set_if_absent(f"mark:{i}", "done", ttl=600)
        now[0] += 0.06
    await s.set("forever", "kept")
    await s.set("rewritten", "first", ttl=10)
    await s.set("rewritten", "second", ttl=5000)  # its first expiry is stale: the key must survive it
    assert s.key_count() == 10_002
    now[0] += 601
    for i in range(200):  # ordinary traffic: each write drops a batch of what has expired
        await s.set(f"new:{i}", "v", ttl=600)
    assert s.key_count() == 200 + 2
    assert await s.get("forever") == "kept" and await s.get("rewritten") == "second"
    assert await s.get("new:0") == "v"


async def test_a_key_rewritten_again_and_again_keeps_the_in_process_stores_expiry_heap_small(monkeypatch):
    """A user's transcript lives 24 hours and is rewritten at every message: each write leaves its old
    expiry behind, which would pile up for a day; the heap is rebuilt once stale entries outnumber keys."""
    from chuangye import store as store_module
    from chuangye.store import MemoryStore

    now = [1000.0]
    monkeypatch.setattr(store_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    s = MemoryStore()
    for i in range(20_000):  # 50 users chatting, each message rewriting the user's transcript
        await s.set(f"chatlog:{i % 50}", f"line {i}", ttl=24 * 3600)
        now[0] += 0.1
    assert s.key_count() == 50
    assert len(s._expiries) <= 2 * 50 + MemoryStore.SWEEP_BATCH + 1
    now[0] += 24 * 3600 - 100  # the newest writes are still alive, older expiries long stale
    assert await s.get("chatlog:49") == "line 19999"
    now[0] += 200
    for i in range(5):  # ordinary traffic: each write drops a batch of what has expired
        await s.set(f"other:{i}", "v", ttl=60)
    assert await s.get("chatlog:49") is None and s.key_count() == 5
