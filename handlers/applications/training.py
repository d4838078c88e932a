"""Training courses, their sessions per county, and sign-ups.

Seats are held by the database: ``enrolled`` only moves through
``UPDATE training_sessions SET enrolled = enrolled + 1 WHERE id = ? AND enrolled < capacity``
in the application's transaction, and a UNIQUE ``active_key`` (user + session) refuses a
second seat for the same user, on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from chuangye import yamlio
from chuangye.pii import protect_id, protect_phone
from orm_models import TrainingApplication, TrainingCourse, TrainingSession

from handlers.errors import DuplicateBooking, InvalidInput, NotAllowed, NotFound, SessionFull
from handlers.forms.definitions import TRAINING_FORM
from handlers.forms.spec import clean
from handlers.users import get_user
from handlers.validation import valid_pk
from handlers.clock import TZ
from handlers.last_good import Copy, LastGood

COURSES_PATH = Path(__file__).resolve().parents[1] / "data" / "courses.yaml"
STATUS_ZH = {"submitted": "已报名，待审核", "approved": "已通过", "rejected": "未通过", "withdrawn": "已撤回"}
SEAT_HOLDING = ("submitted", "approved")


async def load_courses(path: str | os.PathLike[str] = COURSES_PATH) -> dict[str, int]:
    """Insert or update courses from the file, matched by ``key`` (idempotent)."""
    counts = {"created": 0, "updated": 0}
    for row in yamlio.safe_load(Path(path).read_text(encoding="utf-8"))["courses"]:
        values = {k: row[k] for k in ("title", "kind", "description")}
        course, created = await TrainingCourse.get_or_create(key=row["key"], defaults=values)
        if created:
            counts["created"] += 1
        elif any(getattr(course, k) != val for k, val in values.items()):
            await course.update_from_dict(values).save()
            counts["updated"] += 1
    return counts


def session_dict(s: TrainingSession) -> dict[str, Any]:
    return {"id": s.id, "course_id": s.course_id, "county": s.county, "start": s.start.astimezone(TZ),
            "end": s.end.astimezone(TZ) if s.end else None, "location": s.location, "capacity": s.capacity,
            "remaining": max(s.capacity - s.enrolled, 0), "is_demo": s.is_demo}


async def list_courses(county: str | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """Active courses with their sessions that have not started (optionally of one county).

    Each course: ``{id, title, kind, description, sessions: [{id, start, end, county, location,
    capacity, remaining, is_demo}]}``, sessions in start order.
    """
    now = now or datetime.now(TZ)
    sessions = TrainingSession.filter(start__gt=now, course__is_active=True).order_by("start", "id")
    if county:
        sessions = sessions.filter(county=county)
    by_course: dict[int, list[dict[str, Any]]] = {}
    for s in await sessions:
        by_course.setdefault(s.course_id, []).append(session_dict(s))
    courses = await TrainingCourse.filter(is_active=True).order_by("id")
    return [{"id": c.id, "title": c.title, "kind": c.kind, "description": c.description,
             "sessions": by_course.get(c.id, [])} for c in courses]


# The catalogue changes when staff add sessions: while the database is unreachable the last one
# read (per county) is served, marked, so users can still plan; nobody can sign up meanwhile.
_CATALOGUE = LastGood[list[dict[str, Any]]]()


async def course_listing(county: str | None = None) -> Copy[list[dict[str, Any]]]:
    """``list_courses(county)``, or, while the database is unreachable, the last one read (its
    ``remaining`` as then, without the sessions that have started since) with ``as_of`` set."""
    found = await _CATALOGUE.read(lambda: list_courses(county), key=county)
    if found.as_of is None:
        return found
    now = datetime.now(TZ)
    courses = [{**c, "sessions": [s for s in c["sessions"] if s["start"] > now]} for c in found.value]
    return Copy(courses, found.as_of)


async def session_choices(county: str | None = None, now: datetime | None = None) -> list[tuple[int, str]]:
    """(session id, Chinese label) of sessions with free seats, for the chat's choices."""
    out = []
    for course in await list_courses(county, now):
        for s in course["sessions"]:
            if s["remaining"] > 0:
                out.append((s["id"], f"{course['title']} · {s['county']} · {s['start']:%m月%d日}开班（剩余 {s['remaining']} 个名额）"))
    return out


