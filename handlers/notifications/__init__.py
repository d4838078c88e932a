"""Notifications: the transactional outbox, channels, message texts, scheduled sends, the worker."""
