"""One small key-value interface with two backends: Redis and in-process.

It serves dialogue state, retry dedupe, the access-token cache, pending replies and rate
limits. Values are strings (callers JSON-encode). The in-process backend is for a single
process (``make run``); several processes behind nginx need Redis so that a WeChat retry
landing on another worker still finds the first attempt's mark.
"""
from __future__ import annotations

import asyncio
import heapq
import time
import uuid
from contextlib import asynccontextmanager, nullcontext
from typing import Any, AsyncIterator

import orjson
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from chuangye.metrics import STORE_ERRORS

STORE_TIMEOUT, STORE_UNAVAILABLE, STORE_BREAKER_OPEN = (STORE_ERRORS.labels(kind) for kind in
                                                        ("timeout", "unavailable", "breaker_open"))
PREFIX = ""  # the Redis backend adds its own namespace (redis.namespace)
# What a store call raises when its backend cannot be reached (refused, reset, timed out).
UNAVAILABLE = (RedisError, OSError)


class LockTimeout(Exception):
    """The per-key lock could not be taken within the wait time."""


class StoreDown(RedisConnectionError):
    """Redis timed out a moment ago: calls fail at once instead of each waiting for a timeout."""


class keys:
    """Every store key comes from here, so prefixes never collide."""

    @staticmethod
    def dialogue(openid: str) -> str:
        return f"{PREFIX}dlg:{openid}"

    @staticmethod
    def message(msg_key: str) -> str:
        return f"{PREFIX}msg:{msg_key}"

    @staticmethod
    def user_lock(openid: str) -> str:
        return f"{PREFIX}lock:user:{openid}"

    @staticmethod
    def pending_reply(openid: str) -> str:
        return f"{PREFIX}pending:{openid}"

    @staticmethod
    def access_token(app_id: str) -> str:
        return f"{PREFIX}token:{app_id}"

    @staticmethod
    def token_lock(app_id: str) -> str:
        return f"{PREFIX}lock:token:{app_id}"

    @staticmethod
    def idempotency(scope: str, key: str) -> str:
        return f"{PREFIX}idem:{scope}:{key}"

    @staticmethod
    def rate(name: str, who: str) -> str:
        return f"{PREFIX}rate:{name}:{who}"

    @staticmethod
    def handoff_open(openid: str) -> str:
        """Short-lived marker: does the user have an open handoff session (handlers/handoff/sessions.py)."""
        return f"{PREFIX}handoff:open:{openid}"

    @staticmethod
    def custom(name: str) -> str:
        return f"{PREFIX}{name}"


class Store:
    """Interface shared by both backends (see tests/unit/test_store.py for the contract)."""

    name = "abstract"

    async def get(self, key: str) -> str | None:
        raise NotImplementedError

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        raise NotImplementedError

    async def set_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        raise NotImplementedError

    async def delete(self, key: str) -> None:
        raise NotImplementedError

    async def incr(self, key: str, ttl: float | None = None) -> int:
        """Increment a counter; ttl applies when the counter is created."""
        raise NotImplementedError

    async def ttl(self, key: str) -> float | None:
        """Seconds left, None when the key has no expiry or does not exist."""
        raise NotImplementedError

    def lock(self, key: str, timeout: float = 10.0, wait: float = 5.0, renew: bool = False):
        """Async context manager: exclusive across all processes sharing this store.

        The lock lapses ``timeout`` seconds after it was taken; with ``renew`` it is kept alive
        while the holder runs, so ``timeout`` is only how long a holder that died keeps it."""
        raise NotImplementedError

    async def ping(self) -> bool:
        raise NotImplementedError

    async def close(self) -> None:
        return None

    async def get_many(self, names: list[str]) -> list[str | None]:
        """``[get(k) for k in names]``; one round trip on Redis (MGET)."""
        return [await self.get(k) for k in names]

    async def write_many(self, writes: list[tuple[str, str | None, float | None]]) -> None:
        """``set(key, value, ttl)`` for each (``delete(key)`` where value is None), in order; one
        round trip on Redis (a pipeline)."""
        for key, value, ttl in writes:
            if value is None:
                await self.delete(key)
            else:
                await self.set(key, value, ttl)

    async def get_json(self, key: str) -> Any:
        raw = await self.get(key)
        return None if raw is None else orjson.loads(raw)

    async def set_json(self, key: str, value: Any, ttl: float | None = None) -> None:
        # orjson: several values per message (dialogue state, transcript), 5-10x faster than json
        await self.set(key, orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode(), ttl)


