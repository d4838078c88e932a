"""Chat flows: appointment, loan pre-application and training sign-up, asked one field at a time.

The forms, their step function and their live part are the domain's (handlers/forms/,
handlers/form_live.py); this module drives them in the official account:

- a menu click (BOOK / LOAN / TRAINING, which reaches the chain as its text command) or a typed
  command (「预约」「贷款申请」「报名培训」…) starts a flow; with no form open, a request in free
  phrasing does too (「我想贷款」), or, when it may be a question as well (「贷款」「咋个申请贷款嘛」),
  is asked which it is: 1 申请贷款预审 / 2 了解贷款政策, answered by number or words (kept in the
  store a few minutes; any other message drops it) (handlers/forms/intent.py); the state is kept in the store for
  ``bot.dialogue_ttl_seconds`` after the last message (handlers/forms/drafts.py, personal data
  sealed), and the next message resumes it; an expired flow is announced once, never silently
  taken for an answer;
- dynamic choices (windows of a county, open days, free slots, training sessions) are looked up
  live; on 确认 the raw answers go through the same use case as the API, which validates
  everything again;
- a refusal at submit (slot just filled, duplicate, a value no longer valid) is told in Chinese
  and the user chooses that field again, keeping the rest of the answers (handlers/forms/repick.py);
- the submission is in the database before the state is forgotten: a store failure before
  submitting submits nothing and says so; after submitting, it never costs the user the
  confirmation, and an interrupted submission is recognised on the next message (no duplicate).
「我的预约」「我的申请」「取消预约」「撤回申请」 are answered here too (bot/flow_records.py), also mid-flow.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime

from aiohttp import web

from chuangye import appkeys as K
from chuangye.config import Config
from chuangye.db import note_db_unavailable
from handlers import form_live
from handlers import texts as T
from handlers.clock import TZ
from handlers.errors import DomainError
from chuangye.store import keys
from handlers.forms import drafts, intent
from handlers.forms.chat import BACK, CANCEL, CONFIRM, CONFIRM_COMMANDS, RESTART, match_option, provide_choices, step
from handlers.forms.definitions import FORMS
from handlers.forms.repick import ask_again, restore
from handlers.forms.spec import FormSpec
from handlers.users import find_or_create_user

from bot import flow_records
from bot.skills import Context, Incoming, Priority, add_skill

log = logging.getLogger("chuangye.bot.flows")
STORE_ERRORS = drafts.STORE_ERRORS
COMMANDS = {"appointment": "预约窗口", "loan": "贷款预申请", "training": "培训报名", "mentor": "找导师", "carrier": "申请入驻"}
OFFER_TTL_SECONDS = 10 * 60


def _intent(text: str) -> str | None:
    return next((form for form, words in T.FLOW_INTENTS.items() if text in words), None)


# With the store down a message is only taken as form input (and answered FLOW_STORE_DOWN) when it
# looks like one: a command, a form control word, or a number, phone or ID (never sent on to the
# knowledge base). Anything else, a policy question above all, goes on to the rest of the chain.
FORM_WORDS = frozenset().union(*T.FLOW_INTENTS.values(), T.MY_APPOINTMENTS, T.MY_APPLICATIONS, T.CANCEL_APPOINTMENT,
                               T.WITHDRAW_APPLICATION, T.RESUME, CANCEL, BACK, RESTART, CONFIRM)
# Told "no form is open" when none is; everyday yeses (好, 嗯, 可以...) get the "did you mean" instead.
NO_FORM_WORDS = frozenset().union(CONFIRM_COMMANDS, T.RESUME, BACK, RESTART)
NUMBER_LIKE = re.compile(r"[0-9Xx\s+\-]{1,40}")


def _form_input(text: str) -> bool:
    return text in FORM_WORDS or bool(NUMBER_LIKE.fullmatch(text))


# ---------------------------------------------------------------- the skill


async def flows_skill(ctx: Context, inc: Incoming) -> list[str] | None:
    if not inc.is_text:
        return None
    text = T.norm(inc.text)
    try:
        return await _dispatch(ctx, inc.openid, text)
    except STORE_ERRORS as exc:
        if note_db_unavailable(exc):  # a step that needs the database (logged once per outage)
            return [T.FLOW_DB_BUSY if _form_input(text) else T.DB_BUSY]
        log.warning("store unavailable in a chat flow for %s: %s", inc.openid, exc)
        return [T.FLOW_STORE_DOWN] if _form_input(text) else None


async def _dispatch(ctx: Context, openid: str, text: str) -> list[str] | None:
    picked = await flow_records.answer_pick(ctx.store, openid, text)
    if picked is not None:
        return [picked]
    offered = await _answer_offer(ctx, openid, text)
    if offered is not None:
        return offered
    form = _intent(text)
    if form:
        return await begin(ctx, openid, form)
    records = await flow_records.answer_command(ctx.store, openid, text)
    state = await drafts.load(ctx.store, openid)
    if records is not None:
        reminder = [T.FLOW_REMINDER.format(title=FORMS[state["form"]].title)] if state else []
        return [records, *reminder]
    if state is None:
        request = intent.classify(text)
        if request and request.kind == "start":
            return await begin(ctx, openid, request.form)
        if request:
            return await _offer(ctx, openid, request.form)
        return await _expired(ctx, openid, text)
    if text in T.RESUME:
        return [state.get("prompt") or T.FLOW_REMINDER.format(title=FORMS[state["form"]].title)]
    return await advance(ctx, openid, state, text)


# ---------------------------------------------------------------- "apply, or learn about it?"


def _offer_key(openid: str) -> str:
    return keys.custom(f"offer:{openid}")


async def _offer(ctx: Context, openid: str, form: str) -> list[str]:
    await ctx.store.set_json(_offer_key(openid), {"form": form}, ttl=OFFER_TTL_SECONDS)
    return [intent.offer_question(form)]


async def _answer_offer(ctx: Context, openid: str, text: str) -> list[str] | None:
    """The answer to a pending two-option question: 1 / 申请 starts the form, 2 / 了解 answers about
    the policy; an answer that fits both (or a number not offered) asks again; anything else drops
    the question and is handled as usual (None)."""
    pending = await ctx.store.get_json(_offer_key(openid))
    if not pending:
        return None
    form = pending["form"]
    found = match_option(text, intent.offer_options(form))
    if len(found) != 1 and (found or text.isdigit()):
        return [intent.offer_question(form)]
    await ctx.store.delete(_offer_key(openid))
    if not found:
        return None
    if found[0] == "start":
        return await begin(ctx, openid, form)
    return await _about(ctx, openid, form)


async def _about(ctx: Context, openid: str, form: str) -> list[str]:
    """「了解贷款政策」: the knowledge base's answer about it, then how to ask more or apply."""
    from handlers.knowledge_ops.ask import answer_policy_question

    answer = await answer_policy_question(ctx.kb, T.INTENT_POLICY_QUESTION[form], channel="oa", openid=openid,
                                          asking=ctx.app.get(K.ASK))
    return [answer.text, T.INTENT_POLICY_MORE[form]] if answer.text else [T.INTENT_POLICY_MORE[form]]


