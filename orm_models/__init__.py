"""Tortoise models. One module per concept; everything is re-exported here for Tortoise."""
from .api import IdempotencyRecord
from .applications import LoanApplication
from .appointments import Appointment
from .base import QuestionLog, User
from .handoff import FaqEntry, HandoffMessage, HandoffSession
from .notifications import Notification, NotificationAttempt
from .registry import Carrier, GuidanceTeam, Mentor
from .staff import AuditLog, BindCode, ReviewDecision, StaffAccount, StaffSession
from .training import TrainingApplication, TrainingCourse, TrainingSession
from .windows import Slot, Window

__all__ = ["User", "QuestionLog", "Window", "Slot", "Appointment", "LoanApplication", "TrainingCourse", "TrainingSession", "TrainingApplication", "StaffAccount", "StaffSession", "BindCode", "AuditLog", "ReviewDecision", "Carrier", "GuidanceTeam", "Mentor", "HandoffSession", "HandoffMessage", "FaqEntry", "Notification", "NotificationAttempt", "IdempotencyRecord"]
