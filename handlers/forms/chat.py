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

A choice is taken by its number, its words, or a close variant of them (``match_option``):
「元谋」→元谋县, 「咨询创业担保贷款」→创业担保贷款, 「创业担保代款」→创业担保贷款; a variant that fits
several options is asked again, listing those. The summary is confirmed by any of ``CONFIRM``
(确认, 是, 好的, 可以, 要得, ok...).
"""
from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any, Sequence

from rapidfuzz import fuzz, process

from chuangye.pii import mask_id

from handlers.validation import FieldError

from handlers.forms.spec import Field, FormSpec

CANCEL = {"取消", "退出", "算了", "不办了"}
BACK = {"返回", "上一步", "后退"}
RESTART = {"重填", "重新填写", "重来"}
# 确认 and its synonyms are commands (told "nothing is open" when no form is); the rest are everyday
# yeses that also confirm a summary. Matched after NFKC, lower case, without trailing 。！～.
CONFIRM_COMMANDS = frozenset({"确认", "确定", "提交", "确认提交"})
CONFIRM = CONFIRM_COMMANDS | {"是", "是的", "对", "对的", "好", "好的", "可以", "行", "要得", "ok", "okay", "嗯", "嗯嗯",
                              "没问题"}
_TRAILING = "。.！!～~"
FUZZY_CUTOFF = 60  # rapidfuzz ratio (0–100) from which a typed variant counts as naming an option
FUZZY_TIE = 5  # options scoring within this of the best one are all candidates (then: ask again)
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


def confirms(text: str) -> bool:
    """Whether a message says yes to a summary: 确认, 是, 好的, 可以, 要得, OK (full width too)..."""
    return unicodedata.normalize("NFKC", text or "").strip().rstrip(_TRAILING).strip().lower() in CONFIRM


def _distinct(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def match_option(text: str, options: Sequence[Sequence[Any]], *, fuzzy: bool = True) -> list[Any]:
    """The values of ``options`` (``[(value, label), ...]``; a value may be listed under several
    labels, e.g. aliases) that ``text`` designates: none, one, or several (ambiguous).

    In order, the first rule that finds something decides: the option's number; the exact label or
    value; labels written inside the text (「咨询创业担保贷款」 names 创业担保贷款); labels the text
    is part of (「元谋」 is part of 元谋县, 「担保贷款」 of 创业担保贷款); then, with ``fuzzy``, the
    labels closest by rapidfuzz's ratio (a typo: 「创业担保代款」), from ``FUZZY_CUTOFF``, every
    option within ``FUZZY_TIE`` of the best one.
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text or not options:
        return []
    numbers = _distinct([value for value, _ in options])
    if text.isdigit():
        return [numbers[int(text) - 1]] if 1 <= int(text) <= len(numbers) else []
    labelled = [(value, str(label)) for value, label in options]
    exact = [value for value, label in labelled if text in (label, str(value))]
    if exact:
        return _distinct(exact)
    inside = [(value, label) for value, label in labelled if len(label) >= 2 and label in text]
    if inside:  # a label inside a longer one found too (an alias 「贷款」 in 「创业担保贷款」) does not count
        return _distinct([value for value, label in inside
                          if not any(label != other and label in other for _, other in inside)])
    if len(text) >= 2:
        part_of = _distinct([value for value, label in labelled if text in label])
        if part_of:
            return part_of
    if not fuzzy or len(text) < 2:
        return []
    scored = process.extract(text, [label for _, label in labelled], scorer=fuzz.ratio, processor=None,
                             score_cutoff=FUZZY_CUTOFF, limit=None)
    if not scored:
        return []
    best = scored[0][1]
    return _distinct([labelled[index][0] for _, score, index in scored if score >= best - FUZZY_TIE])


class Ambiguous(FieldError):
    """The answer fits several options: they are listed (with their numbers) instead of the whole question."""


def _label(options: Sequence[Sequence[Any]], value: Any) -> tuple[int, str]:
    return next((n, str(label)) for n, (option, label) in enumerate(options, 1) if option == value)


def _pick(spec: FormSpec, state: dict, f: Field, text: str) -> Any:
    """Turn an option's number, words or a close variant of them into its value."""
    options = _options(spec, state, f)
    found = match_option(text, options, fuzzy=not f.dynamic)  # dates and times: no guessing at near misses
    if len(found) == 1:
        return found[0]
    if found:
        listed = "\n".join(f"{n}. {label}" for n, label in (_label(options, value) for value in found))
        raise Ambiguous(f"{f.label}：「{text}」可能是以下几项，请回复选项前面的数字：\n{listed}")
    if f.dynamic:
        raise FieldError(f"{f.label}：请回复选项前面的数字（1–{len(options)}）")
    return text  # static choices: the validator refuses it, listing the options


def _answer(spec: FormSpec, state: dict, text: str) -> Reply:
    f = spec.fields[state["index"]]
    try:
        raw = _pick(spec, state, f, text) if (f.dynamic or f.choices) else text
        value = f.parse(raw, state["answers"])
    except Ambiguous as exc:
        return state, [f"【{spec.title} {state['index'] + 1}/{len(spec.fields)}】{exc}"], False
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
        return (state, [], True) if confirms(text) else (state, [CONFIRM_HINT], False)
    if state.get("awaiting_choices"):
        return state, [], False  # the channel still owes the options of this field
    return _answer(spec, state, text)
