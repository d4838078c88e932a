"""From one Incoming to one reply text: retry dedupe, per-user lock, reply budget, late delivery.

Guarantees (the callback relies on them):

- A message key (FromUserName:MsgId, or FromUserName:CreateTime:Event:EventKey; never a bare MsgId,
  which another user may send too) runs the skill chain at most once,
  across processes when the store is Redis. A retry gets the first attempt's reply, or ``""``
  (``success``) when that reply went out as a customer-service message or is still being made.
- One user's messages are handled one at a time (``keys.user_lock``).
- A process that dies mid-answer loses nothing: its message mark says "busy" only while the
  attempt is alive (kept alive every second, lapsing ``BUSY_TTL_SECONDS`` after), and the user
  lock lapses ``LOCK_TIMEOUT_SECONDS`` after its holder stops renewing it; WeChat's next retry,
  on any process, then takes the message over instead of answering ``success`` for it.
- ``reply`` returns within the budget. Work that takes longer goes on in the background and its
  answer is sent as a customer-service message; if that send fails (an unverified account gets
  48001, a closed 48-hour window 45015/45047, or WeChat is down), the answer is kept in
  ``keys.pending_reply`` and given, oldest first, with the user's next visible replies (as many
  as fit one WeChat text; the rest, in order, with the replies after). Nothing is dropped.
- A failing skill never escapes: it is logged and the user gets ``texts.APOLOGY``.
- The shared store (Redis) being down costs the user nothing visible: the message is still
  answered. Retry marks, the user lock and undelivered answers then live in this process
  (``Conversation.local``), so a retry reaching this process is still answered once; one reaching
  another process during the outage may be answered again (skills that write, like the chat
  forms, keep their own guard). A mark made during the outage is honoured after it.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator

from aiohttp import web

from chuangye import appkeys as K
from chuangye import metrics, pii
from chuangye.db import note_db_unavailable
from chuangye.log import log_event
from chuangye.store import UNAVAILABLE, LockTimeout, MemoryStore, PrefetchedStore, Store, keys

from handlers import texts
from handlers.handoff import streak
from bot.skills import Context, Incoming, chain_of

log = logging.getLogger("chuangye.bot")

DEDUPE_TTL_SECONDS = 600  # WeChat retries for about 15 s; keep the mark well beyond that
PENDING_TTL_SECONDS = 48 * 3600  # WeChat's customer-service window
MAX_REPLY_BYTES = texts.WECHAT_TEXT_BYTES
BUSY_TTL_SECONDS = 3.0  # a "busy" mark outlives a dead attempt by at most this (WeChat retries after 5 s)
LOCK_TIMEOUT_SECONDS = 6.0  # how long a dead holder keeps the user lock (live holders renew it)
LOCK_WAIT_SECONDS = 30
REPLAY_POLL_SECONDS = 0.05
BUSY = json.dumps({"state": "busy"})
TASKS = "bot_background_tasks"


@dataclass
class _Attempt:
    """Hand-over between the responder and the worker; decided without an await in between."""

    answer: asyncio.Future[str]
    late: bool = False  # the responder gave up waiting: deliver by customer-service message

    @property
    def waiting(self) -> bool:
        """The responder still waits for the reply (``give`` would succeed now)."""
        return not (self.late or self.answer.done())

    def give(self, reply: str) -> bool:
        """True when the responder takes ``reply``; False when it is too late for that."""
        if not self.waiting:
            return False
        self.answer.set_result(reply)
        return True


@dataclass
class Binding:
    """A signed query's (timestamp, nonce), bound in the store to the digest of the body it first
    came with, for ``ttl`` seconds (bot/callback.py)."""

    key: str
    digest: str
    ttl: float


class QueryReplayed(Exception):
    """The signed query was seen before with another body: refuse the message (403)."""


@dataclass
class _Held:
    """The user's lock taken (with ``token``) and the dialogue keys read by ``RedisStore.begin_message``."""

    token: str
    values: dict[str, str | None]


