"""Per-client rate limits on the endpoints that guess passwords or cost the most.

A fixed window per (endpoint, client address) counted in the store, so with Redis every process
shares the count. Past the limit: 429 ``rate_limited`` with a Chinese message and ``Retry-After``,
before authentication or any work. Staff sign-in is also throttled per (address, username)
(handlers/staff/throttle.py); this limit stops one address from trying many accounts.

The client address is the peer, or nginx's ``X-Real-IP`` when the peer is this machine (the
deployment's reverse proxy, deploy/nginx-chuangye.conf); a remote peer cannot choose its address.
Mobile networks put many users behind one address, so the limits are generous. A store outage
lets requests through: losing the limit for a while is better than losing the service.
"""
from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass
from typing import Iterable

from aiohttp import web

from chuangye import appkeys as K
from chuangye.log import log_event
from chuangye.netaddr import is_loopback
from chuangye.store import keys

from api.auth import bearer_token, verify_user_token
from api.errors import ApiError, Handler
from api.registry import Endpoint

log = logging.getLogger("chuangye.api.ratelimit")


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: int
    # "address": per client address; "user": per signed-in mini-program user (the token's user
    # id, checked by signature only; a request without a valid token counts for its address).
    per: str = "address"


# operation id (api/registry.py) -> the most requests one client (address or user) may make per window
LIMITS: dict[str, Limit] = {
    "staff_staff_login": Limit(30, 60),
    "auth_routes_login": Limit(60, 60),
    "policies_ask": Limit(120, 60),
    "policies_search": Limit(240, 60),
    "policies_feedback": Limit(30, 60),
    # Booking: per user, since many users share a mobile network's address; far above what a
    # person taps, well below a script cycling through slots.
    "appointments_book": Limit(10, 60, per="user"),
    "events_register": Limit(10, 60, per="user"),  # event sign-ups, for the same reason
}
MSG = "操作过于频繁，请 {seconds} 秒后再试"
DOC = "请求过于频繁（rate_limited），按 Retry-After 秒数稍后再试"


def client_address(request: web.Request) -> str:
    """The caller's address: nginx's X-Real-IP when the peer is the local proxy, else the peer."""
    peer = request.remote or ""
    local = is_loopback(peer)
    forwarded = request.headers.get("X-Real-IP", "").strip()
    if local and forwarded:
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass
    return peer or "unknown"


def document(endpoints: Iterable[Endpoint]) -> None:
    """Declare the 429 answer on every limited endpoint (the OpenAPI document lists it)."""
    for ep in endpoints:
        if ep.operation_id in LIMITS:
            ep.errors.setdefault(429, DOC)


def _client(request: web.Request, limit: Limit) -> str:
    if limit.per == "user":
        security = request.config_dict[K.CONFIG].security
        try:
            user = verify_user_token(security.secret_key, bearer_token(request), security.token_ttl_seconds)
            return f"user:{user.user_id}"
        except ApiError:
            pass  # no valid token: the handler answers 401; count it for the address meanwhile
    return client_address(request)


async def _check(request: web.Request, name: str, limit: Limit) -> None:
    key = keys.rate(name, _client(request, limit))
    store = request.config_dict[K.STORE]
    try:
        count = await store.incr(key, ttl=limit.seconds)
        if count <= limit.requests:
            return
        left = await store.ttl(key)
    except Exception as exc:
        log_event(log, "rate limit not checked: store unavailable", logging.WARNING, error=str(exc)[:200])
        return
    seconds = max(1, math.ceil(left if left is not None else limit.seconds))
    raise ApiError(429, "rate_limited", MSG.format(seconds=seconds), headers={"Retry-After": str(seconds)})


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    name = request.match_info.route.name or ""
    limit = LIMITS.get(name)
    if limit is not None:
        await _check(request, name, limit)
    return await handler(request)
