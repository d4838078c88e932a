"""The one outbound WeChat / WeCom client.

Every URL is relative to ``wechat.api_base_url`` (tests point it at ``chuangye.standin``).
Calls go through the app's ``aiohttp.ClientSession``, so nothing blocks the event loop.

Access tokens come from ``/cgi-bin/stable_token``, one per app ("oa" official account,
"mp" mini-program). They are cached in the store (``keys.access_token``) so every process
shares one token, dropped from the cache five minutes before WeChat's expiry, and fetched
under a store lock so only one process refreshes at a time. A call answered with an
invalid/expired-token errcode refreshes the token once (``force_refresh``) and is retried once.
While the store cannot be reached, each process keeps its own token the same way in memory
(``stable_token`` hands every caller the same token, so processes do not invalidate each other).
Error texts (kept in a notification's last error, shown to staff, logged) name the URL without
its query and never carry a secret: the WeCom robot's key, app secrets, access tokens.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import aiohttp

from chuangye.config import Config
from chuangye.store import UNAVAILABLE, MemoryStore, Store, keys

log = logging.getLogger("chuangye.wechat_api")

TOKEN_ERRCODES = frozenset({40001, 42001, 40014})
REFRESH_EARLY_SECONDS = 300
MIN_TOKEN_TTL = 30


class WeChatError(Exception):
    """WeChat answered with errcode != 0."""

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(f"WeChat errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatUnavailable(Exception):
    """WeChat could not be reached (network error, timeout, HTTP 5xx, unreadable answer)."""


_SECRET_PARAMS = re.compile(r"((?:key|secret|access_token|js_code|code)=)[^&\s'\"]+", re.I)


def _redact(text: str) -> str:
    return _SECRET_PARAMS.sub(r"\1***", text)


def _wrap_values(data: dict[str, Any]) -> dict[str, Any]:
    """Template/subscribe data: plain values become WeChat's ``{"value": ...}`` objects."""
    return {k: v if isinstance(v, dict) else {"value": str(v)} for k, v in data.items()}


