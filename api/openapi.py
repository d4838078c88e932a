"""The OpenAPI 3.1 document, written from the same endpoint declarations that validate requests."""
from __future__ import annotations

from typing import Any, Iterable

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api import idempotency
from api.registry import Endpoint
from api.schemas import ErrorBody

REF = "#/components/schemas/{model}"
INFO_DESCRIPTION = """创业幸福地服务平台小程序接口（楚雄州创业服务）。

- 请求和响应均为 JSON（UTF-8）；时间为 ISO 8601，东八区（+08:00）；金额单位为元（整数）。
- 登录：`POST /auth/login` 获得令牌，之后在请求头带 `Authorization: Bearer <token>`；
  缺少、伪造或过期的令牌返回 401。用户令牌不能访问工作人员接口，反之亦然。
- 错误统一为 `{"error": {"code": "...", "message": "中文说明", "fields": {"字段": "原因"}}}`，HTTP 状态码与之对应。
- 会新建记录的 POST 可带 `Idempotency-Key` 请求头：同一用户用同一个键重试，返回第一次的结果，不会重复创建。
- 贷款“资格预审”只是初步判断，不是审批结论。"""

AUTO_ERRORS = {
    400: "请求体不是有效的 JSON 对象（bad_json），或 Idempotency-Key 格式不正确（bad_idempotency_key）",
    401: "未登录、令牌无效或已过期（unauthorized / invalid_token / token_expired）",
    404: "记录不存在（not_found）",
    409: "Idempotency-Key 已用于不同的请求（idempotency_conflict）或相同请求仍在处理（idempotency_in_progress）",
    422: "填写有误（invalid），fields 列出每个字段的原因",
}


def _body_schema(ep: Endpoint, models: dict[tuple[type, str], dict], extra: dict[str, Any]) -> dict:
    if isinstance(ep.body, type) and issubclass(ep.body, BaseModel):
        return models[(ep.body, "validation")]
    from handlers.forms.spec import json_schema

    name = getattr(ep.body, "name", None) or ep.operation_id
    component = "".join(part.capitalize() for part in str(name).replace("-", "_").split("_")) + "Form"
    extra[component] = json_schema(ep.body)
    return {"$ref": REF.format(model=component)}


def _parameters(ep: Endpoint, components: dict[str, Any]) -> list[dict[str, Any]]:
    params = [{"name": n, "in": "path", "required": True, "schema": ep.path_schema(n)} for n in ep.path_names]
    if ep.query is not None:
        schema = components[ep.query.__name__]
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            prop = _without_null(dict(prop))
            description = prop.pop("description", prop.get("title", ""))
            params.append({"name": name, "in": "query", "required": name in required,
                           "description": description, "schema": prop})
    if ep.idempotent:
        params.append({"name": idempotency.HEADER, "in": "header", "required": False,
                       "description": "重试时带同一个键，不会重复创建记录",
                       "schema": {"type": "string", "pattern": idempotency.KEY_PATTERN.pattern}})
    return params


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query value is text, never JSON null: ``anyOf [X, null]`` becomes X (keeping title and default)."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) != 1 or len(options) == len(schema.get("anyOf", [])):
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    return {**options[0], **rest}


def _error_statuses(ep: Endpoint) -> dict[int, str]:
    statuses: dict[int, str] = {}
    if ep.body is not None or ep.idempotent or ep.request_content is not None:
        statuses[400] = AUTO_ERRORS[400]
    if ep.auth != "none":
        statuses[401] = AUTO_ERRORS[401]
    if ep.path_names:
        statuses[404] = AUTO_ERRORS[404]
    if ep.idempotent:
        statuses[409] = AUTO_ERRORS[409]
    if ep.body is not None or ep.query is not None or ep.request_content is not None:
        statuses[422] = AUTO_ERRORS[422]
    for status, text in ep.errors.items():
        statuses[status] = f"{text}；{statuses[status]}" if status in statuses else text
    return statuses


def _responses(ep: Endpoint, models: dict[tuple[type, str], dict]) -> dict[str, Any]:
    if ep.content is not None:
        ok: dict[str, Any] = {"description": "成功", "content": ep.content}
    elif ep.response is not None:
        ok = {"description": "成功", "content": {"application/json": {"schema": models[(ep.response, "serialization")]}}}
    else:
        ok = {"description": "成功"}
    out = {str(ep.status): ok}
    error = {"application/json": {"schema": models[(ErrorBody, "serialization")]}}
    for status, text in sorted(_error_statuses(ep).items()):
        out[str(status)] = {"description": text, "content": error}
    return out


def _operation(ep: Endpoint, models: dict, components: dict, extra: dict) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": ep.operation_id, "summary": ep.summary, "tags": [ep.tag]}
    if ep.description:
        op["description"] = ep.description
    params = _parameters(ep, components)
    if params:
        op["parameters"] = params
    if ep.body is not None:
        schema = _body_schema(ep, models, extra)
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    elif ep.request_content is not None:
        op["requestBody"] = {"required": True, "content": ep.request_content}
    op["responses"] = _responses(ep, models)
    if ep.auth != "none":
        op["security"] = [{"userToken" if ep.auth == "user" else "staffToken": []}]
    return op


def _model_schemas(endpoints: list[Endpoint]) -> tuple[dict, dict[str, Any]]:
    wanted: dict[tuple[type, str], None] = {(ErrorBody, "serialization"): None}
    for ep in endpoints:
        if isinstance(ep.body, type) and issubclass(ep.body, BaseModel):
            wanted[(ep.body, "validation")] = None
        if ep.query is not None:
            wanted[(ep.query, "validation")] = None
        if ep.response is not None:
            wanted[(ep.response, "serialization")] = None
    refs, defs = models_json_schema(list(wanted), ref_template=REF)  # type: ignore[arg-type]
    return refs, defs.get("$defs", {})


def build_document(endpoints: Iterable[Endpoint], tags: Iterable[tuple[str, str]] = (), *,
                   title: str = "创业幸福地服务平台 API", version: str = "1.0.0") -> dict[str, Any]:
    """The whole OpenAPI 3.1 document for ``endpoints`` (paths relative to ``/api/v1``)."""
    endpoints = list(endpoints)
    models, components = _model_schemas(endpoints)
    extra: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        paths.setdefault(ep.path, {})[ep.method.lower()] = _operation(ep, models, components, extra)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": INFO_DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "tags": [{"name": name, "description": text} for name, text in tags],
        "paths": paths,
        "components": {
            "schemas": {**components, **extra},
            "securitySchemes": {
                "userToken": {"type": "http", "scheme": "bearer", "description": "小程序用户令牌（POST /auth/login）"},
                "staffToken": {"type": "http", "scheme": "bearer", "description": "工作人员令牌（POST /staff/login）"},
            },
        },
    }
