"""Run one declared endpoint: authenticate, translate the input, call the handler, translate the output.

Order matters: a missing token is 401 before any 422, a malformed body is 400 before any
validation, and an ``Idempotency-Key`` is only honoured for a request that is authenticated
and well-formed (api/idempotency.py).
"""
from __future__ import annotations

import json
import re
from typing import Any, Awaitable, Callable

from aiohttp import web
from pydantic import BaseModel

from chuangye import appkeys as K
from handlers.errors import InvalidInput

from api import auth, idempotency
from api.errors import ApiError, dumps
from api.registry import Call, Endpoint, Reply
from api.validation import validate

MSG_BAD_JSON = "请求体不是有效的 JSON"
MSG_NOT_OBJECT = "请求体应为 JSON 对象"
# NUL and lone surrogates: valid in JSON escapes, refused by PostgreSQL and by UTF-8 itself.
UNREADABLE = re.compile("[\x00\ud800-\udfff]")
MSG_UNREADABLE = "包含无法识别的字符，请删除后重新输入"


def make_handler(ep: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        call = Call(request)
        await _authenticate(ep, call)
        call.path = _path_values(ep, request)
        call.query = _query(ep, request)
        if ep.body is not None:
            call.body = _clean_body(ep, await _json_object(request))
        if ep.idempotent and idempotency.HEADER in request.headers:
            status, body, replayed = await idempotency.run(call, lambda: execute(ep, call))
            headers = {idempotency.REPLAYED_HEADER: "true"} if replayed else None
            return web.json_response(body, status=status, headers=headers, dumps=dumps)
        result = await execute(ep, call)
        if isinstance(result, web.StreamResponse):
            return result
        status, body = result
        return web.json_response(body, status=status, dumps=dumps)

    handle.__name__ = ep.operation_id
    return handle


async def execute(ep: Endpoint, call: Call) -> tuple[int, Any] | web.StreamResponse:
    """Call the handler; return (status, JSON-ready body) or its own aiohttp response."""
    result = await ep.handler(call)
    if isinstance(result, web.StreamResponse):
        return result
    status = ep.status
    if isinstance(result, Reply):
        status, result = result.status, result.body
    return status, _serialise(ep, result)


def _serialise(ep: Endpoint, result: Any) -> Any:
    if ep.response is None:
        return result
    model = result if isinstance(result, ep.response) else ep.response.model_validate(result)
    return model.model_dump(mode="json")


async def _authenticate(ep: Endpoint, call: Call) -> None:
    if ep.auth == "user":
        call.user = await auth.authenticate_user(call.request)
    elif ep.auth == "staff":
        call.staff = await auth.authenticate_staff(call.request)
        # Staff see every question this process took (its question logs are written behind).
        asking = call.request.config_dict.get(K.ASK)
        if asking is not None and asking.log.pending:
            await asking.log.flush()


def _path_values(ep: Endpoint, request: web.Request) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ep.path_names:
        raw, schema = request.match_info.get(name, ""), ep.path_schema(name)
        values[name] = _path_value(raw, schema)
    return values


def _path_value(raw: str, schema: dict[str, Any]) -> Any:
    not_found = ApiError(404, "not_found", "没有找到该记录")
    if schema.get("type") == "integer":
        if not raw.isascii() or not raw.isdigit():
            raise not_found
        value: Any = int(raw)
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            raise not_found
        return value
    if "enum" in schema and raw not in schema["enum"]:
        raise not_found
    return raw


def _query(ep: Endpoint, request: web.Request) -> BaseModel | None:
    if ep.query is None:
        return None
    # An empty parameter (``?lat=&lng=``) is an absent one, as mini-program code often sends it.
    data = {key: request.query.getone(key) for key in request.query.keys() if request.query.getone(key) != ""}
    _refuse_unreadable(data)
    model, fields = validate(ep.query, data)
    if fields:
        raise InvalidInput(fields)
    return model


async def _json_object(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "bad_json", MSG_BAD_JSON) from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", MSG_NOT_OBJECT)
    _refuse_unreadable(data)
    return data


def _unreadable(value: Any) -> bool:
    if isinstance(value, str):
        return UNREADABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_unreadable(k) or _unreadable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unreadable(v) for v in value)
    return False


def _refuse_unreadable(data: dict[str, Any]) -> None:
    """422 naming each top-level field whose text holds characters no database can store."""
    bad = {str(key) if not _unreadable(key) else "body": MSG_UNREADABLE
           for key, value in data.items() if _unreadable(key) or _unreadable(value)}
    if bad:
        raise InvalidInput(bad)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _clean_body(ep: Endpoint, data: dict[str, Any]) -> Any:
    if isinstance(ep.body, type) and issubclass(ep.body, BaseModel):
        model, fields = validate(ep.body, data)
        if fields:
            raise InvalidInput(fields)
        return model
    from handlers.forms.spec import clean

    return clean(ep.body, data)
