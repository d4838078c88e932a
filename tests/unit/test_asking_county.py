"""The asker's county (handlers/knowledge_ops/ask.py, Asking): read from the database once per user,
then kept; an old one is used while it is read again in the background, so a question never waits
behind whatever else holds the database once its asker is known."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from handlers.knowledge_ops import ask
from handlers.knowledge_ops.ask import COUNTY_SECONDS, Asking


async def test_a_known_askers_question_never_waits_for_the_database_and_a_change_arrives(monkeypatch):
    now, stored, reads, gate = [100.0], {"u1": "元谋县"}, [], asyncio.Event()
    gate.set()

    async def read_county(channel, openid):
        reads.append(openid)
        await gate.wait()  # the database, busy or not
        return stored.get(openid), True

    monkeypatch.setattr(ask, "time", SimpleNamespace(monotonic=lambda: now[0]))  # this module's clock only
    monkeypatch.setattr(ask, "_read_county", read_county)
    asking = Asking()
    assert await asking.county_of("oa", "u1") == "元谋县" and reads == ["u1"]  # the first question reads
    assert await asking.county_of("oa", "u1") == "元谋县" and reads == ["u1"]  # then it is kept

    stored["u1"], now[0] = "禄丰市", now[0] + COUNTY_SECONDS + 1
    gate.clear()  # the database is busy now: a question must not wait for it
    assert await asyncio.wait_for(asking.county_of("oa", "u1"), 0.5) == "元谋县"
    assert await asyncio.wait_for(asking.county_of("oa", "u1"), 0.5) == "元谋县"
    assert reads == ["u1", "u1"]  # one read again, in the background, however many questions
    gate.set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert await asking.county_of("oa", "u1") == "禄丰市"
    await asking.close()


async def test_a_read_that_fails_is_not_kept_and_the_next_question_reads_again(monkeypatch):
    outcomes = [(None, False), ("楚雄市", True)]

    async def read_county(channel, openid):
        return outcomes.pop(0)

    monkeypatch.setattr(ask, "_read_county", read_county)
    asking = Asking()
    assert await asking.county_of("oa", "u2") is None  # the database was down: no county, nothing kept
    assert await asking.county_of("oa", "u2") == "楚雄市"
    assert outcomes == []
    await asking.close()
