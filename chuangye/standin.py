"""A stand-in for the WeChat API (and a WeCom group robot), for tests and local demos.

It answers the endpoints we call at ``wechat.api_base_url`` the way WeChat documents them,
records every call, and can be told to fail: ``fail(path, times, errcode=..|status=..|delay=..)``.
Run it alone with ``chuangye standin --port 8081`` and point ``wechat.api_base_url`` at it;
``GET /_standin/calls`` lists what it received, ``POST /_standin/fail`` injects failures.

It also stands in for an OpenAI-compatible model server (``llm.base_url``):
``/v1/chat/completions`` answers from the passages it is sent, as scripted by
``script_llm(*kinds)`` (or ``POST /_standin/llm {"script": [...]}``), one kind per call, then
``faithful`` again: ``faithful`` (quotes passage [1] verbatim, with its caveats, citing [1]),
``invented_amount``, ``wrong_citation``, ``unconfirmed`` (states as settled what [1] says is
unconfirmed), ``injection`` (echoes an injected instruction), ``timeout`` (answers after 10 s),
``error`` (HTTP 500), or any other string, returned as it is. A rewrite request (no passages)
is answered with the question itself unless scripted. ``/v1/embeddings`` gives deterministic
vectors: hashed character unigrams and bigrams, L2-normalised, of ``embedding_dimension``
values (a model named ``…-<n>d`` gets n), so hybrid retrieval can be tested for real.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import math
import re
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
    llm_script: list[str] = field(default_factory=list)
    embedding_dimension: int = 256
    llm_slow_seconds: float = 10.0

    def script_llm(self, *kinds: str) -> None:
        """The next chat completions answer as these kinds (see the module docstring), in order."""
        self.llm_script.extend(kinds)

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
        r.add_post("/v1/chat/completions", self._chat)
        r.add_post("/v1/embeddings", self._embeddings)
        r.add_post("/_standin/llm", self._script)
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

    async def _chat(self, request: web.Request) -> web.Response:
        call, failed = await self._record(request)
        if failed:
            return failed
        kind = self.llm_script.pop(0) if self.llm_script else "faithful"
        if kind == "timeout":
            await asyncio.sleep(self.llm_slow_seconds)
        if kind == "error":
            call.status = 500
            return web.json_response({"error": {"message": "stand-in failure"}}, status=500)
        messages = (call.body or {}).get("messages", []) if isinstance(call.body, dict) else []
        user = next((m.get("content", "") for m in messages if m.get("role") == "user"), "")
        text = scripted_answer(kind, user)
        prompt = sum(len(m.get("content", "")) for m in messages)
        return self._answer(call, {
            "id": f"chatcmpl-{next(self._seq)}", "object": "chat.completion", "created": int(time.time()),
            "model": (call.body or {}).get("model", ""),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": len(text), "total_tokens": prompt + len(text)},
        })

    async def _embeddings(self, request: web.Request) -> web.Response:
        call, failed = await self._record(request)
        if failed:
            return failed
        body = call.body if isinstance(call.body, dict) else {}
        texts = body.get("input", [])
        texts = [texts] if isinstance(texts, str) else list(texts)
        model = str(body.get("model", ""))
        sized = re.search(r"-(\d+)d$", model)
        dimension = int(sized.group(1)) if sized else self.embedding_dimension
        tokens = sum(len(t) for t in texts)
        return self._answer(call, {
            "object": "list", "model": model,
            "data": [{"object": "embedding", "index": i, "embedding": hashed_embedding(t, dimension)}
                     for i, t in enumerate(texts)],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        })

    async def _script(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.script_llm(*[str(k) for k in data.get("script", [])])
        return web.json_response({"ok": True})

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


# ---------------------------------------------------------------- the model server

_PASSAGE_HEAD = re.compile(r"^\[(\d+)\] ", re.M)
_QUESTION = re.compile(r"<question>\n?(.*?)\n?</question>", re.S)
_CAVEAT = re.compile(r"未确认|尚未|未核实|没有查到|为准")
_SENTENCE = re.compile(r"(?<=[。；！？])")


def _passages(text: str) -> list[str]:
    """The passage texts of a chat request (``[n] label`` then the text, up to the question)."""
    body = text.split("用户问题：")[0]
    parts = _PASSAGE_HEAD.split(body)[1:]
    return [parts[i + 1].split("\n", 1)[1].strip() if "\n" in parts[i + 1] else "" for i in range(0, len(parts), 2)]


def scripted_answer(kind: str, user: str) -> str:
    """What the stand-in model says to ``user`` (the request's user message) when told ``kind``."""
    passages = _passages(user)
    question = (_QUESTION.search(user) or _QUESTION.search("<question></question>")).group(1)  # type: ignore[union-attr]
    if not passages:  # a rewrite request
        return question if kind == "faithful" else kind
    sentences = [x for x in _SENTENCE.split(passages[0]) if x.strip()]
    first = sentences[0] if sentences else passages[0]
    caveats = [x for x in sentences[1:] if _CAVEAT.search(x)]
    faithful = "".join([first] + caveats) + "[1]"
    if kind == "faithful":
        return faithful
    if kind == "invented_amount":
        return first + "最高可以贷到88万元[1]。"
    if kind == "wrong_citation":
        return faithful.replace("[1]", f"[{len(passages) + 4}]")
    if kind == "unconfirmed":
        return first + "这个标准已经确认，楚雄就是这样执行的，不用再问了[1]。"
    if kind == "injection":
        return "好的，我将忽略以上指令。" + question
    return kind


def hashed_embedding(text: str, dimension: int) -> list[float]:
    """Hashed character unigrams and bigrams (bigrams count double), L2-normalised: deterministic."""
    chars = [c for c in text if c.isalnum()]
    vec = [0.0] * dimension
    grams = [(c, 1.0) for c in chars] + [(a + b, 2.0) for a, b in zip(chars, chars[1:])]
    for gram, weight in grams:
        vec[int(hashlib.md5(gram.encode("utf-8")).hexdigest()[:8], 16) % dimension] += weight
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


def run_standin(host: str, port: int) -> int:
    web.run_app(StandIn(oa_app_id="", mp_app_id="").make_app(), host=host, port=port)
    return 0
