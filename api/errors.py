"""JSON errors for the API: ``{"error": {"code", "message", "fields"}}`` with a matching status.

One middleware turns everything that can go wrong into that shape: our own ``ApiError``,
the use cases' ``DomainError`` (handlers/errors.py), aiohttp's HTTP exceptions (unknown
route, wrong method, body too large), the database being unreachable (503 ``unavailable`` with
``Retry-After``, said once per outage in the log by chuangye.db.OUTAGE, no stack trace) and,
last, any unexpected exception, which is logged with its stack trace and answered with a plain
500 that never shows it.
"""
from __future__ import annotations

import json
import logging
from typing import Awaitable, Callable

from aiohttp import web

from chuangye import metrics
from chuangye.db import note_db_unavailable
from handlers.errors import DomainError

log = logging.getLogger("chuangye.api")

# Messages for the statuses aiohttp raises on its own (routing, body size).
HTTP_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求格式不正确"),
    404: ("not_found", "接口不存在，请检查请求地址"),
    405: ("method_not_allowed", "该接口不支持此请求方法"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "请求内容应为 JSON"),
}
INTERNAL = ("internal", "服务器内部错误，请稍后再试")
UNAVAILABLE = ("unavailable", "系统繁忙，请稍后再试。本次操作没有保存任何内容。")
RETRY_AFTER_SECONDS = 10  # a database restart or fail-over usually takes about this long


class ApiError(Exception):
    """An error the channel itself raises (bad JSON, missing token, unknown id...)."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None, extra: dict | None = None) -> web.Response:
    body = {"error": {"code": code, "message": message, "fields": dict(fields or {}), **(extra or {})}}
    return web.json_response(body, status=status, headers=headers, dumps=dumps)


def dumps(data: object) -> str:
    """JSON with Chinese text as is (not \\u escapes)."""
    return json.dumps(data, ensure_ascii=False)


def _from_http(exc: web.HTTPException) -> web.Response:
    code, message = HTTP_MESSAGES.get(exc.status, (f"http_{exc.status}", exc.reason or "请求无法处理"))
    headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "www-authenticate", "retry-after")}
    return error_response(exc.status, code, message, headers=headers)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.fields, exc.headers)
    except DomainError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.fields, extra=exc.extra)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _from_http(exc)
    except Exception as exc:
        metrics.count_db_error(exc, "api")
        if note_db_unavailable(exc):
            return error_response(503, *UNAVAILABLE, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        log.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(500, *INTERNAL)
