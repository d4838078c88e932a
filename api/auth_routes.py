"""Mini-program login (wx.login code) and phone binding (getPhoneNumber code)."""
from __future__ import annotations

from pydantic import Field

from chuangye import appkeys as K
from chuangye.wechat_api import WeChatError, WeChatUnavailable
from handlers.errors import InvalidInput
from handlers.users import find_or_create_user, get_user, set_user_phone

from api.auth import issue_user_token
from api.errors import ApiError
from api.registry import Call, Routes
from api.schemas import In, Out

routes = Routes("登录", "用 wx.login 的 code 换取令牌，用 getPhoneNumber 的 code 绑定手机号")

MSG_LOGIN_REFUSED = "微信登录失败：登录凭证无效或已过期，请重新打开小程序"
MSG_PHONE_REFUSED = "手机号授权码无效或已过期，请重新授权"
MSG_WECHAT_DOWN = "微信服务暂时不可用，请稍后再试"


class CodeIn(In):
    code: str = Field(..., title="code", description="微信小程序返回的临时凭证", min_length=1, max_length=128)


class UserOut(Out):
    id: int
    has_phone: bool = Field(description="是否已绑定手机号")
    phone_masked: str | None = Field(None, description="已绑定手机号（打码），如 138****8000")


class LoginOut(Out):
    token: str = Field(description="放在 Authorization: Bearer 之后")
    expires_in: int = Field(description="有效秒数")
    user: UserOut


class PhoneOut(Out):
    user: UserOut


def user_out(user: object) -> dict:
    masked = getattr(user, "phone_masked", None)
    return {"id": getattr(user, "id"), "has_phone": bool(getattr(user, "phone_hash", None)), "phone_masked": masked}


def wechat_down() -> ApiError:
    return ApiError(503, "wechat_unavailable", MSG_WECHAT_DOWN, headers={"Retry-After": "5"})


@routes.post("/auth/login", summary="小程序登录", body=CodeIn, response=LoginOut,
             errors={401: f"微信不认可该 code（wechat_login_failed）：{MSG_LOGIN_REFUSED}",
                     503: f"微信接口不可用（wechat_unavailable）：{MSG_WECHAT_DOWN}"})
async def login(call: Call) -> dict:
    try:
        session = await call.resource(K.WECHAT).jscode2session(call.body.code)
    except WeChatError:
        raise ApiError(401, "wechat_login_failed", MSG_LOGIN_REFUSED) from None
    except WeChatUnavailable:
        raise wechat_down() from None
    user = await find_or_create_user("mp", session["openid"], session.get("unionid"))
    security = call.config.security
    return {"token": issue_user_token(security.secret_key, user.id), "expires_in": security.token_ttl_seconds,
            "user": user_out(user)}


@routes.post("/auth/phone", summary="绑定手机号", auth="user", body=CodeIn, response=PhoneOut, idempotent=False,
             errors={503: f"微信接口不可用（wechat_unavailable）：{MSG_WECHAT_DOWN}"})
async def bind_phone(call: Call) -> dict:
    try:
        phone = await call.resource(K.WECHAT).get_phone_number(call.body.code)
    except WeChatError:
        raise InvalidInput({"code": MSG_PHONE_REFUSED}) from None
    except WeChatUnavailable:
        raise wechat_down() from None
    return {"user": user_out(await set_user_phone(call.user.user_id, phone))}


@routes.get("/auth/me", summary="当前用户", auth="user", response=PhoneOut)
async def me(call: Call) -> dict:
    return {"user": user_out(await get_user(call.user.user_id))}
