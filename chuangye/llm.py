"""A thin client for the operator's OpenAI-compatible model server (``llm:`` in the config).

Two endpoints, as vLLM, Ollama, Xinference and the domestic clouds serve them:
``POST {base_url}/v1/chat/completions`` and ``POST {base_url}/v1/embeddings``. It uses the app's
one aiohttp session (no SDK: two JSON calls do not need one, and the official SDK would bring
httpx, its own retries and its own timeouts to keep in step with the reply budget).

Guarantees:
- every call has a hard time limit (the caller's: what is left of the reply budget); past it, or
  on any HTTP error or unexpected answer, ``LlmError`` is raised with a short ``kind``
  (timeout or error) and nothing is retried;
- every call is logged with its latency and token counts, never with the text sent or received,
  and counted in ``chuangye_llm_calls``;
- ``mask_personal`` is what callers apply to user text before it leaves: ID and mobile numbers
  (``pii.scrub``) and names given in forms (我叫张三, 姓名：张三).
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import aiohttp

from chuangye import metrics, pii
from chuangye.log import log_event

log = logging.getLogger("chuangye.llm")
T = TypeVar("T")

_NAME = re.compile(r"(我叫|我是|本人|姓名|名字|申请人|联系人)(\s*(?:是|叫|为)?\s*[:：]?\s*)([\u4e00-\u9fff]{2,4})")
# Words after 我是 that are not names (我是网店店主, 我是退役军人...): kept as they are.
_NOT_NAME = re.compile(r"^(网店|店主|退役|退伍|高校|大学|毕业|农民|返乡|贫困|残疾|个体|创业|失业|下岗|一名|一个|本地|外地"
                       r"|楚雄|云南|小微|企业|老板|学生|建档|脱贫|军人|妇女|青年|刑满|留学|应届|在校|城镇|农村|登记)")


def mask_personal(text: str) -> str:
    """``text`` with ID and mobile numbers masked, and names given as names replaced by 某某."""
    def name(match: re.Match[str]) -> str:
        if _NOT_NAME.match(match.group(3)):
            return match.group(0)
        return match.group(1) + match.group(2) + "某某"
    return _NAME.sub(name, pii.scrub(text))


class LlmError(Exception):
    """A model call gave no usable answer: ``kind`` is timeout or error."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass(frozen=True)
class ChatResult:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


class LlmClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, *, api_key: str | None = None,
                 chat_model: str = "", embedding_model: str = "", connect_timeout: float = 0.5,
                 max_tokens: int = 400) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.chat_model = chat_model
        self.embedding_model = embedding_model
        self.connect_timeout = connect_timeout
        self.max_tokens = max_tokens

    async def _post(self, kind: str, path: str, payload: dict[str, Any], timeout: float,
                    parse: Callable[[dict[str, Any]], T]) -> T:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        started = time.perf_counter()
        outcome, data, status = "error", None, None
        try:
            if timeout <= 0:
                raise asyncio.TimeoutError
            limit = aiohttp.ClientTimeout(total=timeout, connect=min(self.connect_timeout, timeout))
            # wait_for as well: the session's own timeout does not cover every stall (a slow DNS lookup).
            data, status = await asyncio.wait_for(self._send(path, payload, headers, limit), timeout)
            if status != 200 or not isinstance(data, dict):
                raise LlmError("error", f"HTTP {status}")
            try:
                parsed = parse(data)
            except (KeyError, IndexError, TypeError, ValueError, AttributeError):
                raise LlmError("error", "unexpected answer shape") from None
            outcome = "ok"
            return parsed
        except asyncio.TimeoutError:
            outcome = "timeout"
            raise LlmError("timeout", f"over {timeout:.2f}s") from None
        except aiohttp.ClientError as exc:
            raise LlmError("error", type(exc).__name__) from None
        finally:
            usage = (data or {}).get("usage") if isinstance(data, dict) else None
            usage = usage if isinstance(usage, dict) else {}
            metrics.LLM_CALLS.labels(kind, outcome).inc()
            log_event(log, "model call", kind=kind, outcome=outcome, status=status,
                      latency_ms=round((time.perf_counter() - started) * 1000, 1),
                      prompt_tokens=usage.get("prompt_tokens"), completion_tokens=usage.get("completion_tokens"),
                      model=payload.get("model"))

    async def _send(self, path: str, payload: dict[str, Any], headers: dict[str, str],
                    limit: aiohttp.ClientTimeout) -> tuple[Any, int]:
        async with self.session.post(self.base_url + path, json=payload, headers=headers, timeout=limit) as resp:
            if resp.status != 200:
                return None, resp.status
            try:
                return await resp.json(content_type=None), resp.status
            except ValueError:
                return None, resp.status

    async def chat(self, system: str, user: str, *, timeout: float, temperature: float = 0.0) -> ChatResult:
        """One completion: ``system`` fixed by the service, ``user`` the data (already masked)."""
        def parse(data: dict[str, Any]) -> ChatResult:
            text = data["choices"][0]["message"]["content"]
            if not isinstance(text, str):
                raise TypeError
            usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
            return ChatResult(text.strip(), int(usage.get("prompt_tokens") or 0),
                              int(usage.get("completion_tokens") or 0))

        return await self._post("chat", "/v1/chat/completions", {
            "model": self.chat_model, "temperature": temperature, "max_tokens": self.max_tokens, "stream": False,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        }, timeout, parse)

    async def embed(self, texts: list[str], *, timeout: float) -> list[list[float]]:
        """One vector per text, in order."""
        def parse(data: dict[str, Any]) -> list[list[float]]:
            rows = sorted(data["data"], key=lambda r: r.get("index", 0))
            vectors = [[float(x) for x in r["embedding"]] for r in rows]
            if len(vectors) != len(texts) or not vectors or len({len(v) for v in vectors}) != 1 or not vectors[0]:
                raise ValueError
            return vectors

        return await self._post("embedding", "/v1/embeddings", {"model": self.embedding_model, "input": texts},
                                timeout, parse)