async def _open_session(session_id: int) -> TrainingSession:
    session = await TrainingSession.get_or_none(id=session_id).select_related("course")
    if session is None or not session.course.is_active:
        raise InvalidInput({"session_id": "培训班：没有找到该培训班，请重新选择"})
    if session.start.astimezone(TZ) <= datetime.now(TZ):
        raise InvalidInput({"session_id": "培训班：该期培训已经开班，不能再报名，请选择其他期次"})
    return session


async def submit_training_application(user_id: int, data: dict) -> TrainingApplication:
    """Sign the user up for a session, taking one seat.

    Guarantees: invalid input raises InvalidInput and stores nothing; never past the session's
    capacity on SQLite and PostgreSQL alike (SessionFull); one seat per user and session
    (DuplicateBooking); ID and phone stored only encrypted; seat and application in one transaction.
    """
    form = clean(TRAINING_FORM, data)
    user = await get_user(user_id)
    session = await _open_session(form["session_id"])
    active_key = f"{user.id}:{session.id}"
    duplicate = DuplicateBooking("您已报名该期培训，无需重复报名")
    if await TrainingApplication.filter(active_key=active_key).exists():
        raise duplicate
    id_p, phone_p = protect_id(form["id_number"]), protect_phone(form["phone"])
    try:
        async with in_transaction() as conn:
            taken = await TrainingSession.filter(id=session.id, enrolled__lt=F("capacity")).using_db(conn) \
                .update(enrolled=F("enrolled") + 1)
            if not taken:
                raise SessionFull()
            return await TrainingApplication.create(
                user_id=user.id, session_id=session.id, county=form["county"], category=form["category"],
                name=form["name"], id_enc=id_p.enc, id_hash=id_p.hash, id_masked=id_p.masked,
                phone_enc=phone_p.enc, phone_hash=phone_p.hash, phone_masked=phone_p.masked,
                active_key=active_key, using_db=conn)
    except IntegrityError:
        raise duplicate from None


async def release_seat(application_id: int, status: str, using_db: BaseDBAsyncClient, note: str | None = None) -> bool:
    """Move a seat-holding application to ``status`` (rejected or withdrawn) and free its seat.

    For the staff's decision use case too: call it inside the decision's transaction. Returns
    False (and changes nothing) when the application no longer holds a seat, so a seat is
    freed at most once.
    """
    now = datetime.now(TZ)
    values: dict[str, Any] = {"status": status, "active_key": None, "updated_at": now}
    if status != "withdrawn":
        values.update(decided_at=now, decision_note=note)
    changed = await TrainingApplication.filter(id=application_id, status__in=SEAT_HOLDING).using_db(using_db) \
        .update(**values)
    if changed:
        app = await TrainingApplication.get(id=application_id).using_db(using_db)
        await TrainingSession.filter(id=app.session_id, enrolled__gt=0).using_db(using_db) \
            .update(enrolled=F("enrolled") - 1)
    return bool(changed)


async def withdraw_training_application(user_id: int, app_id: int) -> TrainingApplication:
    """Withdraw the user's own sign-up and free its seat (someone else's is NotFound)."""
    app = await TrainingApplication.get_or_none(id=app_id, user_id=user_id) \
        if valid_pk(user_id) and valid_pk(app_id) else None
    if app is None:
        raise NotFound("没有找到该报名")
    async with in_transaction() as conn:
        changed = await release_seat(app.id, "withdrawn", conn)
    if not changed:
        raise NotAllowed(f"该报名{STATUS_ZH.get(app.status, app.status)}，不能撤回")
    return await TrainingApplication.get(id=app_id)


async def my_training_applications(user_id: int) -> list[TrainingApplication]:
    """The user's sign-ups, newest first, each with ``session`` and ``session.course`` loaded."""
    return await TrainingApplication.filter(user_id=user_id).select_related("session__course") \
        .order_by("-created_at", "-id")
