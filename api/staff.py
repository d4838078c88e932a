"""Staff sign-in and account endpoints under /api/v1/staff; registers the staff token verifier.

Staff tokens are opaque random strings checked against the database (handlers/staff/auth.py), so a
mini-program user token can never pass as one (api/auth.py also refuses user tokens up front).
Role checks live here: ``require(call, roles)`` answers 403 in Chinese.
"""
from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from handlers.staff import audit
from handlers.staff import auth as staff_uc
from handlers.staff.audit import ACTIONS
from handlers.staff.scope import Scope
from orm_models import StaffAccount, Window

from chuangye import appkeys as K

from api.auth import bearer_token, register_staff_verifier
from api.errors import ApiError
from api.ratelimit import client_address
from api.registry import Call, Routes
from api.schemas import DbId, In, Out, Timestamp

routes = Routes("工作人员账号", "工作人员登录、退出、账号信息、微信绑定码和审计日志（/staff/...）")

Role = Literal["window", "county", "prefecture", "mentor"]
ROLE_ERRORS = {403: "当前角色无权进行此操作（forbidden）"}


async def verify_staff_token(request: web.Request, token: str) -> StaffAccount | None:
    return await staff_uc.verify_session(token)


register_staff_verifier(verify_staff_token)


def client_ip(call: Call) -> str | None:
    """The caller's address for the audit log (nginx's X-Real-IP behind the local proxy)."""
    return client_address(call.request)


def require(call: Call, *roles: str) -> StaffAccount:
    """The calling staff member, if their role is one of ``roles``; 403 otherwise."""
    staff: StaffAccount = call.staff
    if staff.role not in roles:
        names = "、".join(staff_uc.ROLE_NAMES[r] for r in roles)
        raise staff_uc.Forbidden(f"只有{names}可以进行此操作")
    return staff


class LoginIn(In):
    username: str = Field(..., title="用户名", min_length=1, max_length=64)
    password: str = Field(..., title="密码", min_length=1, max_length=256)


class LoginOut(Out):
    token: str = Field(description="工作人员令牌，放在 Authorization: Bearer 中")
    expires_at: Timestamp = Field(description="到期时间，之后需重新登录")
    expires_in: int = Field(description="有效秒数")


class MeOut(Out):
    id: int
    username: str
    display_name: str
    role: Role
    role_label: str
    county: str | None = Field(description="县市；州级管理员为空")
    window_id: int | None
    window_name: str | None
    wechat_bound: bool = Field(description="是否已绑定微信（接收预约通知）")
    full_pii: bool = Field(description="详情和导出是否显示完整身份证号、手机号")
    is_demo: bool = Field(description="演示账号")


class BindCodeOut(Out):
    code: str = Field(description="6 位一次性绑定码")
    expires_at: Timestamp
    instruction: str


class AuditQuery(In):
    staff_id: DbId | None = Field(None, title="工作人员编号")
    action: Literal[tuple(ACTIONS)] | None = Field(None, title="操作")  # type: ignore[valid-type]
    limit: int = Field(100, ge=1, le=500, title="条数")
    offset: int = Field(0, ge=0, le=1_000_000, title="起始位置")


class AuditRow(Out):
    id: int
    staff_id: int | None
    username: str
    action: str
    action_label: str
    object_type: str
    object_id: str | None
    ip: str | None
    detail: dict[str, Any]
    at: Timestamp


class AuditOut(Out):
    total: int
    items: list[AuditRow]


class Ok(Out):
    ok: bool


class LockedAccount(Out):
    id: int
    username: str
    display_name: str
    role: Role
    role_label: str
    county: str | None
    locked_until: Timestamp = Field(description="到此时间自动解锁；管理员可提前解锁")


class LockedList(Out):
    accounts: list[LockedAccount]


@routes.post("/staff/login", summary="工作人员登录", body=LoginIn, response=LoginOut, idempotent=False,
             errors={401: "用户名或密码错误（用户名不存在、密码错误、账号停用或锁定，回答相同）",
                     429: "同一来源对同一用户名连续 5 次失败后需等待（rate_limited），按 Retry-After 秒数再试，"
                          "等待时间逐次加倍"})
