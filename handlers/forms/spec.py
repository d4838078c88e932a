"""A form as data: ``Field`` and ``FormSpec``, validated by ``clean`` and documented by ``json_schema``.

The API validates a posted form with ``clean(spec, payload)``; the chat asks the same fields one
at a time (handlers.forms.chat). The Chinese messages the bot says are exactly those the API
returns in ``fields``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from handlers import validation as v
from handlers.errors import InvalidInput

Parser = Callable[[Any, dict], Any]


@dataclass(frozen=True)
class Field:
    """One question: ``parse(raw, answers_so_far)`` returns a clean value or raises FieldError."""

    name: str
    label: str
    prompt: str
    parse: Parser
    choices: tuple[str, ...] = ()
    dynamic: bool = False  # the choices (window, date, slot, session) come from the channel
    chat_only: bool = False  # a stepping stone of the chat, not part of the API payload
    schema: dict = field(default_factory=dict)
    secret: bool = False  # shown masked in the confirmation summary
    unit: str = ""  # appended to the value in the confirmation summary


@dataclass(frozen=True)
class FormSpec:
    name: str
    title: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def api_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.chat_only)


def clean(spec: FormSpec, payload: dict) -> dict:
    """Validate every API field of ``spec``; return clean values or raise InvalidInput.

    All fields are checked, so ``InvalidInput.fields`` names every bad field at once.
    Keys not in the form (and the chat's stepping-stone fields) are ignored.
    """
    if not isinstance(payload, dict):
        raise InvalidInput({"_": "提交的内容应为 JSON 对象"}, message="提交的内容应为 JSON 对象")
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in spec.api_fields:
        try:
            cleaned[f.name] = f.parse(payload.get(f.name), cleaned)
        except v.FieldError as exc:
            errors[f.name] = str(exc)
    if errors:
        raise InvalidInput(errors)
    return cleaned


def json_schema(spec: FormSpec) -> dict:
    """JSON Schema of the API payload, the same fields ``clean`` validates (enums listed)."""
    props = {}
    for f in spec.api_fields:
        prop = {"title": f.label, **({"type": "string", "enum": list(f.choices)} if f.choices else {}), **f.schema}
        prop.setdefault("description", f.prompt)
        props[f.name] = prop
    return {"type": "object", "title": spec.title, "required": [f.name for f in spec.api_fields], "properties": props}
