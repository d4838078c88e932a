"""Demo data: idempotent seeding of windows, courses, sessions and staff accounts."""
from __future__ import annotations

import pytest

from handlers.appointments import calendar
from handlers.demo import seed_demo, seed_demo_cli
from orm_models import TrainingCourse, TrainingSession, Window

pytestmark = pytest.mark.backend
WEEKDAY_HOURS = {d: ["09:00-17:00"] for d in calendar.WEEKDAYS[:5]}


async def test_seeding_twice_gives_the_same_data(db):
    first = await seed_demo(db, staff=False)
    assert first["windows"] == {"created": 10, "updated": 0} and first["sessions_created"] == 50
    second = await seed_demo(db, staff=False)
    assert second["windows"] == {"created": 0, "updated": 0} and second["sessions_created"] == 0
    assert (await Window.all().count(), await TrainingCourse.all().count(), await TrainingSession.all().count()) == \
        (10, 5, 50)


async def test_every_county_gets_a_labelled_session_of_every_course_on_a_working_day(db):
    await seed_demo(db, staff=False)
    for county in ("楚雄市", "元谋县", "武定县"):
        sessions = await TrainingSession.filter(county=county)
        assert len(sessions) == 5 and all(s.is_demo and "演示数据" in s.location for s in sessions)
        for s in sessions:
            assert calendar.day_status(s.start.astimezone(calendar.TZ).date(), WEEKDAY_HOURS, county).is_open


def test_the_cli_seeds_windows_courses_and_staff_and_reports_in_chinese(make_config, capsys, backend):
    if backend != "sqlite":
        pytest.skip("the CLI path is the same on both backends; one run keeps the suite fast")
    config = make_config()
    assert seed_demo_cli(config) == 0
    out = capsys.readouterr().out
    assert "服务窗口：新增 10 个" in out and "演示培训班新增 50 期" in out and "演示工作人员账号：新增 11 个" in out
    assert seed_demo_cli(config) == 0
    assert "服务窗口：新增 0 个" in capsys.readouterr().out

