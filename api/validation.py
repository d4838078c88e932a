"""Turn pydantic validation errors into per-field Chinese messages (``fields`` of a 422)."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError


def _limit(ctx: dict[str, Any], key: str) -> Any:
    value = ctx.get(key, "")
    return int(value) if isinstance(value, float) and value.is_integer() else value


# pydantic error type -> Chinese reason (may use ctx values).
def _reason(err: dict[str, Any]) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    table = {
        "missing": "必填",
        "string_type": "应为文本",
        "string_too_short": f"至少 {_limit(ctx, 'min_length')} 个字符",
        "string_too_long": f"最多 {_limit(ctx, 'max_length')} 个字符",
        "string_pattern_mismatch": "格式不正确",
        "int_type": "应为整数",
        "int_parsing": "应为整数",
        "int_from_float": "应为整数",
        "float_type": "应为数字",
        "float_parsing": "应为数字",
        "bool_type": "应为 true 或 false",
        "bool_parsing": "应为 true 或 false",
        "greater_than": f"应大于 {_limit(ctx, 'gt')}",
        "greater_than_equal": f"不能小于 {_limit(ctx, 'ge')}",
        "less_than": f"应小于 {_limit(ctx, 'lt')}",
        "less_than_equal": f"不能大于 {_limit(ctx, 'le')}",
        "literal_error": f"应为以下之一：{_limit(ctx, 'expected')}",
        "enum": f"应为以下之一：{_limit(ctx, 'expected')}",
        "date_type": "应为日期，格式 YYYY-MM-DD",
        "date_parsing": "应为日期，格式 YYYY-MM-DD",
        "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
        "datetime_type": "应为时间，格式如 2025-03-01T09:00:00+08:00",
        "datetime_parsing": "应为时间，格式如 2025-03-01T09:00:00+08:00",
        "datetime_from_date_parsing": "应为时间，格式如 2025-03-01T09:00:00+08:00",
        "extra_forbidden": "不认识的字段",
        "dict_type": "应为 JSON 对象",
        "model_type": "应为 JSON 对象",
        "list_type": "应为列表",
        "finite_number": "应为有限的数字",
    }
    if kind == "value_error":
        return str(err.get("msg", "")).removeprefix("Value error, ")
    return table.get(kind, "格式不正确")


def _title(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str:
    if model is None or not loc:
        return ""
    info = model.model_fields.get(str(loc[0]))
    return (info.title or "") if info else ""


def _sentence(title: str, reason: str, kind: str) -> str:
    if not title or reason.startswith(f"{title}："):  # a shared validator's message names the field itself
        return reason
    return f"{title}：不能为空，请填写" if kind == "missing" else f"{title}：{reason}"


def field_errors(exc: ValidationError, model: type[BaseModel] | None = None) -> dict[str, str]:
    """Map each failing field (dotted path) to one Chinese reason; the first error per field wins."""
    out: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        name = ".".join(str(p) for p in loc) or "body"
        out.setdefault(name, _sentence(_title(model, loc), _reason(err), err["type"]))
    return out


def validate(model: type[BaseModel], data: Any) -> tuple[BaseModel | None, dict[str, str]]:
    """Validate ``data``; return (instance, {}) or (None, per-field reasons)."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        return None, field_errors(exc, model)