class MemoryStore(Store):
    """In-process backend: a dict with expiry times and asyncio locks.

    An expired key is dropped when read, and also when its time comes: every write first drops
    up to ``SWEEP_BATCH`` keys whose expiry has passed, earliest first (a heap of expiry times),
    so keys nobody reads again (each message's retry mark, say) do not stay in memory for good.
    A key rewritten before it expires leaves its old entry in the heap (a user's 24-hour transcript,
    at every message): when stale entries outnumber the keys, the heap is rebuilt from the keys.
    """

    name = "memory"
    SWEEP_BATCH = 64  # keys dropped per write at most: a write never stalls, and the heap keeps up

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float | None]] = {}
        self._expiries: list[tuple[float, str]] = []  # heap; an entry is stale once its key was rewritten
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiters: dict[str, int] = {}

    def key_count(self) -> int:
        """Keys held in memory, expired ones not yet dropped included."""
        return len(self._data)

    def _put(self, key: str, value: str, ttl: float | None) -> None:
        heap = self._expiries
        if heap and heap[0][0] <= time.monotonic():
            self._sweep(time.monotonic())
        expiry = self._expiry(ttl)
        self._data[key] = (value, expiry)
        if expiry is not None:
            heapq.heappush(heap, (expiry, key))
            if len(heap) > 2 * len(self._data) + self.SWEEP_BATCH:
                self._compact()

    def _compact(self) -> None:
        """The heap rebuilt with one entry per key that expires (O(keys), at most once per as many writes)."""
        self._expiries = [(expiry, key) for key, (_, expiry) in self._data.items() if expiry is not None]
        heapq.heapify(self._expiries)

    def _sweep(self, now: float) -> None:
        heap, data = self._expiries, self._data
        for _ in range(self.SWEEP_BATCH):
            if not heap or heap[0][0] > now:
                return
            expiry, key = heapq.heappop(heap)
            item = data.get(key)
            if item is not None and item[1] == expiry:
                del data[key]

    def _alive(self, key: str) -> tuple[str, float | None] | None:
        item = self._data.get(key)
        if item is not None and item[1] is not None and item[1] <= time.monotonic():
            del self._data[key]
            return None
        return item

    @staticmethod
    def _expiry(ttl: float | None) -> float | None:
        return None if ttl is None else time.monotonic() + ttl

    async def get(self, key: str) -> str | None:
        item = self._alive(key)
        return None if item is None else item[0]

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        self._put(key, value, ttl)

    async def set_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        if self._alive(key) is not None:
            return False
        self._put(key, value, ttl)
        return True

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def incr(self, key: str, ttl: float | None = None) -> int:
        item = self._alive(key)
        if item is None:
            self._put(key, "1", ttl)
            return 1
        value = int(item[0]) + 1
        self._data[key] = (str(value), item[1])
        return value

    async def ttl(self, key: str) -> float | None:
        item = self._alive(key)
        if item is None or item[1] is None:
            return None
        return max(0.0, item[1] - time.monotonic())

    @asynccontextmanager
    async def lock(self, key: str, timeout: float = 10.0, wait: float = 5.0,
                   renew: bool = False) -> AsyncIterator[None]:
        # In-process: a holder cannot die without the lock, so neither timeout nor renew applies.
        lk = self._locks.setdefault(key, asyncio.Lock())
        self._waiters[key] = self._waiters.get(key, 0) + 1
        try:
            try:
                if self._waiters[key] == 1 and not lk.locked():  # free, nobody else waits: taken at once
                    await lk.acquire()  # (wait_for would wrap the acquire in a task)
                else:
                    await asyncio.wait_for(lk.acquire(), wait)
            except asyncio.TimeoutError:
                raise LockTimeout(key) from None
            try:
                yield
            finally:
                lk.release()
        finally:
            self._waiters[key] -= 1
            if self._waiters[key] == 0:
                del self._waiters[key]
                self._locks.pop(key, None)

    async def ping(self) -> bool:
        return True


