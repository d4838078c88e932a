"""Bearer tokens for the API.

User tokens are signed and time-stamped with ``security.secret_key`` (itsdangerous) under a
salt of their own, and carry their type, so a user token never passes as anything else.
Staff tokens are the staff engineer's (handlers/staff/auth.py): whoever owns them registers a
verifier with ``register_staff_verifier``, and endpoints declared ``auth="staff"`` use it.
A user token presented to a staff endpoint is refused before any verifier runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from aiohttp import web
from itsdangerous import BadData, BadPayload, SignatureExpired, URLSafeTimedSerializer

from chuangye import appkeys as K
from handlers.validation import valid_pk

from api.errors import ApiError

USER_SALT = "chuangye.api.user-token"
USER_TYPE = "user"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="chuangye"'}

MSG_MISSING = "请先登录：缺少 Authorization: Bearer 令牌"
MSG_INVALID = "登录凭证无效，请重新登录"
MSG_EXPIRED = "登录已过期，请重新登录"
MSG_NO_USER = "该账号不存在，请重新登录"
MSG_NOT_STAFF = "该接口仅限工作人员使用，用户登录凭证无效"

StaffVerifier = Callable[[web.Request, str], Awaitable[Any | None]]
_staff_verifiers: list[StaffVerifier] = []


@dataclass(frozen=True)
class UserPrincipal:
    """Who is calling: the ``users.id`` the token was issued for."""

    user_id: int


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=USER_SALT)


def issue_user_token(secret_key: str, user_id: int) -> str:
    """A signed, time-stamped token for ``user_id``; checked by ``verify_user_token``."""
    return _serializer(secret_key).dumps({"typ": USER_TYPE, "uid": int(user_id)})


def verify_user_token(secret_key: str, token: str, max_age: int) -> UserPrincipal:
    """The principal of a valid user token; ``ApiError`` 401 when forged, of another type or expired."""
    try:
        claims = _serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired:
        raise unauthorized("token_expired", MSG_EXPIRED) from None
    except (BadData, ValueError, OverflowError, OSError):
        # BadData: forged, or signed but no JSON; the others: a signed time beyond the year 9999.
        raise unauthorized("invalid_token", MSG_INVALID) from None
    if not _claims_ok(claims):
        raise unauthorized("invalid_token", MSG_INVALID)
    return UserPrincipal(claims["uid"])


def _claims_ok(claims: Any) -> bool:
    """The claims ``issue_user_token`` writes, each of its type: ``typ`` the string "user", ``uid``
    a real integer (not a bool, not a float) in the range of record ids (2**70 would reach the database)."""
    return isinstance(claims, dict) and claims.get("typ") == USER_TYPE and valid_pk(claims.get("uid"))


def is_user_token(secret_key: str, token: str) -> bool:
    """True when ``token`` carries our user signature (expired or not)."""
    try:
        _serializer(secret_key).loads(token)
    except BadPayload:
        return True  # our signature, over something that is no claim set
    except BadData:
        return False
    return True


def unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers=CHALLENGE)


def bearer_token(request: web.Request) -> str:
    """The token of ``Authorization: Bearer <token>``; 401 when absent or malformed."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("unauthorized", MSG_MISSING)
    return token.strip()


async def authenticate_user(request: web.Request) -> UserPrincipal:
    """The caller of a valid token whose user still exists; 401 otherwise."""
    from orm_models import User

    security = request.config_dict[K.CONFIG].security
    principal = verify_user_token(security.secret_key, bearer_token(request), security.token_ttl_seconds)
    if not await User.exists(id=principal.user_id):
        raise unauthorized("invalid_token", MSG_NO_USER)
    return principal


def register_staff_verifier(verifier: StaffVerifier) -> None:
    """Register ``async verifier(request, token) -> staff principal | None`` (None: 401).

    Called once by the staff module at import; registering the same function twice is a no-op.
    The verifier may raise ``ApiError`` (e.g. 403) itself.
    """
    if verifier not in _staff_verifiers:
        _staff_verifiers.append(verifier)


async def authenticate_staff(request: web.Request) -> Any:
    token = bearer_token(request)
    secret = request.config_dict[K.CONFIG].security.secret_key
    if is_user_token(secret, token):
        raise unauthorized("invalid_token", MSG_NOT_STAFF)
    for verifier in _staff_verifiers:
        staff = await verifier(request, token)
        if staff is not None:
            return staff
    raise unauthorized("invalid_token", MSG_INVALID)