async def _expired(ctx: Context, openid: str, text: str) -> list[str] | None:
    """No live flow: if one expired since the user's last visit, say so once. A form word (确认,
    继续...) with no form at all (finished, or lost with the store) is told so, never guessed at."""
    form = await drafts.take_lapsed(ctx.store, openid)
    if form is None:
        return [T.FLOW_NOTHING_OPEN] if text in NO_FORM_WORDS else None
    minutes = ctx.config.bot.dialogue_ttl_seconds // 60
    return [T.FLOW_EXPIRED.format(title=FORMS[form].title, minutes=minutes, command=COMMANDS[form])]


async def begin(ctx: Context, openid: str, form: str) -> list[str]:
    """Start ``form`` (or pick up the same unfinished form where it was)."""
    old = await drafts.load(ctx.store, openid)
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
        await drafts.forget(ctx.store, openid)
        return replies
    if done:
        return await _submit(ctx, openid, spec, new_state)
    if repick and new_state["index"] > spec.fields.index(spec.field(repick["field"])):
        restored, replies, _ = restore(spec, new_state, repick["keep"])
        return await _settle(ctx, openid, spec, restored, replies)
    if repick and not new_state["confirming"]:
        new_state["repick"] = repick  # still choosing: keep the other answers aside
    return await _settle(ctx, openid, spec, new_state, replies)


