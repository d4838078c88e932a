"""Tortoise models. One module per concept; everything is re-exported here for Tortoise."""
from .base import QuestionLog, User
from .handoff import FaqEntry, HandoffMessage, HandoffSession
from .notifications import Notification, NotificationAttempt
from .registry import Carrier, GuidanceTeam, Mentor
from .staff import AuditLog, BindCode, StaffAccount, StaffSession

__all__ = ["User", "QuestionLog", "StaffAccount", "StaffSession", "BindCode", "AuditLog", "Carrier", "GuidanceTeam", "Mentor", "HandoffSession", "HandoffMessage", "FaqEntry", "Notification", "NotificationAttempt"]
