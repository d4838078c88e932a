"""Domain errors: nouns carrying an error code, an HTTP status and a Chinese message.

Channels translate them: the API into ``{"error": {"code", "message", "fields"}}`` with
``status``, the chat into ``message`` (and per-field reasons from ``fields``).
"""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = "请求无法处理"

    def __init__(self, message: str | None = None, *, fields: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        self.message = message or self.default_message
        self.fields: dict[str, str] = dict(fields or {})
        self.extra: dict[str, Any] = dict(extra or {})  # more members of the error body, e.g. existing_id
        super().__init__(self.message)

    def to_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {**body, **self.extra}


class InvalidInput(DomainError):
    """One or more fields are invalid; ``fields`` maps field name to the Chinese reason."""

    code = "invalid"
    status = 422
    default_message = "填写的信息有误，请检查后重新提交"

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        if message is None and len(fields) == 1:
            message = next(iter(fields.values()))
        super().__init__(message, fields=fields)


class SlotFull(DomainError):
    code = "slot_full"
    status = 409
    default_message = "该时段已约满，请选择其他时段"


class DuplicateBooking(DomainError):
    code = "duplicate"
    status = 409
    default_message = "您已预约过该时段，无需重复预约"


class BookingLimit(DomainError):
    """The user holds the most upcoming appointments allowed, or one at this window that day."""

    code = "limit"
    status = 409
    default_message = "您的预约数量已达上限，请先办理或取消已有预约"


class DuplicateApplication(DomainError):
    """The same person already has an open application of this kind; ``existing_id`` names it."""

    code = "duplicate"
    status = 409
    default_message = "您已有一份正在办理的申请，请勿重复提交"

    def __init__(self, message: str, existing_id: int) -> None:
        super().__init__(message, extra={"existing_id": existing_id})
        self.existing_id = existing_id


class SessionFull(DomainError):
    code = "session_full"
    status = 409
    default_message = "该期培训名额已满，请选择其他期次"


class EventFull(DomainError):
    code = "event_full"
    status = 409
    default_message = "该活动名额已满，请关注其他活动"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "没有找到该记录"


class NotAllowed(DomainError):
    code = "not_allowed"
    status = 409
    default_message = "当前状态下不能进行此操作"
