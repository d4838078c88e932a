"""Staff list and stats queries at 100 000 notifications: the old per-row code against the new SQL.

    python -m benchmarks.staff_queries_bench [--rows 100000] [--runs 20] [--backends sqlite,pg] [--pg postgres://...]

For each backend (SQLite in a temporary file; PostgreSQL in a private database it creates on
CHUANGYE_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/test, and drops afterwards) it
migrates, loads the ten windows and the courses, creates a window's staff, a county administrator
and the prefecture administrator, and inserts ``--rows`` notifications (events and the
per-recipient rows they fanned out to, about a fifth failed; PostgreSQL is then ANALYZEd) with the appointments, loan and
training applications and review decisions they point at (people repeat across rows and counties).

It then times, one call after another, ``list_notifications`` (the default request: failed rows,
limit 200) for each role (and for the staff of a window no notification is about: the worst case,
where the new query reads every failed row to find none) and ``progress_stats``, with the implementations as they were before
(copied below as the baseline) and as they are now, and prints p50/p99 and old ÷ new. It also checks
that both give the same answer: the stats must be equal; the old list only looked at the newest
1000 rows of the status, so its answer must be the start of the new one. Prints, never asserts.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

from chuangye.config import DEV_DATA_KEY, config_from_dict

DEFAULT_PG = os.environ.get("CHUANGYE_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/test")


# ------------------------------------------------------------------ the baseline (code before this change)

async def _old_origin_payloads(rows: list[Any]) -> dict[int, dict[str, Any]]:
    from orm_models import Notification

    parent_ids = {r.event_id for r in rows if r.event_id}
    parents = {p.id: p.payload for p in await Notification.filter(id__in=parent_ids)} if parent_ids else {}
    return {r.id: parents.get(r.event_id, r.payload) if r.event_id else r.payload for r in rows}


async def _old_places(kind: str, payload: dict[str, Any]) -> tuple[int | None, str | None]:
    from orm_models import Appointment, LoanApplication, TrainingApplication, Window

    application_models = {"loan_decided": LoanApplication, "training_decided": TrainingApplication}
    if kind in application_models:
        app = await application_models[kind].get_or_none(id=payload.get("application_id") or 0)
        return None, app.county if app else None
    window_id = payload.get("window_id")
    if window_id is None and payload.get("appointment_id"):
        appt = await Appointment.get_or_none(id=payload["appointment_id"])
        window_id = appt.window_id if appt else None
    window = await Window.get_or_none(id=window_id or 0)
    return (window.id, window.county) if window else (None, None)


def _old_visible(scope: Any, window_id: int | None, county: str | None) -> bool:
    if scope.everything:
        return True
    if window_id is not None and scope.role == "window":
        return window_id == scope.window_id
    return county is not None and county == scope.county


async def old_list_notifications(staff: Any, status: str | None = "failed", limit: int = 200) -> list[dict[str, Any]]:
    """handlers.notifications.staff_view.list_notifications before: 1-2 queries per row."""
    from handlers.errors import InvalidInput
    from handlers.notifications.staff_view import _row
    from handlers.staff.scope import Scope
    from orm_models import Notification
    from orm_models.notifications import STATUSES

    if status is not None and status not in STATUSES:
        raise InvalidInput({"status": "状态必须是 " + "、".join(STATUSES)})
    query = Notification.all() if status is None else Notification.filter(status=status)
    rows = await query.order_by("-id").limit(1000)
    origins = await _old_origin_payloads(rows)
    scope, out = Scope.of(staff), []
    for n in rows:
        window_id, county = await _old_places(n.kind, origins[n.id])
        if _old_visible(scope, window_id, county):
            out.append(_row(n, window_id, county))
        if len(out) >= limit:
            break
    return out


async def _old_distinct_total(query: Any) -> int:
    return len(set(await query.values_list("id_hash", flat=True)))


async def old_progress_stats() -> dict[str, Any]:
    """handlers.reporting.stats.progress_stats before: distinct people overall counted in Python."""
    from handlers.clock import clock
    from handlers.reporting import stats as s
    from orm_models import LoanApplication, QuestionLog, ReviewDecision, TrainingApplication, Window

    actual = await s._actuals_by_county()
    totals = {key: s._sum(v) for key, v in actual.items()}
    totals["loan_backed"] = await _old_distinct_total(LoanApplication.filter(status="approved"))
    totals["trained"] = await _old_distinct_total(TrainingApplication.filter(status="approved"))
    jobs_reported = await ReviewDecision.filter(kind="loan", decision="approved", jobs_created__isnull=False).count()
    approved_loans = await ReviewDecision.filter(kind="loan", decision="approved").count()
    targets = [{
        "key": t.key, "label": t.label, "target": t.target, "target_max": t.target_max, "unit": t.unit,
        "actual": totals[t.key], "percent": round(100 * totals[t.key] / t.target, 1), "definition": t.definition,
    } for t in s.TARGETS]
    funnel = await s._funnel_by_county()
    funnel_totals = {"questions": await QuestionLog.all().count(), **{k: s._sum(v) for k, v in funnel.items()}}
    places = list(s.COUNTIES) + [s.PREFECTURE]
    counties = [{"county": c, **{t.key: actual[t.key].get(c, 0) for t in s.TARGETS},
                 "funnel": {k: v.get(c, 0) for k, v in funnel.items()}} for c in places]
    return {
        "as_of": clock.now(),
        "source": s.SOURCE,
        "targets": targets,
        "counties": counties,
        "county_note": "方案未按县市分解目标，县市行只显示实际数。「州级」为未指定县市的指导团队和导师。",
        "jobs_coverage": {"approved_loans": approved_loans, "with_jobs_reported": jobs_reported},
        "demo_windows": await Window.filter(is_active=True, is_demo=True).count(),
        "funnel": [{"key": k, "label": label, "count": funnel_totals[k]} for k, label in s.FUNNEL],
        "funnel_note": "政策咨询来自公众号和小程序的提问记录，无法按县市区分，只有全州总数。",
    }


# ------------------------------------------------------------------ data

KINDS = ("appointment_booked", "appointment_cancelled", "loan_decided", "training_decided", "daily_agenda",
         "appointment_reminder")


async def _bulk(model: Any, objects: list[Any]) -> None:
    for i in range(0, len(objects), 2000):
        await model.bulk_create(objects[i:i + 2000])


async def populate(rows: int, seed: int = 7) -> dict[str, Any]:
    """``rows`` notifications and the records they are about; returns what was made, and the staff."""
    from tortoise import connections

    from handlers.applications.training import load_courses
    from handlers.appointments.windows import load_windows
    from handlers.demo import seed_demo_sessions
    from handlers.staff.accounts import create_staff
    from orm_models import (Appointment, LoanApplication, Notification, QuestionLog, ReviewDecision, Slot,
                            TrainingApplication, TrainingSession, User, Window)

    rnd = random.Random(seed)
    await load_windows()
    await load_courses()
    await seed_demo_sessions()
    windows = await Window.all().order_by("id")
    sessions = await TrainingSession.all().order_by("id")
    w0, quiet = windows[0], windows[-1]  # no notification is about the quiet window or its county
    staff = {"window": await create_staff("bench_window", "window", "bench-password-0123", window_id=w0.id),
             "county": await create_staff("bench_county", "county", "bench-password-0123", county=w0.county),
             "prefecture": await create_staff("bench_pref", "prefecture", "bench-password-0123"),
             "quiet window (none in scope)": await create_staff("bench_quiet", "window", "bench-password-0123",
                                                                window_id=quiet.id)}
    now = datetime.now().astimezone()
    n_users, n_people, n_each = 2000, 3000, max(rows // 5, 10)
    await _bulk(User, [User(id=i, app="mp", openid=f"bench-{i}") for i in range(1, n_users + 1)])
    slots = [Slot(id=i + 1, window_id=windows[i % len(windows)].id, start=now + timedelta(hours=i),
                  end=now + timedelta(hours=i, minutes=30), capacity=1000) for i in range(n_each // 10)]
    await _bulk(Slot, slots)
    pii = {"phone_enc": "x", "phone_hash": "h", "phone_masked": "138****0000"}
    appts = []
    for i in range(1, n_each + 1):
        slot = slots[rnd.randrange(len(slots))]
        appts.append(Appointment(id=i, user_id=rnd.randint(1, n_users), window_id=slot.window_id, slot_id=slot.id,
                                 start=slot.start, end=slot.end, purpose="创业政策咨询", name="测试", code=f"{i:06d}",
                                 status=rnd.choice(("booked", "checked_in", "cancelled", "no_show")), **pii))
    await _bulk(Appointment, appts)
    person = {"id_enc": "x", "id_masked": "5323**********0000", "phone_enc": "x", "phone_hash": "h",
              "phone_masked": "138****0000"}
    loans, trainings, decisions = [], [], []
    for i in range(1, n_each + 1):
        status = rnd.choice(("approved", "approved", "submitted", "rejected", "referred"))
        county = windows[rnd.randrange(len(windows))].county
        loans.append(LoanApplication(id=i, user_id=rnd.randint(1, n_users), product="创业担保贷款", category="返乡创业农民工",
                                     county=county, name="测试", business_type="小吃", amount=100000, purpose="设备",
                                     status=status, eligibility="eligible", id_hash=f"p{rnd.randrange(n_people)}",
                                     **person))
        if status != "submitted":
            decisions.append(ReviewDecision(kind="loan", application_id=i, decision=status, county=county,
                                            jobs_created=rnd.choice((None, 1, 2, 3)) if status == "approved" else None))
        session = sessions[rnd.randrange(len(sessions))]
        t_status = rnd.choice(("approved", "submitted", "rejected"))
        trainings.append(TrainingApplication(id=i, user_id=rnd.randint(1, n_users), session_id=session.id,
                                             county=session.county, category="农村劳动力", name="测试", status=t_status,
                                             id_hash=f"p{rnd.randrange(n_people)}", **person))
        if t_status != "submitted":
            decisions.append(ReviewDecision(kind="training", application_id=i, decision=t_status,
                                            county=session.county))
    await _bulk(LoanApplication, loans)
    await _bulk(TrainingApplication, trainings)
    await _bulk(ReviewDecision, decisions)
    await _bulk(QuestionLog, [QuestionLog(channel="oa", question=f"问题{i}", confident=i % 3 > 0)
                              for i in range(n_each // 4)])
    appt_ids = [a.id for a in appts if a.window_id != quiet.id]
    loan_ids = [x.id for x in loans if x.county != quiet.county]
    training_ids = [x.id for x in trainings if x.county != quiet.county]
    notes: list[Any] = []
    while len(notes) < rows:
        kind = rnd.choice(KINDS)
        a = rnd.choice(appt_ids)
        payload = {"appointment_booked": {"appointment_id": a, "window_id": appts[a - 1].window_id},
                   "appointment_cancelled": {"appointment_id": a, "window_id": appts[a - 1].window_id},
                   "loan_decided": {"application_id": rnd.choice(loan_ids), "decision": "approved"},
                   "training_decided": {"application_id": rnd.choice(training_ids), "decision": "approved"},
                   "daily_agenda": {"window_id": windows[a % (len(windows) - 1)].id, "date": now.date().isoformat()},
                   "appointment_reminder": {"appointment_id": a}}[kind]
        event_id = len(notes) + 1
        notes.append(Notification(id=event_id, kind=kind, channel="event", payload=payload, status="sent",
                                  next_attempt_at=now, dedupe_key=f"e{event_id}"))
        for _ in range(rnd.randint(1, 3)):
            child = len(notes) + 1
            recipient = f"oBENCH{child:012d}"
            notes.append(Notification(
                id=child, kind=kind, channel="template", recipient=recipient, event_id=event_id,
                status="failed" if rnd.random() < 0.3 else "sent", attempts=6, next_attempt_at=now,
                last_error="errcode 43004", dedupe_key=f"c{child}",
                payload={"message": {}, "chain": [["template", recipient]], "fallbacks": []}))
    await _bulk(Notification, notes[:rows])
    if connections.get("default").capabilities.dialect == "postgres":
        # What autovacuum does on its own within a minute of such inserts; SQLite is left without statistics,
        # as `make run` leaves it.
        await connections.get("default").execute_script("ANALYZE")
    return {"staff": staff, "notifications": rows, "appointments": len(appts), "loans": len(loans),
            "trainings": len(trainings), "decisions": len(decisions),
            "failed": sum(1 for n in notes[:rows] if n.status == "failed")}


# ------------------------------------------------------------------ timing

async def _time(runs: int, call: Callable[[], Awaitable[Any]]) -> dict[str, float]:
    await call()  # warm caches and connections; not counted
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await call()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p99": times[min(len(times) - 1, int(len(times) * 0.99))]}


def _without_clock(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stats.items() if k != "as_of"}


async def _bench_backend(label: str, config: Any, rows: int, runs: int) -> None:
    from chuangye.db import close_db, init_db, migrate
    from handlers.notifications.staff_view import list_notifications
    from handlers.reporting.stats import _distinct_total, progress_stats
    from orm_models import LoanApplication, TrainingApplication

    await migrate(config)
    await init_db(config)
    try:
        t0 = time.perf_counter()
        made = await populate(rows)
        print(f"\n{label}: {made['notifications']} notifications ({made['failed']} failed), {made['appointments']} "
              f"appointments, {made['loans']} loan and {made['trainings']} training applications, "
              f"{made['decisions']} decisions; inserted in {time.perf_counter() - t0:.0f} s; {runs} runs each")
        print(f"  {'query':56s} {'old p50':>9s} {'old p99':>9s} {'new p50':>9s} {'new p99':>9s} {'old/new p50':>12s}  same answer")
        for role, staff in made["staff"].items():
            old_rows, new_rows = await old_list_notifications(staff), await list_notifications(staff)
            same = ("identical" if old_rows == new_rows else
                    f"old ({len(old_rows)}) = first rows of new ({len(new_rows)})"
                    if old_rows == new_rows[:len(old_rows)] else "DIFFERENT")
            old = await _time(runs, lambda s=staff: old_list_notifications(s))
            new = await _time(runs, lambda s=staff: list_notifications(s))
            _print_row(f"list_notifications, {role} staff", old, new, same)
        same = "identical" if _without_clock(await old_progress_stats()) == _without_clock(await progress_stats()) \
            else "DIFFERENT"
        _print_row("progress_stats", await _time(runs, old_progress_stats), await _time(runs, progress_stats), same)

        async def people(count: Callable[[Any], Awaitable[int]]) -> tuple[int, int]:
            return (await count(LoanApplication.filter(status="approved")),
                    await count(TrainingApplication.filter(status="approved")))

        same = "identical" if await people(_old_distinct_total) == await people(_distinct_total) else "DIFFERENT"
        _print_row("  of which: distinct people overall (2 queries)", await _time(runs, lambda: people(_old_distinct_total)),
                   await _time(runs, lambda: people(_distinct_total)), same)
    finally:
        await close_db()


def _print_row(label: str, old: dict[str, float], new: dict[str, float], same: str) -> None:
    print(f"  {label:56s} {old['p50']:9.1f} {old['p99']:9.1f} {new['p50']:9.1f} {new['p99']:9.1f} "
          f"{old['p50'] / new['p50']:11.1f}x  {same}")


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _settings(url: str) -> Any:
    return config_from_dict({"database": {"url": url},
                             "security": {"secret_key": "bench-secret-key-0123456789", "data_key": DEV_DATA_KEY}})


async def bench(backends: list[str], pg: str, rows: int, runs: int) -> None:
    print(f"times in ms, one call after another; list = default request (failed rows, limit 200)")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            await _bench_backend("SQLite", _settings(f"sqlite://{Path(tmp) / 'bench.db'}"), rows, runs)
    if "pg" in backends:
        name = f"cy_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        await _admin(pg, f'CREATE DATABASE "{name}"')
        p = urlsplit(pg)
        try:
            await _bench_backend("PostgreSQL", _settings(urlunsplit((p.scheme, p.netloc, f"/{name}", "", ""))), rows, runs)
        finally:
            await _admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000, help="notifications to insert")
    p.add_argument("--runs", type=int, default=20, help="timed calls per query and implementation")
    p.add_argument("--backends", default="sqlite,pg", help="comma-separated: sqlite, pg")
    p.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server URL (a private database is created on it)")
    args = p.parse_args(argv)
    try:
        asyncio.run(bench(args.backends.split(","), args.pg, args.rows, args.runs))
    except OSError as exc:
        print(f"PostgreSQL unreachable at {args.pg}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