async def staff_login(call: Call) -> dict:
    security = call.config.security
    ttl = security.staff_session_seconds
    try:
        result = await staff_uc.login(call.body.username, call.body.password, ttl_seconds=ttl, ip=client_ip(call),
                                      store=call.resource(K.STORE), lock_failures=security.staff_lock_failures,
                                      lock_minutes=security.staff_lock_minutes)
    except (staff_uc.LoginFailed, staff_uc.LoginThrottled) as exc:
        await audit.record(None, "login_failed", "staff", None, ip=client_ip(call),
                           detail={"username": call.body.username[:64], "reason": exc.code})
        if isinstance(exc, staff_uc.LoginThrottled):
            raise ApiError(exc.status, exc.code, exc.message, headers={"Retry-After": str(exc.retry_after)}) from None
        raise
    await audit.record(result.staff, "login", "staff", result.staff.id, ip=client_ip(call))
    return {"token": result.token, "expires_at": result.expires_at, "expires_in": ttl}


@routes.post("/staff/logout", summary="退出登录（令牌立即失效）", auth="staff", response=Ok, idempotent=False)
async def staff_logout(call: Call) -> dict:
    await staff_uc.logout(bearer_token(call.request))
    await audit.record(call.staff, "logout", "staff", call.staff.id, ip=client_ip(call))
    return {"ok": True}


async def me_dict(staff: StaffAccount) -> dict[str, Any]:
    window = await Window.get_or_none(id=staff.window_id) if staff.window_id else None
    return {
        "id": staff.id, "username": staff.username, "display_name": staff.display_name, "role": staff.role,
        "role_label": staff_uc.ROLE_NAMES[staff.role], "county": staff.county, "window_id": staff.window_id,
        "window_name": window.name if window else None, "wechat_bound": bool(staff.wechat_openid),
        "full_pii": Scope.of(staff).full_pii, "is_demo": staff.is_demo,
    }


@routes.get("/staff/me", summary="当前工作人员信息", auth="staff", response=MeOut)
async def staff_me(call: Call) -> dict:
    return await me_dict(call.staff)


@routes.get("/staff/bind-code", summary="获取微信绑定码（10 分钟内有效，仅可使用一次）", auth="staff", response=BindCodeOut)
async def staff_bind_code(call: Call) -> dict:
    bind = await staff_uc.new_bind_code(call.staff)
    await audit.record(call.staff, "bind_wechat", "staff", call.staff.id, ip=client_ip(call))
    return {"code": bind.code, "expires_at": bind.expires_at,
            "instruction": f"请在 {staff_uc.BIND_CODE_MINUTES} 分钟内用微信向本公众号发送「绑定 {bind.code}」，"
                           "绑定后即可在微信收到本窗口的预约通知"}


@routes.get("/staff/audit", summary="审计日志（仅州级管理员）", auth="staff", query=AuditQuery, response=AuditOut,
            errors=ROLE_ERRORS)
async def staff_audit(call: Call) -> dict:
    require(call, "prefecture")
    q = call.query
    total, items = await audit.list_audit(staff_id=q.staff_id, action=q.action, limit=q.limit, offset=q.offset)
    return {"total": total, "items": items}



@routes.get("/staff/accounts/locked", summary="被锁定的工作人员账号（县市管理员看本县市，州级看全部）", auth="staff",
            response=LockedList, errors=ROLE_ERRORS)
async def staff_locked_accounts(call: Call) -> dict:
    return {"accounts": await staff_uc.locked_accounts(call.staff)}


@routes.post("/staff/accounts/{id}/unlock", summary="解锁工作人员账号（县市、州级管理员；记入审计日志）", auth="staff",
             response=Ok, idempotent=False, errors={**ROLE_ERRORS, 404: "没有找到该账号，或不在本人管辖范围内（not_found）"})
async def staff_unlock_account(call: Call) -> dict:
    await staff_uc.unlock(call.staff, call.path["id"], ip=client_ip(call))
    return {"ok": True}
