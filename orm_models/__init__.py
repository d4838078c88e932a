"""Tortoise models. One module per concept; everything is re-exported here for Tortoise."""
from .base import QuestionLog, User

__all__ = ["User", "QuestionLog"]