class Conversation:
    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.local = MemoryStore()  # stands in for the shared store while it is unreachable

    @property
    def store(self) -> Store:
        return self.app[K.STORE]

    async def reply(self, inc: Incoming, budget: float, binding: Binding | None = None) -> str:
        """The passive reply text for ``inc`` ("" = answer ``success``), within ``budget`` seconds.
        ``binding``: refuse (QueryReplayed) a signed query seen before with another body."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + budget
        mark = keys.message(inc.msg_key)
        held, claimed, marks = await self._begin(inc, mark, binding)
        while not claimed:
            log_event(log, "retry deduplicated", msg_key=inc.msg_key)
            replayed = await self._replay(marks, mark, deadline)
            if replayed is not None:
                (metrics.DUP_CACHED if replayed else metrics.DUP_DROPPED).inc()
                return replayed
            metrics.DUP_TAKEN_OVER.inc()
            log_event(log, "the attempt that had this message is gone: taking it over", logging.WARNING,
                      msg_key=inc.msg_key)
            claimed, marks = await self._claim(mark)
        attempt = _Attempt(loop.create_future())
        work = self._run_held(inc, mark, attempt, held) if held is not None else self._run(inc, mark, marks, attempt)
        task = asyncio.create_task(work)
        tasks = self.app[K.EXTRA].setdefault(TASKS, set())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        # asyncio.wait never cancels the answer; nothing awaits between its return and the decision
        done, _ = await asyncio.wait((attempt.answer,), timeout=max(0.0, deadline - loop.time()))
        if not done:
            attempt.late = True
            metrics.REPLY_LATE.inc()
            log_event(log, "reply over budget, will send as customer-service message", openid=inc.openid)
            return ""
        metrics.REPLY_IN_TIME.inc()
        return attempt.answer.result()

    async def _begin(self, inc: Incoming, mark: str, binding: Binding | None) -> tuple[_Held | None, bool, Store]:
        """(the lock and dialogue keys when already taken, whether this attempt runs the message, the
        store holding its mark). On Redis one round trip binds the query, claims the message, takes the
        user's lock and reads the dialogue keys (RedisStore.begin_message); otherwise, or while Redis
        is unreachable, each step on its own as before."""
        store = self.store
        begin = getattr(store, "begin_message", None)
        if begin is not None and await self.local.get(mark) is None:
            token = uuid.uuid4().hex
            try:
                outcome, values = await begin(
                    mark=mark, busy=BUSY, busy_ttl=BUSY_TTL_SECONDS, lock=keys.user_lock(inc.openid), token=token,
                    lock_ttl=LOCK_TIMEOUT_SECONDS, reads=_dialogue_keys(inc.openid) if inc.is_text else [],
                    bind=(binding.key, binding.digest, binding.ttl) if binding else None)
            except UNAVAILABLE as exc:
                _store_down("message handled step by step", exc)
            else:
                if outcome == "replayed":
                    raise QueryReplayed(binding.key if binding else "")
                if outcome == "locked":
                    return _Held(token, values), True, store
                return None, outcome == "claimed", store  # "claimed": the lock is taken the usual way
        if binding is not None:
            await self._bind(binding)
        claimed, marks = await self._claim(mark)
        return None, claimed, marks

    async def _bind(self, binding: Binding) -> None:
        """QueryReplayed when the signed query already came with a different body. WeChat's own
        retries repeat the body and pass. A store outage is no reason to drop messages."""
        try:
            if await self.store.set_if_absent(binding.key, binding.digest, ttl=binding.ttl):
                return
            first = await self.store.get(binding.key)
        except Exception as exc:
            log_event(log, "could not bind the signed query to its body", logging.WARNING, error=str(exc)[:200])
            return
        if first is not None and first != binding.digest:
            raise QueryReplayed(binding.key)

    async def _claim(self, mark: str) -> tuple[bool, Store]:
        """(this attempt runs the message, the store holding its mark): the shared store, or this
        process's while that is down. A mark this process made during an outage still counts."""
        if await self.local.get(mark) is not None:
            return False, self.local
        try:
            return await self.store.set_if_absent(mark, BUSY, ttl=BUSY_TTL_SECONDS), self.store
        except UNAVAILABLE as exc:
            _store_down("retry dedupe limited to this process", exc)
            return await self.local.set_if_absent(mark, BUSY, ttl=BUSY_TTL_SECONDS), self.local

    async def _replay(self, marks: Store, mark: str, deadline: float) -> str | None:
        """The first attempt's reply, "" when it is still at work at ``deadline``, None when its
        mark lapsed (the attempt died with its process)."""
        loop = asyncio.get_running_loop()
        while loop.time() < deadline:
            try:
                raw = await marks.get(mark)
            except UNAVAILABLE as exc:  # the first attempt answers, late if need be
                _store_down("retry answered with success", exc)
                return ""
            if raw is None:
                return None
            state = json.loads(raw)
            if state["state"] == "done":
                return str(pii.unseal(state["reply"]))
            await asyncio.sleep(min(REPLAY_POLL_SECONDS, max(0.0, deadline - loop.time())))
        return ""

    @asynccontextmanager
    async def _user_lock(self, openid: str, held: _Held | None = None) -> AsyncIterator[None]:
        """The user's lock in the shared store, or in this process while the store is down. ``held``:
        already taken by ``begin_message``; kept alive here, let go by ``end_message``."""
        if held is not None:
            async with self.store.holding(keys.user_lock(openid), held.token, LOCK_TIMEOUT_SECONDS):
                yield
            return
        async with AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(self.store.lock(
                    keys.user_lock(openid), timeout=LOCK_TIMEOUT_SECONDS, wait=LOCK_WAIT_SECONDS, renew=True))
            except UNAVAILABLE as exc:
                _store_down("user lock held in this process", exc)
                await stack.enter_async_context(self.local.lock(
                    keys.user_lock(openid), timeout=LOCK_TIMEOUT_SECONDS, wait=LOCK_WAIT_SECONDS))
            yield

    async def _run(self, inc: Incoming, mark: str, marks: Store, attempt: _Attempt) -> None:
        keeper = asyncio.create_task(self._keep_busy(marks, mark))
        try:
            reply, passive = await self._answer_locked(inc, attempt)
        except Exception:  # the mark lapses: a retry may run the message again
            log.exception("message handling failed", extra={"fields": {"openid": inc.openid}})
            attempt.give(texts.APOLOGY)
            return
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
        # Replies can carry what the user typed (a confirmation summary): sealed, like form state.
        _, done, ttl = _done(mark, reply if passive else "")
        try:
            await marks.set(mark, done, ttl=ttl)
        except UNAVAILABLE as exc:  # a retry then finds the mark lapsed and runs the message again
            _store_down("retry mark not updated", exc)

    async def _run_held(self, inc: Incoming, mark: str, attempt: _Attempt, held: _Held) -> None:
        """``_run`` when ``begin_message`` took the user's lock: the message's writes, the lock's
        release and the "done" mark go in one last round trip (``_end``), made before the reply is
        handed over, so the next message (which needs the lock) sees everything this one wrote."""
        keeper = asyncio.create_task(self._keep_busy(self.store, mark))
        ended = False
        try:
            async with self._user_lock(inc.openid, held):
                reply, writes = await self._answer(inc, held)
                late = not attempt.waiting
                if late:
                    await self._deliver_late(inc.openid, reply)  # under the lock, like _answer_locked
            ended = True
            await self._end(inc.openid, held, writes, keeper, _done(mark, "" if late else reply))
            if not late and not attempt.give(reply):  # the budget ran out during that round trip (rare)
                await self._deliver_late(inc.openid, reply)
        except Exception:  # the mark lapses: a retry may run the message again
            log.exception("message handling failed", extra={"fields": {"openid": inc.openid}})
            attempt.give(texts.APOLOGY)
            if not ended:
                await self._end(inc.openid, held, [], keeper, None)
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    async def _end(self, openid: str, held: _Held, writes: list[tuple[str, str | None, float | None]],
                   keeper: asyncio.Task[None], done: tuple[str, str, float] | None) -> None:
        """The message's last round trip (RedisStore.end_message); the busy mark's keeper stops first,
        so it never overwrites "done". If it fails, as when each step failed on its own: the writes are
        dropped (logged), the lock lapses after LOCK_TIMEOUT_SECONDS, and a retry runs the message again."""
        keeper.cancel()
        await asyncio.gather(keeper, return_exceptions=True)
        try:
            await self.store.end_message(lock=keys.user_lock(openid), token=held.token, writes=writes, mark=done)  # type: ignore[attr-defined]
        except UNAVAILABLE as exc:
            _store_down("transcript, last answer and retry mark not kept", exc)

    async def _keep_busy(self, marks: Store, mark: str) -> None:
        while True:
            await asyncio.sleep(BUSY_TTL_SECONDS / 3)
            try:
                await marks.set(mark, BUSY, ttl=BUSY_TTL_SECONDS)
            except UNAVAILABLE as exc:
                _store_down("busy mark not renewed", exc)

    async def _answer_locked(self, inc: Incoming, attempt: _Attempt) -> tuple[str, bool]:
        """(reply, given passively) under the user's lock; a late reply is delivered here."""
        try:
            async with self._user_lock(inc.openid):
                reply, _ = await self._answer(inc)
                passive = attempt.give(reply)
                if not passive:
                    await self._deliver_late(inc.openid, reply)
                return reply, passive
        except LockTimeout:  # never silent: the user hears it is busy, now or with the next reply
            if attempt.give(texts.BUSY):
                return texts.BUSY, True
            await self._deliver_late(inc.openid, texts.BUSY)
            return texts.BUSY, False

    async def _answer(self, inc: Incoming, held: _Held | None = None) -> tuple[str, list[tuple[str, str | None, float | None]]]:
        """(the reply, the deferred writes still to send): run the chain (errors become the apology)
        and put any undelivered answer first. The deferred writes are sent here, unless ``held``
        (then ``_end`` sends them)."""
        chain = chain_of(self.app)
        # The user's dialogue keys in one round trip (the user's lock is held: nothing else writes them).
        store = self.store
        if held is not None and inc.is_text:
            store = PrefetchedStore(store, dict(held.values), _deferred_keys(inc.openid))
        elif store.name == "redis" and inc.is_text:
            store = await PrefetchedStore.prefetch(store, _dialogue_keys(inc.openid), _deferred_keys(inc.openid))
        try:
            parts = await chain.run(Context(self.app, message_store=store), inc) or []
        except Exception as exc:
            metrics.count_db_error(exc, "bot")
            if note_db_unavailable(exc):  # logged once per outage; the user hears it is busy
                parts = [texts.DB_BUSY]
            else:
                log.exception("skill failed", extra={"fields": {"openid": inc.openid, "msg_type": inc.msg_type}})
                parts = [texts.APOLOGY]
        writes: list[tuple[str, str | None, float | None]] = []
        if isinstance(store, PrefetchedStore):  # before the user's lock is let go
            if held is not None:
                writes = store.take_writes()
            else:
                await _commit(store)
        reply = "\n\n".join(p for p in parts if p)
        return (await self._with_pending(inc.openid, reply, store) if reply else ""), writes

    async def _with_pending(self, openid: str, reply: str, store: Store | None = None) -> str:
        """Undelivered answers first, oldest first, as many as fit one WeChat text with ``reply``.

        What does not fit (possibly ``reply`` itself) waits, in order, for the next reply, so every
        reply makes progress and nothing is lost or reordered.
        """
        key = keys.pending_reply(openid)
        pending, shared = await self._pending(key, store)
        if not pending:
            return reply
        queue = [f"{texts.PENDING_HEADER}\n{text}" for text in pending] + [reply]
        taken, size = 1, len(queue[0].encode("utf-8"))
        while taken < len(queue) and size + 2 + len(queue[taken].encode("utf-8")) <= MAX_REPLY_BYTES:
            size += 2 + len(queue[taken].encode("utf-8"))
            taken += 1
        await self._keep_pending(key, (pending + [reply])[taken:], shared)
        return "\n\n".join(queue[:taken])

    async def _pending(self, key: str, store: Store | None = None) -> tuple[list[str], bool]:
        """(undelivered answers, oldest first, whether the shared store could be read): the shared
        store's (``store``: as this message sees it), then those this process kept while it was down."""
        local = _unsealed(await self.local.get_json(key))
        try:
            return _unsealed(await (store or self.store).get_json(key)) + local, True
        except UNAVAILABLE as exc:
            _store_down("answers kept in the shared store wait for it", exc)
            return local, False

    async def _keep_pending(self, key: str, items: list[str], shared: bool) -> None:
        """Write the list back to the shared store (only if it was read), else keep it here."""
        if shared:
            try:
                if items:
                    await self.store.set_json(key, _sealed(items), ttl=PENDING_TTL_SECONDS)
                else:
                    await self.store.delete(key)
                await self.local.delete(key)
                return
            except UNAVAILABLE as exc:
                _store_down("undelivered answers kept in this process", exc)
        if items:
            await self.local.set_json(key, _sealed(items), ttl=PENDING_TTL_SECONDS)
        else:
            await self.local.delete(key)

    async def _deliver_late(self, openid: str, reply: str) -> None:
        """Customer-service message; on any failure keep it for the next reply (lock is held)."""
        if not reply:
            return
        try:
            await self.app[K.WECHAT].send_custom_text(openid, reply)
            log_event(log, "late reply sent", openid=openid)
            return
        except Exception as exc:  # WeChatError (48001, 45015, ...) or WeChatUnavailable
            log_event(log, "late reply kept for the next message", logging.WARNING, openid=openid,
                      error=f"{type(exc).__name__}: {exc}")
        key = keys.pending_reply(openid)
        pending, shared = await self._pending(key)
        await self._keep_pending(key, pending + [reply], shared)


