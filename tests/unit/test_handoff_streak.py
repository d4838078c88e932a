"""The run of unsure answers in the store (handlers/handoff/streak.py), on both store backends."""
from __future__ import annotations

import logging

from chuangye.store import Store
from handlers.handoff import streak

WITHIN = 1800.0


async def note(store: Store, confident: bool, at: float, length: int = 3) -> bool:
    return await streak.note_answer(store, "o-run", confident, length=length, within=WITHIN, now=at)


async def test_the_third_unsure_answer_in_a_row_completes_the_run_and_starts_a_new_one(store):
    assert [await note(store, False, t) for t in (100.0, 200.0, 300.0)] == [False, False, True]
    assert await store.get(streak.key("o-run")) is None
    assert [await note(store, False, t) for t in (400.0, 500.0)] == [False, False]
    assert await store.get_json(streak.key("o-run")) == [400.0, 500.0]


async def test_a_confident_answer_breaks_the_run(store):
    await note(store, False, 100.0)
    await note(store, False, 200.0)
    assert await note(store, True, 250.0) is False
    assert await store.get(streak.key("o-run")) is None
    assert [await note(store, False, t) for t in (300.0, 400.0)] == [False, False]


async def test_unsure_answers_older_than_the_dialogue_do_not_count(store):
    await note(store, False, 100.0)
    await note(store, False, 200.0)
    assert await note(store, False, 100.0 + WITHIN + 1) is False  # the first one is too old
    assert await store.get_json(streak.key("o-run")) == [200.0, 100.0 + WITHIN + 1]
    assert await note(store, False, 200.0 + WITHIN - 1) is True


async def test_the_run_lives_as_long_as_the_dialogue(store):
    await note(store, False, 100.0)
    ttl = await store.ttl(streak.key("o-run"))
    assert ttl is not None and WITHIN - 5 < ttl <= WITHIN


async def test_a_handoff_clears_the_run(store):
    await note(store, False, 100.0)
    await note(store, False, 200.0)
    await streak.clear(store, "o-run")
    assert await note(store, False, 300.0) is False


async def test_a_garbled_value_counts_as_no_run(store):
    await store.set(streak.key("o-run"), '{"not": "a list"}')
    assert await note(store, False, 100.0, length=2) is False
    assert await store.get_json(streak.key("o-run")) == [100.0]


class FailingStore(Store):
    name = "failing"

    async def get(self, key: str) -> str | None:
        raise ConnectionError("store down")

    async def delete(self, key: str) -> None:
        raise ConnectionError("store down")


async def test_a_failing_store_costs_only_the_offer(caplog):
    caplog.set_level(logging.WARNING, "chuangye.handoff")
    assert await streak.note_answer(FailingStore(), "o-down", False, length=1, within=WITHIN) is False
    await streak.clear(FailingStore(), "o-down")
    assert sum("o-down" in r.getMessage() for r in caplog.records) == 2
