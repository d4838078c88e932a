"""A stand-in for the WeChat API (and a WeCom group robot), for tests and local demos.

It answers the endpoints we call at ``wechat.api_base_url`` the way WeChat documents them,
records every call, and can be told to fail: ``fail(path, times, errcode=..|status=..|delay=..)``.
Run it alone with ``chuangye standin --port 8081`` and point ``wechat.api_base_url`` at it;
``GET /_standin/calls`` lists what it received, ``POST /_standin/fail`` injects failures.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    path: str
    query: dict[str, str]
    body: Any
    at: float
    answered: dict[str, Any] | None = None
    status: int = 200


@dataclass
class Failure:
    times: int
    errcode: int | None = None
    status: int | None = None
    delay: float = 0.0


@dataclass
class StandIn:
    oa_app_id: str = "wx_standin_oa"
    mp_app_id: str = "wx_standin_mp"
    token_ttl: int = 7200
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    valid_tokens: dict[str, float] = field(default_factory=dict)
    # openids that refuse template/custom messages with this errcode (e.g. 43101, 45015)
    refusals: dict[str, int] = field(default_factory=dict)
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))

    # ------------------------------------------------------------ control from tests
    def fail(self, path: str, times: int = 1, *, errcode: int | None = None, status: int | None = None,
             delay: float = 0.0) -> None:
        """The next ``times`` calls to ``path`` fail (WeChat errcode, HTTP status, or a slow answer)."""
        if errcode is None and status is None and not delay:
            status = 503
        self.failures.setdefault(path, []).append(Failure(times, errcode, status, delay))

    def refuse(self, openid: str, errcode: int) -> None:
        self.refusals[openid] = errcode

    def expire_tokens(self) -> None:
        """Invalidate every issued access token (the next use gets errcode 40001)."""
        self.valid_tokens.clear()

    def calls_to(self, path: str, *, ok_only: bool = False) -> list[Call]:
        return [c for c in self.calls if c.path == path and (not ok_only or self._ok(c))]

    @staticmethod
    def _ok(call: Call) -> bool:
        return call.status == 200 and bool(call.answered) and call.answered.get("errcode", 0) == 0

    # ------------------------------------------------------------ server
    def make_app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_route("*", "/cgi-bin/stable_token", self._stable_token)
        r.add_get("/sns/jscode2session", self._jscode2session)
        r.add_post("/wxa/business/getuserphonenumber", self._phone)
        for path in ("/cgi-bin/message/custom/send", "/cgi-bin/message/template/send",
                     "/cgi-bin/message/subscribe/send", "/cgi-bin/menu/create"):
            r.add_post(path, self._message)
        r.add_post("/cgi-bin/webhook/send", self._wecom)
        r.add_get("/_standin/calls", self._list_calls)
        r.add_post("/_standin/fail", self._inject)
        return app

    async def _record(self, request: web.Request) -> tuple[Call, web.Response | None]:
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        call = Call(request.path, dict(request.query), body, time.time())
        self.calls.append(call)
        queue = self.failures.get(request.path)
        if queue:
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            if failure.delay:
                await asyncio.sleep(failure.delay)
            if failure.status:
                call.status = failure.status
                return call, web.Response(status=failure.status, text="stand-in failure")
            if failure.errcode is not None:
                return call, self._answer(call, {"errcode": failure.errcode, "errmsg": "stand-in failure"})
        return call, None

    def _answer(self, call: Call, data: dict[str, Any]) -> web.Response:
        call.answered = data
        return web.json_response(data)

    def _token_ok(self, call: Call) -> bool:
        token = call.query.get("access_token", "")
        expiry = self.valid_tokens.get(token)
        return expiry is not None and expiry > time.time()

    async def _stable_token(self, request: web.Request) -> web.Response:
        call, failed = await self._record(request)
        if failed:
            return failed
        body = call.body if isinstance(call.body, dict) else dict(request.query)
        appid = body.get("appid", "")
        if not appid or not body.get("secret"):
            return self._answer(call, {"errcode": 40013, "errmsg": "invalid appid"})
        token = f"TOKEN-{appid}-{next(self._seq)}"
        self.valid_tokens[token] = time.time() + self.token_ttl
        return self._answer(call, {"access_token": token, "expires_in": self.token_ttl})

    async def _jscode2session(self, request: web.Request) -> web.Response:
        call, failed = await self._record(request)
        if failed:
            return failed
        code = call.query.get("js_code", "")
        if not code or code.startswith("invalid") or (self.mp_app_id and call.query.get("appid") != self.mp_app_id):
            return self._answer(call, {"errcode": 40029, "errmsg": "invalid code"})
        openid = "mp-" + code
        session_key = hashlib.sha256(code.encode()).hexdigest()[:24]
        data = {"openid": openid, "session_key": session_key}
        if code.startswith("union"):
            data["unionid"] = "u-" + code
        return self._answer(call, data)

    async def _phone(self, request: web.Request) -> web.Response:
        call, failed = await self._record(request)
        if failed:
            return failed
        if not self._token_ok(call):
            return self._answer(call, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        code = (call.body or {}).get("code", "") if isinstance(call.body, dict) else ""
        if not code or code.startswith("invalid"):
            return self._answer(call, {"errcode": 40029, "errmsg": "invalid code"})
        phone = code if code.isdigit() and len(code) == 11 else "13800138000"
        return self._answer(call, {"errcode": 0, "errmsg": "ok", "phone_info": {
            "phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86"}})

    async def _message(self, request: web.Request) -> web.Response:
        call, failed = await self._record(request)
        if failed:
            return failed
        if not self._token_ok(call):
            return self._answer(call, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        touser = (call.body or {}).get("touser") if isinstance(call.body, dict) else None
        if touser in self.refusals:
            return self._answer(call, {"errcode": self.refusals[touser], "errmsg": "refused by stand-in"})
        data: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
        if call.path.endswith("template/send"):
            data["msgid"] = next(self._seq)
        return self._answer(call, data)

    async def _wecom(self, request: web.Request) -> web.Response:
        call, failed = await self._record(request)
        if failed:
            return failed
        if not call.query.get("key"):
            return self._answer(call, {"errcode": 93000, "errmsg": "invalid webhook url"})
        return self._answer(call, {"errcode": 0, "errmsg": "ok"})

    async def _list_calls(self, request: web.Request) -> web.Response:
        return web.json_response([
            {"path": c.path, "query": c.query, "body": c.body, "at": c.at, "status": c.status, "answered": c.answered}
            for c in self.calls
        ])

    async def _inject(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.fail(data["path"], int(data.get("times", 1)), errcode=data.get("errcode"),
                  status=data.get("status"), delay=float(data.get("delay", 0)))
        return web.json_response({"ok": True})


def run_standin(host: str, port: int) -> int:
    web.run_app(StandIn(oa_app_id="", mp_app_id="").make_app(), host=host, port=port)
    return 0