async def _settle(ctx: Context, openid: str, spec: FormSpec, state: dict | None, replies: list[str]) -> list[str]:
    """Fill in live choices the form is waiting for, then keep the state (or forget it)."""
    for _ in range(len(spec.fields)):
        if not state or not state.get("awaiting_choices"):
            break
        options = await form_live.choices(spec.name, state["awaiting_choices"], state["answers"])
        state, more = provide_choices(spec, state, options)
        replies = replies + more
    if state is None:
        await drafts.forget(ctx.store, openid)
        return replies
    state["prompt"] = replies[-1] if replies else state.get("prompt")
    await _save(ctx, openid, state)
    return replies


async def _save(ctx: Context, openid: str, state: dict) -> None:
    await drafts.save(ctx.store, openid, state, ctx.config.bot.dialogue_ttl_seconds)


# ---------------------------------------------------------------- submission


async def _submit(ctx: Context, openid: str, spec: FormSpec, state: dict) -> list[str]:
    state["submitting"] = datetime.now(TZ).isoformat()
    await _save(ctx, openid, state)  # the store fails here: nothing was submitted, and the user is told
    user = await find_or_create_user("oa", openid)
    try:
        record = await form_live.submit(spec.name, user.id, state["answers"],
                                        max_upcoming=ctx.config.booking.max_upcoming_per_user)
        text = await form_live.confirmation(record)
    except DomainError as exc:
        state["submitting"] = None
        return await _refused(ctx, openid, spec, state, exc)
    except Exception as exc:  # maybe committed (a connection lost before the COMMIT's answer): the saved
        # "submitting" mark stays, so the next message first looks for the record (see _recover)
        if not note_db_unavailable(exc):  # an outage is logged once, not per submission
            log.exception("chat submission of %s failed for %s", spec.name, openid)
        return [T.FLOW_SUBMIT_FAILED]
    try:
        await drafts.forget(ctx.store, openid)
    except STORE_ERRORS as exc:  # submitted: the next message recognises it (see _recover)
        log.warning("submitted, but could not clear the dialogue of %s: %s", openid, exc)
    return [text]


async def _recover(ctx: Context, openid: str, spec: FormSpec, state: dict) -> list[str] | None:
    user = await find_or_create_user("oa", openid)
    since = datetime.fromisoformat(state["submitting"])
    record = await form_live.find_submitted(spec.name, user.id, state["answers"], since)
    if record is None:
        state["submitting"] = None
        return None
    await drafts.forget(ctx.store, openid)
    return [T.FLOW_SUBMITTING_CHECK.format(result=await form_live.confirmation(record))]


async def _refused(ctx: Context, openid: str, spec: FormSpec, state: dict, exc: DomainError) -> list[str]:
    """Tell why, and ask that one field again; the other answers are kept for after it."""
    state, replies, asking = ask_again(spec, state, exc)
    if not asking:
        await _save(ctx, openid, state)
        return replies
    return await _settle(ctx, openid, spec, state, replies)


def install(app: web.Application, config: Config) -> None:
    add_skill(app, flows_skill, priority=Priority.FORMS)
