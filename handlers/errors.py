"""Domain errors: nouns carrying an error code, an HTTP status and a Chinese message.

Channels translate them: the API into ``{"error": {"code", "message", "fields"}}`` with
``status``, the chat into ``message`` (and per-field reasons from ``fields``).
"""
from __future__ import annotations


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = "请求无法处理"

    def __init__(self, message: str | None = None, *, fields: dict[str, str] | None = None) -> None:
        self.message = message or self.default_message
        self.fields: dict[str, str] = dict(fields or {})
        super().__init__(self.message)

    def to_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


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


class SessionFull(DomainError):
    code = "session_full"
    status = 409
    default_message = "该期培训名额已满，请选择其他期次"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "没有找到该记录"


class NotAllowed(DomainError):
    code = "not_allowed"
    status = 409
    default_message = "当前状态下不能进行此操作"
