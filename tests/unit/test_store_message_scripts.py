"""A WeChat message's store work in two Redis round trips (RedisStore.begin_message / end_message),
and a conversation on Redis that makes exactly those two."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest

from chuangye.store import RedisStore
from tests.support.chat import Chat

PG_ONLY = pytest.mark.parametrize("backend", ["pg"], indirect=True)  # pg runs use Redis


def begin(store: RedisStore, mark: str = "m1", lock: str = "l1", token: str = "t1", reads: list[str] | None = None,
          bind: tuple[str, str, float] | None = None) -> Any:
    return store.begin_message(mark=mark, busy="busy", busy_ttl=3, lock=lock, token=token, lock_ttl=6,
                               reads=reads or [], bind=bind)


@PG_ONLY
async def test_the_first_attempt_binds_claims_locks_and_reads_in_one_script(store):
    await store.set("dlg", "{}")
    await store.set("empty", "")
    outcome, values = await begin(store, reads=["dlg", "missing", "empty"], bind=("q1", "digest-a", 600))
    assert outcome == "locked" and values == {"dlg": "{}", "missing": None, "empty": ""}
    assert await store.get("q1") == "digest-a" and await store.get("m1") == "busy" and await store.get("l1") == "t1"
    assert 2 < (await store.ttl("m1") or 0) <= 3 and 5 < (await store.ttl("l1") or 0) <= 6


@PG_ONLY
async def test_a_retry_with_the_same_body_is_a_duplicate_another_body_is_refused_before_anything(store):
    await begin(store, bind=("q1", "digest-a", 600))
    assert (await begin(store, bind=("q1", "digest-a", 600)))[0] == "duplicate"
    assert (await begin(store, mark="m2", bind=("q1", "digest-b", 600)))[0] == "replayed"
    assert await store.get("m2") is None  # nothing claimed for the replayed query


@PG_ONLY
async def test_a_busy_user_lock_leaves_the_message_claimed_but_not_locked(store):
    await begin(store, mark="m1", token="first")
    outcome, values = await begin(store, mark="m2", token="second", reads=["dlg"])
    assert (outcome, values) == ("claimed", {}) and await store.get("m2") == "busy"
    assert await store.get("l1") == "first"


@PG_ONLY
async def test_the_last_script_writes_lets_the_lock_go_and_marks_the_message_done(store):
    await begin(store)
    await store.set("old", "x")
    released = await store.end_message(lock="l1", token="t1", writes=[("log", "a", 60), ("old", None, None),
                                                                     ("log", "b", None)], mark=("m1", "done", 600))
    assert released and await store.get("l1") is None and await store.get("m1") == "done"
    assert await store.get("log") == "b" and await store.ttl("log") is None and await store.get("old") is None
    assert 590 < (await store.ttl("m1") or 0) <= 600


@PG_ONLY
async def test_a_lock_someone_else_now_holds_is_not_let_go(store):
    await store.set("l1", "another-holder", ttl=6)
    assert not await store.end_message(lock="l1", token="t1", writes=[], mark=None)
    assert await store.get("l1") == "another-holder"


@PG_ONLY
async def test_a_held_lock_is_kept_alive_past_its_timeout(store):
    await store.begin_message(mark="m1", busy="busy", busy_ttl=3, lock="l1", token="t1", lock_ttl=0.6, reads=[])
    async with store.holding("l1", "t1", timeout=0.6):
        await asyncio.sleep(1.0)
        assert await store.get("l1") == "t1"
    assert await store.end_message(lock="l1", token="t1", writes=[], mark=None)


@PG_ONLY
async def test_a_text_message_on_redis_costs_two_round_trips(client, config, monkeypatch):
    chat = Chat(client, config, "o-trips")
    await chat.say("创业担保贷款最多能贷多少")  # warm: the handoff marker, the asker's county
    sent: list[str] = []
    inner = chat.store.client
    real = type(inner).execute_command

    async def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(args[0]))
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(type(inner), "execute_command", counting)
    assert "30万元" in await chat.say("创业担保贷款最多能贷多少")
    await asyncio.sleep(0.1)  # the last script runs before the reply is handed over; nothing follows it
    assert sent == ["EVALSHA", "EVALSHA"]
