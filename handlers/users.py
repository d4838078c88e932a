"""Users of either channel: found by (app, openid), phone bound encrypted."""
from __future__ import annotations

from tortoise.exceptions import IntegrityError

from chuangye.pii import protect_phone
from orm_models import User

from handlers.errors import InvalidInput, NotFound
from handlers.validation import FieldError, valid_pk, validate_phone

APPS = ("oa", "mp")


async def find_or_create_user(app: str, openid: str, unionid: str | None = None) -> User:
    """The user of ``openid`` in ``app`` ("oa" official account, "mp" mini-program).

    Safe under concurrency: two first messages at once still give one row (the UNIQUE
    (app, openid) constraint decides). A newly learned unionid is stored.
    """
    if app not in APPS:
        raise ValueError(f"app must be one of {APPS}, not {app!r}")
    if not openid:
        raise InvalidInput({"openid": "openid 不能为空"})
    user = await User.get_or_none(app=app, openid=openid)
    if user is None:
        try:
            return await User.create(app=app, openid=openid, unionid=unionid)
        except IntegrityError:
            user = await User.get(app=app, openid=openid)
    if unionid and user.unionid != unionid:
        user.unionid = unionid
        await user.save(update_fields=["unionid", "updated_at"])
    return user


async def get_user(user_id: int) -> User:
    user = await User.get_or_none(id=user_id) if valid_pk(user_id) else None
    if user is None:
        raise NotFound("没有找到该用户")
    return user


async def set_user_phone(user_id: int, phone: str) -> User:
    """Bind a phone number to the user: stored encrypted, with a lookup hash and a masked form."""
    try:
        phone = validate_phone(phone)
    except FieldError as exc:
        raise InvalidInput({"phone": str(exc)}) from None
    user = await get_user(user_id)
    protected = protect_phone(phone)
    user.phone_enc, user.phone_hash, user.phone_masked = protected.enc, protected.hash, protected.masked
    await user.save(update_fields=["phone_enc", "phone_hash", "phone_masked", "updated_at"])
    return user
