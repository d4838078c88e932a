"""Entrepreneurship events: staff publish them, users sign up, staff check people in."""
