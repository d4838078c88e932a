"""A form refused at submit: which field to ask again, and the form's state for it. Pure functions.

A slot filled meanwhile, a duplicate, or a value no longer valid is told in Chinese and the user
chooses that one field again; the answers after it are kept aside (``state["repick"]``) and put
back once it is chosen, so the user goes straight back to the summary.
"""
from __future__ import annotations

from handlers.errors import DomainError, DuplicateApplication, DuplicateBooking, InvalidInput, SessionFull, SlotFull
from handlers.forms.chat import Reply, step
from handlers.forms.spec import FormSpec
from handlers.texts import FLOW_CHOOSE_AGAIN

REPICK = {SlotFull: {"appointment": "start"}, SessionFull: {"training": "session_id"},
          DuplicateBooking: {"appointment": "start", "training": "session_id"},
          DuplicateApplication: {"carrier": "carrier_id"}}


def field_to_repick(spec: FormSpec, exc: DomainError) -> str | None:
    for kind, fields in REPICK.items():
        if isinstance(exc, kind) and spec.name in fields:
            return fields[spec.name]
    if isinstance(exc, InvalidInput):
        return next((f.name for f in spec.fields if f.name in exc.fields), None)
    return None


def ask_again(spec: FormSpec, state: dict, exc: DomainError) -> tuple[dict, list[str], bool]:
    """(state, replies, a field is asked again): why it was refused, and that field's question
    (whose live choices the channel then provides, as after ``step``)."""
    name = field_to_repick(spec, exc)
    message = exc.fields.get(name, exc.message) if name else exc.message
    if name is None:
        return state, [message], False
    index = spec.fields.index(spec.field(name))
    later = spec.fields[index + 1:]
    if later and not any(f.dynamic for f in later):
        state["repick"] = {"field": name, "keep": {f.name: state["answers"][f.name] for f in later}}
    state.update(index=index, confirming=False, awaiting_choices=name if spec.field(name).dynamic else None)
    state["choices"].pop(name, None)
    state["answers"].pop(name, None)
    return state, [message, FLOW_CHOOSE_AGAIN] if spec.field(name).dynamic else [message], True


def restore(spec: FormSpec, state: dict, keep: dict) -> Reply:
    """After a re-chosen field, put the kept answers back and go straight to the summary."""
    last = spec.fields[-1]
    state["answers"].update(keep)
    state.update(index=len(spec.fields) - 1, confirming=False, awaiting_choices=None)
    return step(spec, state, str(keep[last.name]))  # re-validates the last answer
