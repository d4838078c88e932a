"""Mentor help for users: GET /mentors, POST /mentor-requests, GET /mentor-requests/mine, rating."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from handlers.forms.definitions import MENTOR_AREAS, MENTOR_FORM
from handlers.mentors.profiles import public_list
from handlers.mentors.requests import STATUS_ZH, my_requests, rate_request, submit_request
from orm_models.mentors import FOLLOW_UP_KINDS, REQUEST_STATUSES

from api.registry import Call, Routes
from api.schemas import Day, In, Out, Timestamp
from api.windows import County

routes = Routes("创业导师帮扶", "找创业导师：导师名录（不含电话）、提交找导师申请、查看导师和帮扶记录、评价帮扶")

Area = Literal[MENTOR_AREAS]  # type: ignore[valid-type]
RequestStatus = Literal[REQUEST_STATUSES]  # type: ignore[valid-type]
FollowUpKind = Literal[FOLLOW_UP_KINDS]  # type: ignore[valid-type]


class PublicMentorQuery(In):
    county: County | None = Field(None, title="县市", description="只看服务该县市的导师（含州级导师）")
    industry: Area | None = Field(None, title="擅长领域")


class PublicMentor(Out):
    id: int
    name: str
    organisation: str
    title: str
    expertise: list[Area] = Field(description="擅长领域")  # type: ignore[valid-type]
    counties: list[County] = Field(description="服务县市；空表示服务全州")
    team: str | None = Field(description="所属指导团队")
    demo: bool = Field(description="演示数据（未经运营方确认）")


class MentorListOut(Out):
    mentors: list[PublicMentor] = Field(description="从不包含导师电话")


class MentorBrief(Out):
    id: int
    name: str
    title: str
    organisation: str
    team: str | None


class MentorFollowUpOut(Out):
    id: int
    date: Day
    kind: FollowUpKind  # type: ignore[valid-type]
    note: str
    author_role: str
    author_name: str
    created_at: Timestamp


class MentorRequestOut(Out):
    id: int
    status: RequestStatus = Field(  # type: ignore[valid-type]
        description="submitted 待分配导师，assigned 导师帮扶中，closed 已结束，cancelled 已取消")
    status_text: str
    county: County
    industry: Area  # type: ignore[valid-type]
    need: str
    name: str
    phone: str = Field(description="手机号（打码）")
    mentor: MentorBrief | None = Field(None, description="分配的导师：由导师致电申请人留下的手机号")
    assigned_at: Timestamp | None
    follow_ups: list[MentorFollowUpOut]
    rating: int | None
    rating_comment: str
    created_at: Timestamp


class MentorRequestOne(Out):
    request: MentorRequestOut


class MentorRequestList(Out):
    requests: list[MentorRequestOut] = Field(description="最新的在前")


class MentorRatingIn(In):
    rating: int = Field(..., title="评分", ge=1, le=5)
    comment: str = Field("", title="评价", max_length=200)


@routes.get("/mentors", summary="创业导师名录", query=PublicMentorQuery, response=MentorListOut,
            description="按县市、擅长领域筛选；从不返回导师的电话。")
async def mentors(call: Call) -> dict:
    q = call.query
    return {"mentors": await public_list(q.county, q.industry)}


@routes.post("/mentor-requests", summary="找导师", auth="user", body=MENTOR_FORM, response=MentorRequestOne, status=201,
             errors={409: "同一领域已有未结束的找导师申请（duplicate），existing_id 为其编号"},
             description="县市工作人员按擅长领域、服务县市和导师当前帮扶人数匹配导师；分配后通知导师和申请人。")
async def submit(call: Call) -> dict:
    req = await submit_request(call.user.user_id, call.body)
    return {"request": user_dict_of_new(req)}


def user_dict_of_new(req: Any) -> dict[str, Any]:
    return {"id": req.id, "status": req.status, "status_text": STATUS_ZH[req.status], "county": req.county,
            "industry": req.industry, "need": req.need, "name": req.name, "phone": req.phone_masked, "mentor": None,
            "assigned_at": None, "follow_ups": [], "rating": None, "rating_comment": "", "created_at": req.created_at}


@routes.get("/mentor-requests/mine", summary="我的导师", auth="user", response=MentorRequestList)
async def mine(call: Call) -> dict:
    return {"requests": await my_requests(call.user.user_id)}


@routes.post("/mentor-requests/{id}/rating", summary="评价导师帮扶", auth="user", body=MentorRatingIn, response=MentorRequestOne,
             errors={404: "不是自己的申请或申请不存在（not_found）", 409: "尚未分配导师（not_allowed）"})
async def rate(call: Call) -> dict:
    body = call.body
    return {"request": await rate_request(call.user.user_id, call.path["id"], body.rating, body.comment)}