class RedisStore(Store):
    """Redis backend (redis.asyncio); locks are redis-py's token-checked Lua locks.

    A Redis that hangs (a network partition, a stalled server) would cost every call its socket
    timeout, and a WeChat callback makes several calls within its 5 seconds. So after a timeout
    the store fails every call at once (``StoreDown``) for ``break_seconds``; then one call tries
    Redis again while the others keep failing fast, and the first success closes the breaker.
    A refused or reset connection fails fast by itself and does not open the breaker.
    """

    name = "redis"
    break_seconds = 5.0

    def __init__(self, url: str, namespace: str = "cy:") -> None:
        self.url = url
        self.ns = namespace
        self.client = aioredis.Redis.from_url(url, decode_responses=True, socket_timeout=3, socket_connect_timeout=3)
        self._down_until = 0.0
        self._scripts: dict[str, Any] = {}

    @asynccontextmanager
    async def _guard(self) -> AsyncIterator[None]:
        now = time.monotonic()
        if now < self._down_until:
            STORE_BREAKER_OPEN.inc()
            raise StoreDown(f"Redis timed out recently; next try in {self._down_until - now:.1f} s")
        if self._down_until:
            self._down_until = now + self.break_seconds  # this call probes, the others fail fast
        try:
            yield
        except (RedisTimeoutError, asyncio.TimeoutError):
            STORE_TIMEOUT.inc()
            self._down_until = time.monotonic() + self.break_seconds
            raise
        except LockError:  # a lock that lapsed while held: not a store failure
            raise
        except UNAVAILABLE:  # refused, reset, unknown command...: the caller degrades
            STORE_UNAVAILABLE.inc()
            raise
        self._down_until = 0.0

    def _k(self, key: str) -> str:
        return self.ns + key

    @staticmethod
    def _px(ttl: float | None) -> int | None:
        return None if ttl is None else max(1, int(ttl * 1000))

    async def get(self, key: str) -> str | None:
        async with self._guard():
            return await self.client.get(self._k(key))

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        async with self._guard():
            await self.client.set(self._k(key), value, px=self._px(ttl))

    async def get_many(self, names: list[str]) -> list[str | None]:
        async with self._guard():
            return list(await self.client.mget([self._k(k) for k in names]))

    async def set_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        async with self._guard():
            return bool(await self.client.set(self._k(key), value, px=self._px(ttl), nx=True))

    async def write_many(self, writes: list[tuple[str, str | None, float | None]]) -> None:
        if not writes:
            return
        async with self._guard():
            async with self.client.pipeline(transaction=False) as pipe:
                for key, value, ttl in writes:
                    if value is None:
                        pipe.delete(self._k(key))
                    else:
                        pipe.set(self._k(key), value, px=self._px(ttl))
                await pipe.execute()

    async def delete(self, key: str) -> None:
        async with self._guard():
            await self.client.delete(self._k(key))

    async def incr(self, key: str, ttl: float | None = None) -> int:
        async with self._guard():
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(self._k(key))
                pipe.pttl(self._k(key))
                value, pttl = await pipe.execute()
            if ttl is not None and pttl < 0:
                await self.client.pexpire(self._k(key), self._px(ttl))
        return int(value)

    async def ttl(self, key: str) -> float | None:
        async with self._guard():
            pttl = await self.client.pttl(self._k(key))
        return None if pttl < 0 else pttl / 1000

    @asynccontextmanager
    async def lock(self, key: str, timeout: float = 10.0, wait: float = 5.0,
                   renew: bool = False) -> AsyncIterator[None]:
        lk = self.client.lock(self._k(key), timeout=timeout, blocking_timeout=wait, sleep=0.02, thread_local=False)
        async with self._guard():
            if not await lk.acquire(token=uuid.uuid4().hex):
                raise LockTimeout(key)
        try:
            async with self._renewing(lk, timeout) if renew else nullcontext():
                yield
        finally:
            try:
                async with self._guard():
                    await lk.release()
            except (LockError, *UNAVAILABLE):
                # Expired while held (the work outlived `timeout`), or Redis is unreachable: the
                # lock then expires by itself after `timeout`. Either way the work is done.
                pass

    async def _renew(self, lk: Any, timeout: float) -> None:
        """Reset the lock's expiry every third of ``timeout`` until cancelled or no longer ours."""
        while True:
            await asyncio.sleep(timeout / 3)
            try:
                async with self._guard():
                    await lk.reacquire()
            except LockError:
                return  # expired meanwhile (Redis was unreachable longer than `timeout`)
            except UNAVAILABLE:
                continue  # try again: the lock is still ours until `timeout` passes

    # ---------------------------------------------------------------- one message in two round trips
    # A WeChat message's store work (bot/conversation.py) as two scripts instead of seven calls: the
    # first binds the signed query to its body, claims the message, takes the user's lock and reads
    # the user's dialogue keys; the last writes what the message changed, lets the lock go (if it is
    # still this holder's) and leaves the message's "done" mark. Each script runs atomically.

    _BEGIN = """
    if ARGV[1] == '1' then
      if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[3]) then
        local first = redis.call('GET', KEYS[1])
        if first and first ~= ARGV[2] then return {'replayed'} end
      end
    end
    if not redis.call('SET', KEYS[2], ARGV[4], 'NX', 'PX', ARGV[5]) then return {'duplicate'} end
    if not redis.call('SET', KEYS[3], ARGV[6], 'NX', 'PX', ARGV[7]) then return {'claimed'} end
    if #KEYS == 3 then return {'locked'} end
    local values = redis.call('MGET', unpack(KEYS, 4))
    local out = {'locked'}
    for i = 1, #KEYS - 3 do out[i + 1] = values[i] or '' end
    local present = {}
    for i = 1, #KEYS - 3 do present[i] = values[i] and '1' or '0' end
    out[#KEYS - 1] = table.concat(present)
    return out
    """

    _END = """
    local n = tonumber(ARGV[4])
    for i = 0, n - 1 do
      local key, op, value, ms = KEYS[3 + i], ARGV[5 + 3 * i], ARGV[6 + 3 * i], ARGV[7 + 3 * i]
      if op == 'del' then redis.call('DEL', key)
      elseif ms == '' then redis.call('SET', key, value)
      else redis.call('SET', key, value, 'PX', ms) end
    end
    local released = 0
    if redis.call('GET', KEYS[1]) == ARGV[1] then released = redis.call('DEL', KEYS[1]) end
    if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
    return released
    """

    async def begin_message(self, *, mark: str, busy: str, busy_ttl: float, lock: str, token: str,
                            lock_ttl: float, reads: list[str],
                            bind: tuple[str, str, float] | None = None) -> tuple[str, dict[str, str | None]]:
        """(outcome, the ``reads`` values): "replayed" (``bind``'s key holds another value: nothing
        else was done), "duplicate" (``mark`` exists), "claimed" (``mark`` set, ``lock`` held by
        someone else), "locked" (``mark`` set and ``lock`` taken with ``token``; ``reads`` read)."""
        bind_key, digest, bind_ttl = bind or ("", "", 0.0)
        names = [self._k(bind_key if bind else mark), self._k(mark), self._k(lock), *(self._k(k) for k in reads)]
        args = ["1" if bind else "0", digest, self._px(bind_ttl) or 1, busy, self._px(busy_ttl), token,
                self._px(lock_ttl)]
        async with self._guard():
            out = await self._script("_begin", self._BEGIN)(keys=names, args=args)
        if out[0] != "locked" or not reads:
            return str(out[0]), {}
        values, present = out[1:len(reads) + 1], out[len(reads) + 1]
        return "locked", {k: (v if flag == "1" else None) for k, v, flag in zip(reads, values, present)}

    async def end_message(self, *, lock: str, token: str, writes: list[tuple[str, str | None, float | None]],
                          mark: tuple[str, str, float] | None) -> bool:
        """Apply ``writes`` (a None value deletes), let ``lock`` go if ``token`` still holds it, then
        set ``mark`` (key, value, ttl) when given; True when the lock was still held."""
        names = [self._k(lock), self._k(mark[0] if mark else lock)] + [self._k(k) for k, _, _ in writes]
        args: list[Any] = [token, mark[1] if mark else "", self._px(mark[2]) if mark else "", len(writes)]
        for _, value, ttl in writes:
            args += ["del", "", ""] if value is None else ["set", value, "" if ttl is None else self._px(ttl)]
        async with self._guard():
            return bool(await self._script("_end", self._END)(keys=names, args=args))

    def _script(self, name: str, source: str) -> Any:
        """A registered script (EVALSHA, loading it again if Redis forgot it), one per store."""
        script = self._scripts.get(name)
        if script is None:
            script = self._scripts[name] = self.client.register_script(source)
        return script

    def holding(self, key: str, token: str, timeout: float) -> Any:
        """Keep a lock taken by ``begin_message`` alive (as ``lock(renew=True)`` does) without taking
        or letting it go: ``end_message`` lets it go."""
        lk = self.client.lock(self._k(key), timeout=timeout, thread_local=False)
        lk.local.token = token.encode()
        return self._renewing(lk, timeout)

    @asynccontextmanager
    async def _renewing(self, lk: Any, timeout: float) -> AsyncIterator[None]:
        renewing = asyncio.create_task(self._renew(lk, timeout))
        try:
            yield
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)

    async def ping(self) -> bool:
        try:
            async with self._guard():
                return bool(await self.client.ping())
        except Exception:
            return False

    async def close(self) -> None:
        await self.client.aclose()


    async def clear_namespace(self) -> None:
        """Delete every key under this store's namespace (tests, and `chuangye` resets)."""
        async for key in self.client.scan_iter(match=self.ns + "*", count=500):
            await self.client.delete(key)


