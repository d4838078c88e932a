"""Training courses, sessions per county and sign-ups with seats."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from handlers.demo import seed_demo_sessions
from handlers.errors import DuplicateBooking, InvalidInput, NotAllowed, NotFound, SessionFull
from handlers.applications.training import (list_courses, load_courses, my_training_applications, release_seat, session_choices,
                               submit_training_application, withdraw_training_application)
from handlers.clock import TZ
from orm_models import TrainingApplication, TrainingCourse, TrainingSession
from tests.support.builders import make_id, make_users

pytestmark = pytest.mark.backend
ID = make_id()


async def _session(capacity: int = 2, county: str = "元谋县", days: int = 10) -> TrainingSession:
    await load_courses()
    course = await TrainingCourse.get(key="yanglao")
    return await TrainingSession.create(key=f"t:{county}:{capacity}:{days}", course=course, county=county,
                                        start=datetime.now(TZ) + timedelta(days=days), capacity=capacity)


def _form(session_id: int, **kw):
    return {"session_id": session_id, "name": "李秀英", "id_number": ID, "phone": "13812348000", "county": "元谋县",
            "category": "农村劳动力", **kw}


async def test_the_plans_courses_load_once(db):
    assert await load_courses() == {"created": 5, "updated": 0}
    assert await load_courses() == {"created": 0, "updated": 0}
    titles = [c.title for c in await TrainingCourse.all().order_by("id")]
    assert titles[:4] == ["民族药膳", "健康管理", "养老护理", "保健按摩"] and titles[4].startswith("创业培训")


async def test_courses_list_their_future_sessions_with_remaining_seats(db):
    await load_courses()
    await seed_demo_sessions()
    courses = await list_courses()
    assert len(courses) == 5 and all(len(c["sessions"]) == 10 for c in courses)
    s = courses[0]["sessions"][0]
    assert s["remaining"] == s["capacity"] == 30 and s["is_demo"] and s["location"].startswith("演示数据")
    assert s["start"] > datetime.now(TZ)
    yuanmou = await list_courses(county="元谋县")
    assert all(len(c["sessions"]) == 1 and c["sessions"][0]["county"] == "元谋县" for c in yuanmou)


async def test_a_sign_up_takes_a_seat(db):
    session = await _session()
    (user,) = await make_users(1)
    app = await submit_training_application(user.id, _form(session.id))
    assert app.status == "submitted" and app.id_masked.startswith(ID[:4])
    assert (await TrainingSession.get(id=session.id)).enrolled == 1
    assert "剩余 1 个名额" in (await session_choices("元谋县"))[0][1]


async def test_a_full_session_refuses_the_next_sign_up(db):
    session = await _session(capacity=2)
    users = await make_users(3)
    for u in users[:2]:
        await submit_training_application(u.id, _form(session.id))
    with pytest.raises(SessionFull) as exc:
        await submit_training_application(users[2].id, _form(session.id))
    assert (exc.value.status, exc.value.code) == (409, "session_full")
    assert await TrainingApplication.all().count() == 2
    assert await session_choices("元谋县") == []


async def test_the_same_user_cannot_take_two_seats(db):
    session = await _session(capacity=5)
    (user,) = await make_users(1)
    await submit_training_application(user.id, _form(session.id))
    with pytest.raises(DuplicateBooking, match="已报名该期培训"):
        await submit_training_application(user.id, _form(session.id))
    assert (await TrainingSession.get(id=session.id)).enrolled == 1


async def test_withdrawing_frees_the_seat_once(db):
    session = await _session(capacity=1)
    a, b = await make_users(2)
    app = await submit_training_application(a.id, _form(session.id))
    assert (await withdraw_training_application(a.id, app.id)).status == "withdrawn"
    with pytest.raises(NotAllowed):
        await withdraw_training_application(a.id, app.id)
    assert (await TrainingSession.get(id=session.id)).enrolled == 0
    await submit_training_application(b.id, _form(session.id))
    with pytest.raises(NotFound):
        await withdraw_training_application(b.id, app.id)


async def test_a_staff_rejection_frees_the_seat_in_the_decisions_transaction(db):
    session = await _session(capacity=1)
    (user,) = await make_users(1)
    app = await submit_training_application(user.id, _form(session.id))
    async with in_transaction() as conn:
        assert await release_seat(app.id, "rejected", conn, note="名额调整")
        assert not await release_seat(app.id, "rejected", conn)
    row = await TrainingApplication.get(id=app.id)
    assert (row.status, row.decision_note, row.active_key) == ("rejected", "名额调整", None)
    assert (await TrainingSession.get(id=session.id)).enrolled == 0


async def test_a_started_or_unknown_session_is_a_field_error(db):
    started = await _session(days=-1)
    (user,) = await make_users(1)
    with pytest.raises(InvalidInput) as exc:
        await submit_training_application(user.id, _form(started.id))
    assert exc.value.fields == {"session_id": "培训班：该期培训已经开班，不能再报名，请选择其他期次"}
    with pytest.raises(InvalidInput) as exc:
        await submit_training_application(user.id, _form(99999))
    assert exc.value.fields == {"session_id": "培训班：没有找到该培训班，请重新选择"}


async def test_bad_fields_store_nothing(db):
    session = await _session()
    (user,) = await make_users(1)
    with pytest.raises(InvalidInput) as exc:
        await submit_training_application(user.id, _form(session.id, phone="110", county="大理", category="学生"))
    assert set(exc.value.fields) == {"phone", "county", "category"}
    assert await TrainingApplication.all().count() == 0
    assert (await TrainingSession.get(id=session.id)).enrolled == 0


async def test_my_training_applications_include_the_course(db):
    session = await _session()
    a, b = await make_users(2)
    mine = await submit_training_application(a.id, _form(session.id))
    await submit_training_application(b.id, _form(session.id))
    listed = await my_training_applications(a.id)
    assert [x.id for x in listed] == [mine.id] and listed[0].session.course.title == "养老护理"
