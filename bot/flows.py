"""Chat flows: appointment, loan pre-application and training sign-up, asked one field at a time.

The forms and their step function are the domain's (handlers/forms/definitions.py); this module drives
them in the official account:

- a menu click (BOOK / LOAN / TRAINING, offered to the chain as its text command) or a typed
  intent (「预约」「贷款申请」「报名培训」…) starts a flow; the state lives in the store under
  ``keys.dialogue(openid)`` for ``bot.dialogue_ttl_seconds`` after the last message (ID number,
  phone and the last prompt sealed with ``security.data_key``), and the next message resumes it;
  an expired flow is announced once, never silently taken for an answer;
- dynamic choices (windows of a county, open days, free slots, training sessions) are looked up
  live (bot/flow_forms.py); on 确认 the raw answers go through the same use case as the API,
  which validates everything again;
- a refusal at submit (slot just filled, duplicate, a value no longer valid) is told in Chinese
  and the user chooses that field again, keeping the rest of the answers;
- the submission is in the database before the state is forgotten: a store failure before
  submitting submits nothing and says so; after submitting, it never costs the user the
  confirmation, and an interrupted submission is recognised on the next message (no duplicate).
「我的预约」「我的申请」「取消预约」「撤回申请」 are answered here too (bot/flow_records.py), also mid-flow.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from datetime import datetime
from typing import Any

from aiohttp import web

from chuangye import pii
from chuangye.config import Config
from chuangye.pii import mask_id, mask_phone
from chuangye.store import UNAVAILABLE, LockTimeout, Store, keys
from handlers.errors import DomainError, DuplicateBooking, InvalidInput, SessionFull, SlotFull
from handlers.forms.chat import BACK, CANCEL, CONFIRM, RESTART
from handlers.forms.definitions import FORMS
from handlers.forms.spec import FormSpec
from handlers.forms.chat import provide_choices, step
from handlers.clock import TZ

from bot import flow_forms, flow_records
from bot import flow_texts as T
from bot.skills import Context, Incoming, Priority, add_skill

log = logging.getLogger("chuangye.bot.flows")
STORE_ERRORS = (*UNAVAILABLE, LockTimeout)
EXPIRED_MARK_EXTRA_SECONDS = 24 * 3600
COMMANDS = {"appointment": "预约窗口", "loan": "贷款预申请", "training": "培训报名"}
REPICK = {SlotFull: {"appointment": "start"}, SessionFull: {"training": "session_id"},
          DuplicateBooking: {"appointment": "start", "training": "session_id"}}


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().rstrip("。！!？?～~").strip()


def _intent(text: str) -> str | None:
    return next((form for form, words in T.FLOW_INTENTS.items() if text in words), None)


# With the store down a message is only taken as form input (and answered FLOW_STORE_DOWN) when it
# looks like one: a command, a form control word, or a number, phone or ID (never sent on to the
# knowledge base). Anything else, a policy question above all, goes on to the rest of the chain.
FORM_WORDS = frozenset().union(*T.FLOW_INTENTS.values(), T.MY_APPOINTMENTS, T.MY_APPLICATIONS, T.CANCEL_APPOINTMENT,
                               T.WITHDRAW_APPLICATION, T.RESUME, CANCEL, BACK, RESTART, CONFIRM)
NO_FORM_WORDS = frozenset().union(CONFIRM, T.RESUME, BACK, RESTART)
NUMBER_LIKE = re.compile(r"[0-9Xx\s+\-]{1,40}")


def _form_input(text: str) -> bool:
    return text in FORM_WORDS or bool(NUMBER_LIKE.fullmatch(text))


def _mark_key(openid: str) -> str:
    return keys.custom(f"dlgmark:{openid}")


# ---------------------------------------------------------------- dialogue state in the store


# Personal data is kept in the store only as ciphertext: these answers, and the last prompt
# (a confirmation summary shows the phone number in full to its owner).
PERSONAL = ("id_number", "phone")


def _sealed(state: dict, op: Any) -> dict:
    out = {**state, "answers": {k: op(v) if k in PERSONAL else v for k, v in state["answers"].items()}}
    if state.get("prompt"):
        out["prompt"] = op(state["prompt"])
    if state.get("repick"):
        keep = state["repick"]["keep"]
        out["repick"] = {**state["repick"], "keep": {k: op(v) if k in PERSONAL else v for k, v in keep.items()}}
    return out


async def load(store: Store, openid: str) -> dict | None:
    state = await store.get_json(keys.dialogue(openid))
    if not (isinstance(state, dict) and state.get("form") in FORMS):
        return None
    try:
        return _sealed(state, pii.unseal)
    except pii.PiiError:  # sealed under another data key: the unfinished form is lost, nothing else
        return None


async def save(ctx: Context, openid: str, state: dict) -> None:
    ttl = ctx.config.bot.dialogue_ttl_seconds
    await ctx.store.set_json(keys.dialogue(openid), _sealed(state, lambda v: pii.seal(v) if isinstance(v, str) else v),
                             ttl=ttl)
    await ctx.store.set(_mark_key(openid), state["form"], ttl=ttl + EXPIRED_MARK_EXTRA_SECONDS)


async def forget(store: Store, openid: str) -> None:
    await store.delete(keys.dialogue(openid))
    await store.delete(_mark_key(openid))


async def draft_of(store: Store, openid: str) -> dict[str, Any] | None:
    """The unfinished form, masked for staff (handoff): {form, title, answers: {label: value}}."""
    try:
        state = await load(store, openid)
    except STORE_ERRORS:
        return None
    if not state:
        return None
    spec = FORMS[state["form"]]
    shown = {f.label: _shown(state, f) for f in spec.fields if f.name in state["answers"]}
    return {"form": spec.name, "title": spec.title, "answers": shown}


def _shown(state: dict, f: Any) -> str:
    value = state["answers"][f.name]
    labels = {str(v): str(label) for v, label in state["choices"].get(f.name, [])}
    if str(value) in labels:
        return labels[str(value)]
    if f.secret:
        return mask_id(str(value))
    return mask_phone(str(value)) if f.name == "phone" else str(value)


# ---------------------------------------------------------------- the skill


async def flows_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    if not inc.is_text:
        return None
    text = _norm(inc.text)
    try:
        return await _dispatch(ctx, inc.openid, text)
    except STORE_ERRORS as exc:
        log.warning("store unavailable in a chat flow for %s: %s", inc.openid, exc)
        return [T.FLOW_STORE_DOWN] if _form_input(text) else None


async def _dispatch(ctx: Context, openid: str, text: str) -> list[str] | None:
    picked = await flow_records.answer_pick(ctx.store, openid, text)
    if picked is not None:
        return [picked]
    form = _intent(text)
    if form:
        return await begin(ctx, openid, form)
    records = await _records(ctx, openid, text)
    state = await load(ctx.store, openid)
    if records is not None:
        reminder = [T.FLOW_REMINDER.format(title=FORMS[state["form"]].title)] if state else []
        return [records, *reminder]
    if state is None:
        return await _expired(ctx, openid, text)
    if text in T.RESUME:
        return [state.get("prompt") or T.FLOW_REMINDER.format(title=FORMS[state["form"]].title)]
    return await advance(ctx, openid, state, text)


async def _records(ctx: Context, openid: str, text: str) -> str | None:
    if text in T.MY_APPOINTMENTS:
        return await flow_records.my_appointments(openid)
    if text in T.MY_APPLICATIONS:
        return await flow_records.my_applications(openid)
    if text in T.CANCEL_APPOINTMENT:
        return await flow_records.offer_cancel(ctx.store, openid)
    if text in T.WITHDRAW_APPLICATION:
        return await flow_records.offer_withdraw(ctx.store, openid)
    return None


async def _expired(ctx: Context, openid: str, text: str) -> list[str] | None:
    """No live flow: if one expired since the user's last visit, say so once. A form word (确认,
    继续...) with no form at all (finished, or lost with the store) is told so, never guessed at."""
    form = await ctx.store.get(_mark_key(openid))
    if form not in FORMS:
        return [T.FLOW_NOTHING_OPEN] if text in NO_FORM_WORDS else None
    await ctx.store.delete(_mark_key(openid))
    minutes = ctx.config.bot.dialogue_ttl_seconds // 60
    return [T.FLOW_EXPIRED.format(title=FORMS[form].title, minutes=minutes, command=COMMANDS[form])]


async def begin(ctx: Context, openid: str, form: str) -> list[str]:
    """Start ``form`` (or pick up the same unfinished form where it was)."""
    old = await load(ctx.store, openid)
    if old and old["form"] == form and old.get("prompt"):
        return [old["prompt"]]
    spec = FORMS[form]
    state, replies, _ = step(spec, None, "")
    state["started"] = datetime.now(TZ).isoformat()
    if old:
        replies.insert(0, T.FLOW_REPLACED.format(old=FORMS[old["form"]].title))
    return await _settle(ctx, openid, spec, state, replies)


async def advance(ctx: Context, openid: str, state: dict, text: str) -> list[str]:
    spec = FORMS[state["form"]]
    if state.get("submitting"):
        done = await _recover(ctx, openid, spec, state)
        if done is not None:
            return done
    repick = state.pop("repick", None)
    if text in RESTART:
        repick = None
    new_state, replies, done = step(spec, state, text)
    if new_state is None:
        await forget(ctx.store, openid)
        return replies
    if done:
        return await _submit(ctx, openid, spec, new_state)
    if repick and new_state["index"] > spec.fields.index(spec.field(repick["field"])):
        return await _restore(ctx, openid, spec, new_state, repick["keep"])
    if repick and not new_state["confirming"]:
        new_state["repick"] = repick  # still choosing: keep the other answers aside
    return await _settle(ctx, openid, spec, new_state, replies)


async def _settle(ctx: Context, openid: str, spec: FormSpec, state: dict | None, replies: list[str]) -> list[str]:
    """Fill in live choices the form is waiting for, then keep the state (or forget it)."""
    for _ in range(len(spec.fields)):
        if not state or not state.get("awaiting_choices"):
            break
        options = await flow_forms.choices(spec.name, state["awaiting_choices"], state["answers"])
        state, more = provide_choices(spec, state, options)
        replies = replies + more
    if state is None:
        await forget(ctx.store, openid)
        return replies
    state["prompt"] = replies[-1] if replies else state.get("prompt")
    await save(ctx, openid, state)
    return replies


# ---------------------------------------------------------------- submission


async def _submit(ctx: Context, openid: str, spec: FormSpec, state: dict) -> list[str]:
    from handlers.users import find_or_create_user

    state["submitting"] = datetime.now(TZ).isoformat()
    await save(ctx, openid, state)  # the store fails here: nothing was submitted, and the user is told
    user = await find_or_create_user("oa", openid)
    try:
        text = await flow_forms.submit(spec.name, user.id, state["answers"], ctx.config)
    except DomainError as exc:
        state["submitting"] = None
        return await _refused(ctx, openid, spec, state, exc)
    except Exception:  # maybe committed (a connection lost before the COMMIT's answer): the saved
        # "submitting" mark stays, so the next message first looks for the record (see _recover)
        log.exception("chat submission of %s failed for %s", spec.name, openid)
        return [T.FLOW_SUBMIT_FAILED]
    try:
        await forget(ctx.store, openid)
    except STORE_ERRORS as exc:  # submitted: the next message recognises it (see _recover)
        log.warning("submitted, but could not clear the dialogue of %s: %s", openid, exc)
    return [text]


async def _recover(ctx: Context, openid: str, spec: FormSpec, state: dict) -> list[str] | None:
    from handlers.users import find_or_create_user

    user = await find_or_create_user("oa", openid)
    since = datetime.fromisoformat(state["submitting"])
    text = await flow_forms.already_submitted(spec.name, user.id, state["answers"], since)
    if text is None:
        state["submitting"] = None
        return None
    await forget(ctx.store, openid)
    return [T.FLOW_SUBMITTING_CHECK.format(result=text)]


def _field_to_repick(spec: FormSpec, exc: DomainError) -> str | None:
    for kind, fields in REPICK.items():
        if isinstance(exc, kind) and spec.name in fields:
            return fields[spec.name]
    if isinstance(exc, InvalidInput):
        return next((f.name for f in spec.fields if f.name in exc.fields), None)
    return None


async def _refused(ctx: Context, openid: str, spec: FormSpec, state: dict, exc: DomainError) -> list[str]:
    """Tell why, and ask that one field again; the other answers are kept for after it."""
    name = _field_to_repick(spec, exc)
    message = exc.fields.get(name, exc.message) if name else exc.message
    if name is None:
        await save(ctx, openid, state)
        return [message]
    index = spec.fields.index(spec.field(name))
    later = spec.fields[index + 1:]
    if later and not any(f.dynamic for f in later):
        state["repick"] = {"field": name, "keep": {f.name: state["answers"][f.name] for f in later}}
    state.update(index=index, confirming=False, awaiting_choices=name if spec.field(name).dynamic else None)
    state["choices"].pop(name, None)
    state["answers"].pop(name, None)
    replies = [message, T.FLOW_CHOOSE_AGAIN] if spec.field(name).dynamic else [message]
    return await _settle(ctx, openid, spec, state, replies)


async def _restore(ctx: Context, openid: str, spec: FormSpec, state: dict, keep: dict) -> list[str]:
    """After a re-chosen field, put the kept answers back and go straight to the summary."""
    last = spec.fields[-1]
    state["answers"].update(keep)
    state.update(index=len(spec.fields) - 1, confirming=False, awaiting_choices=None)
    state, replies, _ = step(spec, state, str(keep[last.name]))  # re-validates the last answer
    return await _settle(ctx, openid, spec, state, replies)


def install(app: web.Application, config: Config) -> None:
    add_skill(app, flows_skill, priority=Priority.FORMS)