class PrefetchedStore(Store):
    """A store as one message sees it under its user's lock: some of the user's keys read up front in
    one round trip (``prefetch``), each served from that read once, until this message writes it;
    everything else (and every write) goes to the store itself.

    Only for keys that nothing else writes while the user's lock is held (the user's own dialogue
    keys), so the up-front read is what a read at that point would have given.

    Writes (``set``, ``delete``) of the ``deferred`` keys are kept here, read back from here, and sent
    together in one round trip by ``commit`` (the conversation commits before it lets go of the
    user's lock). Only for keys whose writes may fail without the user noticing (a store outage
    already costs them: the transcript, the answer a 有用/没用 would rate).
    """

    def __init__(self, store: Store, values: dict[str, str | None], deferred: frozenset[str] = frozenset()) -> None:
        self.inner, self._values, self.name = store, values, store.name
        self._deferred = deferred
        self._writes: dict[str, tuple[str | None, float | None]] = {}

    @classmethod
    async def prefetch(cls, store: Store, names: list[str], deferred: frozenset[str] = frozenset()) -> Store:
        """The store with ``names`` read in one round trip (the store itself when that read fails)."""
        try:
            return cls(store, dict(zip(names, await store.get_many(names))), deferred)
        except UNAVAILABLE:
            return store

    async def commit(self) -> None:
        """Send the deferred writes (one round trip); they are dropped if the store refuses them."""
        await self.inner.write_many(self.take_writes())

    def take_writes(self) -> list[tuple[str, str | None, float | None]]:
        """The deferred writes, in order, for the caller to send (RedisStore.end_message); none are kept."""
        writes, self._writes = self._writes, {}
        return [(k, v, ttl) for k, (v, ttl) in writes.items()]

    async def _commit_key(self, key: str) -> None:
        if key in self._writes:
            value, ttl = self._writes.pop(key)
            await self.inner.write_many([(key, value, ttl)])

    async def get(self, key: str) -> str | None:
        if key in self._writes:
            return self._writes[key][0]
        if key in self._values:
            return self._values.pop(key)
        return await self.inner.get(key)

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        self._values.pop(key, None)
        if key in self._deferred:
            self._writes.pop(key, None)  # re-inserted last: writes stay in order
            self._writes[key] = (value, ttl)
            return
        await self.inner.set(key, value, ttl)

    async def set_if_absent(self, key: str, value: str, ttl: float | None = None) -> bool:
        self._values.pop(key, None)
        await self._commit_key(key)
        return await self.inner.set_if_absent(key, value, ttl)

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)
        if key in self._deferred:
            self._writes.pop(key, None)
            self._writes[key] = (None, None)
            return
        await self.inner.delete(key)

    async def incr(self, key: str, ttl: float | None = None) -> int:
        self._values.pop(key, None)
        await self._commit_key(key)
        return await self.inner.incr(key, ttl)

    async def ttl(self, key: str) -> float | None:
        await self._commit_key(key)
        return await self.inner.ttl(key)

    def lock(self, key: str, timeout: float = 10.0, wait: float = 5.0, renew: bool = False):
        return self.inner.lock(key, timeout, wait, renew)

    async def ping(self) -> bool:
        return await self.inner.ping()


def make_store(redis_url: str | None, namespace: str = "cy:") -> Store:
    return MemoryStore() if not redis_url else RedisStore(redis_url, namespace)
