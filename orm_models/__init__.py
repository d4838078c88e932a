"""Tortoise models. One module per concept; everything is re-exported here for Tortoise."""
from orm_models.api import IdempotencyRecord
from orm_models.applications import LoanApplication
from orm_models.appointments import Appointment
from orm_models.base import QuestionLog, User
from orm_models.carriers import CarrierApplication
from orm_models.events import Event, EventRegistration
from orm_models.handoff import FaqEntry, HandoffMessage, HandoffSession
from orm_models.knowledge import KbDocument, KbRevision, KbSegment, KbSegmentEmbedding, KbState, KbSynonym
from orm_models.mentors import MentorFollowUp, MentorRequest
from orm_models.notifications import Notification, NotificationAttempt
from orm_models.registry import Carrier, GuidanceTeam, Mentor
from orm_models.staff import AuditLog, BindCode, ReviewDecision, StaffAccount, StaffSession
from orm_models.training import TrainingApplication, TrainingCourse, TrainingSession
from orm_models.windows import Slot, Window

__all__ = ["User", "QuestionLog", "Window", "Slot", "Appointment", "LoanApplication", "TrainingCourse", "TrainingSession", "TrainingApplication", "StaffAccount", "StaffSession", "BindCode", "AuditLog", "ReviewDecision", "Carrier", "CarrierApplication", "GuidanceTeam", "Mentor", "MentorRequest", "MentorFollowUp", "HandoffSession", "HandoffMessage", "FaqEntry", "Notification", "NotificationAttempt", "IdempotencyRecord", "KbDocument", "KbSegment", "KbRevision", "KbState", "KbSegmentEmbedding", "KbSynonym", "Event", "EventRegistration"]