class WeChatAPI:
    def __init__(self, config: Config, http: aiohttp.ClientSession, store: Store) -> None:
        self.config = config
        self.http = http
        self.store = store
        self.local = MemoryStore()  # the token cache while the shared store is unreachable
        self.base = config.wechat.api_base_url

    # ------------------------------------------------------------ access tokens
    def _credentials(self, app: str) -> tuple[str, str]:
        wc = self.config.wechat
        if app == "oa":
            return wc.official_account.app_id, wc.official_account.app_secret
        if app == "mp":
            return wc.mini_program.app_id, wc.mini_program.app_secret
        raise ValueError(f"unknown WeChat app {app!r} (expected 'oa' or 'mp')")

    async def access_token(self, app: str = "oa", force: bool = False, *, stale: str | None = None) -> str:
        """A valid access token for ``app``; ``force`` fetches a new one unless another
        process already replaced ``stale`` (the token that was just refused)."""
        try:
            return await self._token(self.store, app, force, stale)
        except UNAVAILABLE as exc:
            log.warning("token cache unreachable, this process keeps its own token",
                        extra={"fields": {"app": app, "error": f"{type(exc).__name__}: {exc}"[:200]}})
            return await self._token(self.local, app, force, stale)

    async def _token(self, store: Store, app: str, force: bool, stale: str | None) -> str:
        app_id, secret = self._credentials(app)
        key = keys.access_token(app_id)
        if not force:
            cached = await store.get(key)
            if cached:
                return cached
        async with store.lock(keys.token_lock(app_id), timeout=15, wait=12):
            cached = await store.get(key)
            if cached and (not force or (stale is not None and cached != stale)):
                return cached
            data = await self._request("POST", "/cgi-bin/stable_token", json_body={
                "grant_type": "client_credential", "appid": app_id, "secret": secret, "force_refresh": force})
            token = data["access_token"]
            ttl = max(MIN_TOKEN_TTL, int(data.get("expires_in", 7200)) - REFRESH_EARLY_SECONDS)
            await store.set(key, token, ttl=ttl)
            log.info("access token refreshed", extra={"fields": {"app": app, "forced": force}})
            return token

    # ------------------------------------------------------------ transport
    async def _request(self, method: str, url: str, *, params: dict[str, str] | None = None,
                       json_body: Any = None) -> dict[str, Any]:
        """One HTTP call; returns the JSON answer or raises WeChatError / WeChatUnavailable."""
        full = url if url.startswith(("http://", "https://")) else self.base + url
        url = url.split("?", 1)[0]  # how the call is named in errors: no query, no key
        data = None
        headers = None
        if json_body is not None:
            # WeChat shows \\uXXXX escapes literally: send real UTF-8.
            data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            async with self.http.request(method, full, params=params, data=data, headers=headers) as resp:
                if resp.status >= 500:
                    raise WeChatUnavailable(f"{url}: HTTP {resp.status}")
                if resp.status != 200:
                    raise WeChatError(-1, f"HTTP {resp.status}")
                answer = await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise WeChatUnavailable(f"{url}: {type(exc).__name__}: {_redact(str(exc))}") from None
        if not isinstance(answer, dict):
            raise WeChatUnavailable(f"{url}: unexpected answer {answer!r:.100}")
        errcode = int(answer.get("errcode") or 0)
        if errcode != 0:
            raise WeChatError(errcode, str(answer.get("errmsg", "")))
        return answer

    async def _call(self, app: str, method: str, path: str, *, json_body: Any = None,
                    params: dict[str, str] | None = None) -> dict[str, Any]:
        """An authenticated call; a refused token is refreshed once and the call retried once."""
        token = await self.access_token(app)
        try:
            return await self._request(method, path, params={**(params or {}), "access_token": token},
                                       json_body=json_body)
        except WeChatError as exc:
            if exc.errcode not in TOKEN_ERRCODES:
                raise
            log.warning("access token refused, refreshing once", extra={"fields": {"app": app, "errcode": exc.errcode}})
        token = await self.access_token(app, force=True, stale=token)
        return await self._request(method, path, params={**(params or {}), "access_token": token},
                                   json_body=json_body)

    # ------------------------------------------------------------ messages
    async def send_custom_text(self, openid: str, text: str) -> dict[str, Any]:
        """Customer-service text message (official account, within 48 h of the user's last message)."""
        return await self._call("oa", "POST", "/cgi-bin/message/custom/send", json_body={
            "touser": openid, "msgtype": "text", "text": {"content": text}})

    async def send_template(self, openid: str, template_id: str, data: dict[str, Any], url: str | None = None,
                            miniprogram: dict[str, str] | None = None) -> dict[str, Any]:
        """Official-account template message; ``data`` values may be plain strings."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": _wrap_values(data)}
        if url:
            body["url"] = url
        if miniprogram:
            body["miniprogram"] = miniprogram
        return await self._call("oa", "POST", "/cgi-bin/message/template/send", json_body=body)

    async def send_subscribe(self, openid: str, template_id: str, data: dict[str, Any],
                             page: str | None = None) -> dict[str, Any]:
        """Mini-program subscribe message (needs the user's grant); uses the mini-program token."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": _wrap_values(data)}
        if page:
            body["page"] = page
        return await self._call("mp", "POST", "/cgi-bin/message/subscribe/send", json_body=body)

    async def create_menu(self, menu: dict[str, Any]) -> dict[str, Any]:
        return await self._call("oa", "POST", "/cgi-bin/menu/create", json_body=menu)

    # ------------------------------------------------------------ mini-program login
    async def jscode2session(self, code: str) -> dict[str, Any]:
        """``{openid, session_key, unionid?}`` for a wx.login code; WeChatError when refused."""
        mp = self.config.wechat.mini_program
        return await self._request("GET", "/sns/jscode2session", params={
            "appid": mp.app_id, "secret": mp.app_secret, "js_code": code, "grant_type": "authorization_code"})

    async def get_phone_number(self, code: str) -> str:
        """The phone number (without country code) behind a getPhoneNumber code."""
        data = await self._call("mp", "POST", "/wxa/business/getuserphonenumber", json_body={"code": code})
        info = data.get("phone_info") or {}
        phone = info.get("purePhoneNumber") or info.get("phoneNumber")
        if not phone:
            raise WeChatUnavailable("getuserphonenumber answered without phone_info")
        return str(phone)

    # ------------------------------------------------------------ WeCom group robot
    async def wecom_send(self, text: str, url: str | None = None) -> dict[str, Any]:
        """Post to a WeCom group robot: ``url`` (a guidance team's), else notify.wecom_webhook_url."""
        url = url or self.config.notify.wecom_webhook_url
        if not url:
            raise WeChatError(-1, "notify.wecom_webhook_url is not configured")
        return await self._request("POST", url, json_body={"msgtype": "text", "text": {"content": text}})
