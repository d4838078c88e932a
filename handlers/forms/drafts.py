"""A user's unfinished chat form (dialogue state) in the shared store.

The state lives under ``keys.dialogue(openid)`` for the dialogue's time to live after the last
message; a second key remembers, a day longer, which form it was, so that a lapsed form can be
announced once instead of its next answer being taken for something else.

Guarantees:
- personal data (ID number, phone, and the last prompt, which may show them) is kept only as
  ciphertext (``chuangye.pii.seal``); a state sealed under another data key reads as no state;
- ``draft_of`` never fails: staff see the unfinished form masked, or nothing when the store is down.
"""
from __future__ import annotations

from typing import Any

from chuangye import pii
from chuangye.pii import mask_id, mask_phone
from chuangye.store import UNAVAILABLE, LockTimeout, Store, keys
from handlers.forms.definitions import FORMS

STORE_ERRORS = (*UNAVAILABLE, LockTimeout)
EXPIRED_MARK_EXTRA_SECONDS = 24 * 3600
PERSONAL = ("id_number", "phone")


def _mark_key(openid: str) -> str:
    return keys.custom(f"dlgmark:{openid}")


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


async def save(store: Store, openid: str, state: dict, ttl: int) -> None:
    await store.set_json(keys.dialogue(openid), _sealed(state, lambda v: pii.seal(v) if isinstance(v, str) else v),
                         ttl=ttl)
    await store.set(_mark_key(openid), state["form"], ttl=ttl + EXPIRED_MARK_EXTRA_SECONDS)


async def forget(store: Store, openid: str) -> None:
    await store.delete(keys.dialogue(openid))
    await store.delete(_mark_key(openid))


async def take_lapsed(store: Store, openid: str) -> str | None:
    """The form whose state lapsed since the user's last message, once (None when there is none)."""
    form = await store.get(_mark_key(openid))
    if form not in FORMS:
        return None
    await store.delete(_mark_key(openid))
    return form


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
