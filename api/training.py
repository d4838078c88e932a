"""Training courses with their sessions per county, and sign-ups."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from tortoise.models import Model

from handlers.forms.definitions import TRAINING_CATEGORIES, TRAINING_FORM
from handlers.applications.training import (STATUS_ZH, course_listing, my_training_applications, submit_training_application,
                               withdraw_training_application)
from orm_models.training import TRAINING_STATUSES

from api.registry import Call, Routes
from api.schemas import In, Out, Timestamp
from api.windows import County

routes = Routes("培训报名", "技能培训与创业培训的期次、名额和报名")


class CourseQuery(In):
    county: County | None = Field(None, title="县市", description="只看该县市的期次")


class SessionOut(Out):
    id: int
    start: Timestamp
    end: Timestamp | None = None
    county: County
    location: str
    capacity: int
    remaining: int = Field(description="剩余名额")
    is_demo: bool = Field(description="true 表示期次为演示数据")


class CourseOut(Out):
    id: int
    title: str
    kind: str = Field(description="技能培训或创业培训")
    description: str
    sessions: list[SessionOut] = Field(description="尚未开班的期次，按开班时间排序")


class CourseList(Out):
    courses: list[CourseOut]
    cached_at: Timestamp | None = Field(None, description="数据库暂时无法连接时为该副本的读取时间（剩余名额可能不是最新）；"
                                                          "正常情况下为 null")


class TrainingOut(Out):
    id: int
    session_id: int
    course_title: str | None = None
    session_start: Timestamp | None = None
    county: County
    category: Literal[TRAINING_CATEGORIES]  # type: ignore[valid-type]
    name: str
    id_masked: str
    phone_masked: str
    status: Literal[TRAINING_STATUSES] = Field(  # type: ignore[valid-type]
        description="submitted 已报名待审核，approved 已通过，rejected 未通过，withdrawn 已撤回")
    status_text: str
    created_at: Timestamp


class TrainingOne(Out):
    application: TrainingOut


class TrainingList(Out):
    applications: list[TrainingOut] = Field(description="最新的在前")


async def training_out(app: Any) -> dict[str, Any]:
    if not isinstance(getattr(app, "session", None), Model):
        await app.fetch_related("session__course")
    fields = ("id", "session_id", "county", "category", "name", "id_masked", "phone_masked", "status", "created_at")
    out = {name: getattr(app, name) for name in fields}
    out.update(course_title=app.session.course.title, session_start=app.session.start,
               status_text=STATUS_ZH.get(app.status, ""))
    return out


@routes.get("/training/courses", summary="培训课程与期次", query=CourseQuery, response=CourseList)
async def courses(call: Call) -> dict:
    found = await course_listing(call.query.county)  # the last catalogue read while the database is down
    return {"courses": found.value, "cached_at": found.as_of}


@routes.post("/training-applications", summary="培训报名", auth="user", body=TRAINING_FORM, response=TrainingOne,
             status=201, errors={409: "名额已满（session_full）或已报名该期（duplicate）"})
async def apply(call: Call) -> dict:
    return {"application": await training_out(await submit_training_application(call.user.user_id, call.body))}


@routes.get("/training-applications/mine", summary="我的培训报名", auth="user", response=TrainingList)
async def mine(call: Call) -> dict:
    return {"applications": [await training_out(a) for a in await my_training_applications(call.user.user_id)]}


@routes.post("/training-applications/{id}/withdraw", summary="撤回培训报名", auth="user", response=TrainingOne,
             errors={404: "不是自己的报名或报名不存在（not_found）", 409: "已撤回或未通过的报名不能撤回（not_allowed）"})
async def withdraw(call: Call) -> dict:
    app = await withdraw_training_application(call.user.user_id, call.path["id"])
    return {"application": await training_out(app)}
