"""Mentor help for staff: profiles (/staff/mentors, with the .xlsx import), requests, assignment, follow-ups.

Profiles: every role may list (phones masked; a mentor's own login lists only their own profile); county administrators change their county's
mentors, the prefecture administrator all. Requests: scoped by county (the prefecture sees all, a
mentor only their own mentees); only administrators assign; mentors and staff write follow-ups.
"""
from __future__ import annotations

import base64
import binascii
from typing import Any, Literal

from pydantic import Field

from handlers.errors import InvalidInput
from handlers.mentors import accounts, importer, profiles
from handlers.mentors import requests as reqs

from api.mentors import Area, FollowUpKind, MentorFollowUpOut, MentorRequestOut, RequestStatus
from api.registry import Call, Routes
from api.schemas import DayIn, DbId, In, Out, Timestamp
from api.staff import ROLE_ERRORS, client_ip, require
from api.windows import County

routes = Routes("工作人员·导师帮扶", "创业导师档案（含 .xlsx 师资库导入）、找导师申请的匹配与分配、帮扶记录")

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class StaffMentorQuery(In):
    county: County | None = Field(None, title="所在县市")


class StaffMentorIn(In):
    name: str = Field(..., title="姓名", min_length=2, max_length=30)
    organisation: str | None = Field(None, title="工作单位", max_length=100)
    organization: str | None = Field(None, title="工作单位（旧字段名）", max_length=100)
    title: str = Field("", title="职称", max_length=64)
    expertise: list[Area] = Field(default_factory=list, title="擅长领域")  # type: ignore[valid-type]
    counties: list[County] = Field(default_factory=list, title="服务县市", description="空表示服务全州")
    county: County | None = Field(None, title="所在县市", description="不填：只服务一个县市时取该县市，否则为州级导师库")
    team: DbId | str | None = Field(None, title="所属指导团队", description="团队编号或名称")
    team_id: DbId | None = Field(None, title="所属指导团队编号（旧字段名）")
    phone: str | None = Field(None, title="联系电话", max_length=20, description="加密保存，从不公开")
    capacity: int = Field(5, title="同时帮扶人数", ge=1, le=profiles.MAX_CAPACITY)
    note: str = Field("", title="备注", max_length=2000)
    demo: bool = Field(False, title="演示数据")


class StaffMentor(Out):
    id: int
    name: str
    organisation: str
    organization: str
    title: str
    expertise: list[str]
    counties: list[str]
    county: str | None
    team: str | None
    team_id: int | None
    phone: str = Field(description="手机号（打码）")
    capacity: int
    load: int = Field(description="当前帮扶中的人数")
    note: str
    demo: bool
    has_account: bool
    created_at: Timestamp
    updated_at: Timestamp


class StaffMentorCreated(StaffMentor):
    mentor: dict[str, Any] = Field(description="{id}")


class StaffMentorList(Out):
    items: list[StaffMentor]


class MentorImportIn(In):
    file: str = Field(..., title="文件", min_length=1, max_length=MAX_IMPORT_BYTES * 2,
                      description=".xlsx 文件内容的 base64 编码")
    demo: bool = Field(False, title="演示数据", description="导入的是演示数据（未经运营方确认）")


class MentorImportOut(Out):
    created: int


class MentorSuggestion(Out):
    mentor_id: int
    name: str
    reason: str


class StaffMentorRequest(MentorRequestOut):
    pii_masked: bool
    mentor_id: int | None
    suggestions: list[MentorSuggestion] = Field(description="待分配时的推荐导师（按擅长领域、服务县市、当前帮扶人数）")


class MentorRequestQuery(In):
    status: RequestStatus | None = Field(None, title="状态")  # type: ignore[valid-type]


class StaffMentorRequestList(Out):
    requests: list[StaffMentorRequest]


class StaffMentorRequestOne(Out):
    request: StaffMentorRequest


class MentorAssignIn(In):
    mentor_id: DbId | None = Field(None, title="导师", description="不填：分配第一位推荐导师")


class MentorFollowUpIn(In):
    kind: FollowUpKind = Field(..., title="帮扶方式")  # type: ignore[valid-type]
    note: str = Field(..., title="帮扶内容", min_length=2, max_length=reqs.MAX_NOTE)
    date: DayIn = Field(..., title="帮扶日期")


class MentorFollowUpOne(Out):
    follow_up: MentorFollowUpOut


class MentorAccountIn(In):
    username: str = Field(..., title="用户名", min_length=1, max_length=64,
                          description="字母、数字、下划线、点和横线")
    password: str = Field(..., title="密码", min_length=1, max_length=256, description="至少 10 个字符")


class MentorAccountRef(Out):
    id: int
    username: str
    display_name: str
    role: Literal["mentor"]
    county: str | None


class MentorBindCode(Out):
    code: str = Field(description="6 位一次性绑定码（导师向公众号发送「绑定 绑定码」）")
    expires_at: Timestamp
    instruction: str


class MentorAccountOut(Out):
    mentor_id: int
    account: MentorAccountRef
    bind_code: MentorBindCode