def _done(mark: str, reply: str) -> tuple[str, str, float]:
    """The message's "done" mark with the reply a retry gets (sealed: replies can carry what the
    user typed, a confirmation summary, say)."""
    return mark, json.dumps({"state": "done", "reply": pii.seal(reply)}, ensure_ascii=False), DEDUPE_TTL_SECONDS


def _dialogue_keys(openid: str) -> list[str]:
    """Keys that only this user's messages write, under the user's lock: read once per text message
    by the skills (the chat forms' state and its lapse mark, a pending pick or offer, the transcript,
    an event sign-up waiting for its answer: bot/events.py) and for the answers still to deliver
    (written only under the lock too, by ``_deliver_late``). And the handoff marker
    (handlers/handoff/marker.py), which staff actions also write: it is the first thing the chain
    reads, so reading it here is reading it as the message arrives, as before. And the user's run
    of unsure answers (handlers/handoff/streak.py)."""
    return [keys.dialogue(openid), keys.custom(f"dlgmark:{openid}"), keys.custom(f"pick:{openid}"),
            keys.custom(f"offer:{openid}"), keys.custom(f"chatlog:{openid}"), keys.pending_reply(openid),
            keys.custom(f"evt:pending:{openid}"), keys.handoff_open(openid), streak.key(openid)]


