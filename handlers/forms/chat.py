"""Asking a form in chat, one field at a time: pure functions, state in and state out.

State (JSON-safe, kept by the chat in the store)::

    {"form": "loan", "index": 2, "answers": {"product": "创业担保贷款", ...},
     "choices": {"window_id": [[12, "元谋县创业服务窗口"]], ...},
     "confirming": false, "awaiting_choices": null}

``step(spec, state, text) -> (new_state, replies, done)``:

* ``new_state is None``: the user cancelled; forget the dialogue.
* ``done is True``: the user confirmed; submit ``new_state["answers"]`` through the use case
  (which re-validates everything with ``clean``).
* ``new_state["awaiting_choices"]`` names a field whose options come from the channel (service
  windows, open dates, free slots, training sessions): look them up and call
  ``provide_choices(spec, state, options)``, which returns the question to send.

取消 / 返回 / 重填 work at any step; an invalid answer is re-asked with the reason; a summary
is shown for confirmation before anything is submitted.
"""
from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any, Sequence

from chuangye.pii import mask_id

from handlers.validation import FieldError

from handlers.forms.spec import Field, FormSpec

CANCEL = {"取消", "退出", "算了", "不办了"}
BACK = {"返回", "上一步", "后退"}
RESTART = {"重填", "重新填写", "重来"}
CONFIRM = {"确认", "确定", "提交"}
CONFIRM_HINT = "回复「确认」提交；「返回」修改上一项；「重填」从头填写；「取消」放弃。"
CANCELLED = "已取消，填写的内容没有提交。需要时可以随时重新开始。"

Reply = tuple[dict | None, list[str], bool]


def jsonable(value: Any) -> Any:
    """Dialogue state stays JSON-safe: dates and times are kept as ISO 8601 text."""
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _new(spec: FormSpec) -> dict:
    return {"form": spec.name, "index": 0, "answers": {}, "choices": {}, "confirming": False, "awaiting_choices": None}


def current_field(spec: FormSpec, state: dict | None) -> Field | None:
    """The field the user is being asked, or None at confirmation or before the start."""
    if not state or state.get("confirming") or state["index"] >= len(spec.fields):
        return None
    return spec.fields[state["index"]]


def _options(spec: FormSpec, state: dict, f: Field) -> list[list[Any]]:
    if f.dynamic:
        return state["choices"].get(f.name, [])
    return [[c, c] for c in f.choices]


def _question(spec: FormSpec, state: dict) -> str:
    f = spec.fields[state["index"]]
    lines = [f"【{spec.title} {state['index'] + 1}/{len(spec.fields)}】{f.prompt}"]
    lines += [f"{i}. {label}" for i, (_, label) in enumerate(_options(spec, state, f), 1)]
    if f.dynamic or f.choices:
        lines.append("请回复选项前面的数字。")
    return "\n".join(lines)


def _display(spec: FormSpec, state: dict, f: Field) -> str:
    value = state["answers"].get(f.name)
    for option, label in _options(spec, state, f) if f.dynamic else ():
        if option == value:
            return str(label)
    return mask_id(str(value)) if f.secret else f"{value}{f.unit}"


def _summary(spec: FormSpec, state: dict) -> str:
    lines = [f"请核对{spec.title}信息："]
    lines += [f"{f.label}：{_display(spec, state, f)}" for f in spec.fields]
    return "\n".join(lines + [CONFIRM_HINT])


def _ask(spec: FormSpec, state: dict, prefix: Sequence[str] = ()) -> Reply:
    """Ask the field at ``index``, or show the summary when every field is answered."""
    if state["index"] >= len(spec.fields):
        state["confirming"] = True
        return state, [*prefix, _summary(spec, state)], False
    f = spec.fields[state["index"]]
    if f.dynamic and f.name not in state["choices"]:
        state["awaiting_choices"] = f.name
        return state, list(prefix), False
    return state, [*prefix, _question(spec, state)], False


def provide_choices(spec: FormSpec, state: dict, options: Sequence[Sequence[Any]]) -> tuple[dict | None, list[str]]:
    """Store the channel's options ``[(value, label), ...]`` for the awaited field and ask it.

    With no options the user is taken back one step (e.g. a day without free slots).
    """
    f = spec.field(state["awaiting_choices"])
    state["awaiting_choices"] = None
    if options:
        state["choices"][f.name] = [[value, label] for value, label in options]
        new_state, replies, _ = _ask(spec, state)
        return new_state, replies
    notice = f"{f.label}：暂时没有可选的{f.label}，请换一个选择。"
    if state["index"] == 0:
        return None, [notice]
    state["index"] -= 1
    new_state, replies, _ = _ask(spec, state, [notice])
    return new_state, replies


def _pick(spec: FormSpec, state: dict, f: Field, text: str) -> Any:
    """Turn an option number (or the option's text) into its value."""
    options = _options(spec, state, f)
    if text.isdigit() and 1 <= int(text) <= len(options):
        return options[int(text) - 1][0]
    for value, label in options:
        if text in (str(label), str(value)):
            return value
    if f.dynamic:
        raise FieldError(f"{f.label}：请回复选项前面的数字（1–{len(options)}）")
    return text  # static choices: the validator accepts the text or an unambiguous part of it


def _answer(spec: FormSpec, state: dict, text: str) -> Reply:
    f = spec.fields[state["index"]]
    try:
        raw = _pick(spec, state, f, text) if (f.dynamic or f.choices) else text
        value = f.parse(raw, state["answers"])
    except FieldError as exc:
        return state, [str(exc), _question(spec, state)], False
    state["answers"][f.name] = jsonable(value)
    for later in spec.fields[state["index"] + 1:]:  # later options may depend on this answer
        state["choices"].pop(later.name, None)
        state["answers"].pop(later.name, None)
    state["index"] += 1
    return _ask(spec, state)


def _back(spec: FormSpec, state: dict) -> Reply:
    if state["confirming"]:
        state["confirming"] = False
        state["index"] = len(spec.fields) - 1
        return _ask(spec, state)
    if state["index"] == 0:
        return _ask(spec, state, ["已经是第一项了。"])
    state["index"] -= 1
    return _ask(spec, state)


def step(spec: FormSpec, state: dict | None, text: str) -> Reply:
    """Advance the chat form by one user message. Pure: no I/O, state in and state out."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not state or state.get("form") != spec.name:
        intro = f"开始{spec.title}。随时回复「取消」退出，「返回」回到上一步，「重填」从头开始。"
        return _ask(spec, _new(spec), [intro])
    if text in CANCEL:
        return None, [CANCELLED], False
    if text in RESTART:
        return _ask(spec, _new(spec), ["已清空，从头开始填写。"])
    if text in BACK:
        return _back(spec, state)
    if state["confirming"]:
        return (state, [], True) if text in CONFIRM else (state, [CONFIRM_HINT], False)
    if state.get("awaiting_choices"):
        return state, [], False  # the channel still owes the options of this field
    return _answer(spec, state, text)