class MentorDeleted(Out):
    ok: bool


def _body(call: Call) -> dict[str, Any]:
    return call.body.model_dump(mode="json", exclude_unset=True)


async def _dict(mentor: Any) -> dict[str, Any]:
    return profiles.staff_dict(mentor, (await profiles.loads()).get(mentor.id, 0))


@routes.get("/staff/mentors", summary="创业导师列表", auth="staff", query=StaffMentorQuery, response=StaffMentorList)
async def staff_mentor_list(call: Call) -> dict:
    return {"items": await profiles.staff_list(call.query.county, viewer=call.staff)}


@routes.post("/staff/mentors", summary="登记创业导师", auth="staff", body=StaffMentorIn, response=StaffMentorCreated, status=201,
             errors=ROLE_ERRORS)
async def staff_mentor_create(call: Call) -> dict:
    mentor = await profiles.create_mentor(call.staff, _body(call), ip=client_ip(call))
    return {**await _dict(mentor), "mentor": {"id": mentor.id}}


@routes.put("/staff/mentors/{id}", summary="修改创业导师", auth="staff", body=StaffMentorIn, response=StaffMentor,
            errors=ROLE_ERRORS)
async def staff_mentor_update(call: Call) -> dict:
    return await _dict(await profiles.update_mentor(call.staff, call.path["id"], _body(call), ip=client_ip(call)))


@routes.delete("/staff/mentors/{id}", summary="删除创业导师", auth="staff", response=MentorDeleted, errors=ROLE_ERRORS)
async def staff_mentor_delete(call: Call) -> dict:
    await profiles.delete_mentor(call.staff, call.path["id"], ip=client_ip(call))
    return {"ok": True}


@routes.post("/staff/mentors/import", summary="导入师资库（.xlsx）", auth="staff", body=MentorImportIn, response=MentorImportOut,
             status=201, errors=ROLE_ERRORS,
             description="列：姓名、工作单位、职称、擅长领域、服务县市、所在县市、所属团队、联系电话、同时帮扶人数、备注。"
                         "有一行不合格则整份不导入，并逐行说明原因。")
async def staff_mentor_import(call: Call) -> dict:
    require(call, *profiles.WRITER_ROLES)
    try:
        data = base64.b64decode(call.body.file, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput({"file": "文件：应为 .xlsx 文件内容的 base64 编码"}) from None
    return {"created": await importer.import_mentors(call.staff, data, demo=call.body.demo, ip=client_ip(call))}


@routes.post("/staff/mentors/{id}/account", summary="为导师开通登录账号", auth="staff", body=MentorAccountIn,
             response=MentorAccountOut, status=201,
             errors={**ROLE_ERRORS, 404: "没有该导师（not_found）", 409: "该导师已有登录账号（not_allowed）"},
             description="县市管理员（导师所在或服务的县市）和州级管理员可开通；记入审计日志。账号角色为 mentor，"
                         "只看到自己帮扶的人。回答中的一次性绑定码交给导师，导师向公众号发送「绑定 绑定码」即绑定微信。")
async def staff_mentor_account(call: Call) -> dict:
    return await accounts.create_mentor_account(call.staff, call.path["id"], call.body.username, call.body.password,
                                                ip=client_ip(call))


@routes.get("/staff/mentor-requests", summary="找导师申请", auth="staff", query=MentorRequestQuery, response=StaffMentorRequestList,
            description="县市管理员看本县市，州级看全部，导师只看自己帮扶的人；手机号打码。")
async def staff_request_list(call: Call) -> dict:
    return {"requests": await reqs.list_requests(call.staff, call.query.status)}


@routes.get("/staff/mentor-requests/{id}", summary="找导师申请详情", auth="staff", response=StaffMentorRequestOne,
            description="管理员和所分配的导师可见完整手机号（记入审计日志）。")
async def staff_request_detail(call: Call) -> dict:
    return {"request": await reqs.request_detail(call.staff, call.path["id"], ip=client_ip(call))}


@routes.post("/staff/mentor-requests/{id}/assign", summary="分配导师", auth="staff", body=MentorAssignIn,
             response=StaffMentorRequestOne, errors={**ROLE_ERRORS, 409: "已分配或已结束，或没有合适的导师（not_allowed）"},
             description="不填 mentor_id 即分配第一位推荐导师。导师和申请人经通知队列收到通知。")
async def staff_request_assign(call: Call) -> dict:
    return {"request": await reqs.assign_mentor(call.staff, call.path["id"], call.body.mentor_id, ip=client_ip(call))}


@routes.post("/staff/mentor-requests/{id}/follow-ups", summary="填写帮扶记录", auth="staff", body=MentorFollowUpIn,
             response=MentorFollowUpOne, status=201, errors={409: "尚未分配导师（not_allowed）"})
async def staff_request_follow_up(call: Call) -> dict:
    return {"follow_up": await reqs.add_follow_up(call.staff, call.path["id"], call.body.model_dump(), ip=client_ip(call))}