def _deferred_keys(openid: str) -> frozenset[str]:
    """Writes sent together at the end of the message (PrefetchedStore.commit, RedisStore.end_message):
    the transcript (handlers/handoff/transcript.py), the answer a 有用/没用 would rate (bot/builtin.py),
    the run of unsure answers (handlers/handoff/streak.py), all written by code that already lets a
    store failure pass, and the pending "apply, or learn about it?" question (bot/flows.py): if that
    write is lost with the store, the user's 「1」 gets the menu instead of the form."""
    return frozenset({keys.custom(f"chatlog:{openid}"), keys.custom(f"last_answer:{openid}"), streak.key(openid),
                      keys.custom(f"offer:{openid}")})


async def _commit(store: PrefetchedStore) -> None:
    try:
        await store.commit()
    except Exception as exc:  # as when each write failed on its own: logged, the answer goes out
        _store_down("transcript and last answer not kept", exc)


def _store_down(consequence: str, exc: BaseException) -> None:
    log_event(log, f"store unavailable: {consequence}", logging.WARNING, error=f"{type(exc).__name__}: {exc}"[:200])


async def drain_background(app: web.Application, timeout: float = 10.0) -> None:
    """on_shutdown: let late replies finish (bounded), so a restart does not lose them."""
    tasks = list(app[K.EXTRA].get(TASKS, ()))
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)


def _sealed(items: list[str]) -> list[dict[str, str]]:
    return [pii.seal(text) for text in items]


def _unsealed(items: list | None) -> list[str]:
    return [str(pii.unseal(item)) for item in items or []]
