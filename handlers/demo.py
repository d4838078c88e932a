"""Demo data for `make run` and `chuangye seed-demo`: windows, courses with sessions, staff.

Everything here is idempotent (rows matched by stable keys) and labelled 演示数据 where it
stands in for facts we do not have (addresses, phones, class dates and places).
"""
from __future__ import annotations

import asyncio
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from chuangye import yamlio
from orm_models import StaffAccount, TrainingCourse, TrainingSession, User, Window

from handlers.appointments import calendar
from handlers.staff.accounts import ensure_demo_staff
from handlers.applications.training import COURSES_PATH, load_courses
from handlers.validation import COUNTIES
from handlers.clock import TZ
from handlers.appointments.windows import load_windows
from handlers.carriers.directory import seed_demo_carriers


def _first_workday(day: date) -> date:
    while not calendar.day_status(day, {k: ["09:00-17:00"] for k in calendar.WEEKDAYS[:5]}, "").is_open:
        day += timedelta(days=1)
    return day


async def seed_demo_sessions(today: date | None = None, path: Path = COURSES_PATH) -> int:
    """One demo session of each course in each county, spread over the coming weeks.

    A session is keyed ``demo:<course>:<county>``: seeding again never adds a second one.
    """
    spec = yamlio.safe_load(path.read_text(encoding="utf-8"))["demo_sessions"]
    today = today or datetime.now(TZ).date()
    created = 0
    courses = await TrainingCourse.filter(is_active=True).order_by("id")
    for ci, county in enumerate(COUNTIES):
        for k, course in enumerate(courses):
            first = _first_workday(today + timedelta(days=spec["first_after_days"] + 7 * ((ci + k) % 4) + k))
            _, was_created = await TrainingSession.get_or_create(
                key=f"demo:{course.key}:{county}",
                defaults={"course": course, "county": county, "capacity": spec["capacity"], "is_demo": True,
                          "location": spec["location"].format(county=county),
                          "start": datetime.combine(first, time.fromisoformat(spec["start_time"]), TZ),
                          "end": datetime.combine(first + timedelta(days=spec["days"] - 1),
                                                  time.fromisoformat(spec["end_time"]), TZ)})
            created += was_created
    return created


async def seed_demo(config: Any, *, staff: bool = True) -> dict[str, Any]:
    """Load the windows, courses, demo sessions and (unless ``staff`` is false) demo staff accounts.

    Guarantees: idempotent; run it any number of times and the data is the same. Assumes the
    database is initialised (Tortoise) and migrated.
    """
    result: dict[str, Any] = {"windows": await load_windows(), "courses": await load_courses()}
    result["sessions_created"] = await seed_demo_sessions()
    result["carriers_created"] = await seed_demo_carriers()
    result["staff"] = await ensure_demo_staff() if staff else None
    return result


def _report(result: dict[str, Any]) -> str:
    w, c = result["windows"], result["courses"]
    lines = [f"服务窗口：新增 {w['created']} 个，更新 {w['updated']} 个（地址、电话为演示数据，请运营人员在 handlers/data/windows.yaml 中填写）",
             f"培训课程：新增 {c['created']} 门，更新 {c['updated']} 门；演示培训班新增 {result['sessions_created']} 期",
             f"创业载体：新增演示载体 {result.get('carriers_created', 0)} 个（演示数据，请运营人员在工作台“登记”中核实或替换）"]
    staff = result.get("staff")
    if staff:
        made = [a["username"] for a in staff.get("accounts", []) if a.get("created")]
        lines.append(f"演示工作人员账号：新增 {len(made)} 个，密码 {staff.get('password')}（仅限演示，上线前请删除或改密）")
    return "\n".join(lines)


async def database_is_empty() -> bool:
    """No windows, staff or users yet: a fresh installation that demo data may fill."""
    return not (await Window.exists() or await StaffAccount.exists() or await User.exists())


def seed_demo_cli(config: Any, if_empty: bool = False) -> int:
    """`chuangye seed-demo [--if-empty]`: initialise the database, seed, report in Chinese, close.

    `make run` passes --if-empty, so a database already in use (demo accounts removed before
    go-live, real staff added) never gets the demo accounts and their shared password back.
    """
    from chuangye.db import close_db, init_db

    async def run() -> dict[str, Any] | None:
        await init_db(config)
        try:
            if if_empty and not await database_is_empty():
                return None
            return await seed_demo(config)
        finally:
            await close_db()

    try:
        result = asyncio.run(run())
    except Exception as exc:  # one clear line, e.g. the database is not migrated yet
        print(f"载入演示数据失败：{exc}（是否已运行 chuangye migrate？）", file=sys.stderr)
        return 1
    if result is None:
        print("数据库中已有数据，未载入演示数据（需要时请运行 chuangye seed-demo）")
        return 0
    print(_report(result))
    return 0
