"""The names and lists the server owns, in one answer for staff front ends (GET /staff/meta).

Every table here is imported from the module where the thing lives, never copied, so the console
shows a status with the same words the chat, the mini-program API and the exports use. Nothing
here is personal or scoped: every staff role reads the same answer.
"""
from __future__ import annotations

from typing import Any

from handlers.applications.loans import STATUS_ZH as LOAN_STATUS_ZH
from handlers.applications.review import DECISION_ZH, DECISIONS, OPEN
from handlers.applications.training import STATUS_ZH as TRAINING_STATUS_ZH
from handlers.appointments.booking import STATUS_ZH as APPOINTMENT_STATUS_ZH
from handlers.carriers.applications import OPEN_STATUSES as CARRIER_OPEN
from handlers.carriers.applications import STATUS_ZH as CARRIER_STATUS_ZH
from handlers.carriers.directory import INDUSTRIES as CARRIER_INDUSTRIES
from handlers.carriers.directory import KIND_CODES as CARRIER_KIND_CODES
from handlers.carriers.directory import OFFER_KEYS as CARRIER_OFFERS
from handlers.carriers.review import DECISIONS as CARRIER_DECISIONS
from handlers.eligibility import load_rules
from handlers.events.signup import STATUS_ZH as EVENT_STATUS_ZH
from handlers.handoff.sessions import REASON_ZH, SENDER_ZH
from handlers.handoff.sessions import STATUS_ZH as HANDOFF_STATUS_ZH
from handlers.knowledge_ops.documents import CONFIDENCE as KB_CONFIDENCE
from handlers.knowledge_ops.documents import STATUS_ZH as KB_STATUS_ZH
from handlers.knowledge_ops.documents import WRITER_ROLES as KB_WRITER_ROLES
from handlers.knowledge_ops.faq import WRITER_ROLES as FAQ_WRITER_ROLES
from handlers.mentors.profiles import AREAS as MENTOR_AREAS
from handlers.mentors.requests import STATUS_ZH as MENTOR_STATUS_ZH
from handlers.notifications.compose import CHANNEL_LABELS
from handlers.notifications.staff_view import KIND_LABELS as NOTIFICATION_KIND_ZH
from handlers.notifications.staff_view import STATUS_LABELS as NOTIFICATION_STATUS_ZH
from handlers.reporting.export import SHEET_TITLES
from handlers.reporting.stats import CARRIER_KEYS, SHORT_LABELS, TARGETS
from handlers.staff.auth import ROLE_NAMES
from handlers.validation import COUNTIES
from orm_models.handoff import PREFECTURE
from orm_models.mentors import FOLLOW_UP_KINDS
from orm_models.events import EVENT_KINDS
from orm_models.registry import CARRIER_KINDS

# Record kind -> its status names. The one table per kind; the console keeps no copy.
STATUS_TABLES: dict[str, dict[str, str]] = {
    "appointment": APPOINTMENT_STATUS_ZH,
    "loan": LOAN_STATUS_ZH,
    "training": TRAINING_STATUS_ZH,
    "carrier": CARRIER_STATUS_ZH,
    "handoff": HANDOFF_STATUS_ZH,
    "notification": NOTIFICATION_STATUS_ZH,
    "mentor_request": MENTOR_STATUS_ZH,
    "event_registration": EVENT_STATUS_ZH,
    "kb_document": KB_STATUS_ZH,
}


def _target(t: Any) -> dict[str, Any]:
    return {"key": t.key, "label": t.label, "short_label": SHORT_LABELS.get(t.key, t.label), "target": t.target,
            "target_max": t.target_max, "unit": t.unit}


def staff_meta() -> dict[str, Any]:
    """Counties, roles, status names per record kind, decisions, carrier kinds and plan targets."""
    return {
        "counties": list(COUNTIES),
        "prefecture": PREFECTURE,
        "roles": dict(ROLE_NAMES),
        "faq_roles": list(FAQ_WRITER_ROLES),
        "kb_roles": list(KB_WRITER_ROLES),
        "kb_confidence": list(KB_CONFIDENCE),
        "statuses": {kind: dict(table) for kind, table in STATUS_TABLES.items()},
        "open_statuses": {**{kind: list(statuses) for kind, statuses in OPEN.items()}, "carrier": list(CARRIER_OPEN)},
        "decisions": {**{kind: {d: DECISION_ZH[d] for d in choices} for kind, choices in DECISIONS.items()},
                      "carrier": {d: CARRIER_STATUS_ZH[d] if d == "approved" else DECISION_ZH[d]
                                  for d in CARRIER_DECISIONS}},
        "eligibility": dict(load_rules()["labels"]),
        "channels": dict(CHANNEL_LABELS),
        "notification_kinds": dict(NOTIFICATION_KIND_ZH),
        "handoff_reasons": dict(REASON_ZH),
        "handoff_senders": dict(SENDER_ZH),
        "carrier_kinds": [{"kind": kind, "target": CARRIER_KEYS[kind],
                           "code": next(c for c, zh in CARRIER_KIND_CODES.items() if zh == kind)} for kind in CARRIER_KINDS],
        "carrier_industries": list(CARRIER_INDUSTRIES),
        "carrier_offers": dict(CARRIER_OFFERS),
        "exports": dict(SHEET_TITLES),
        "event_kinds": list(EVENT_KINDS),
        "targets": [_target(t) for t in TARGETS],
        "mentor_areas": list(MENTOR_AREAS),
        "follow_up_kinds": list(FOLLOW_UP_KINDS),
    }
