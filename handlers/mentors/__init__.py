"""Mentor help (创业导师帮扶): profiles and their import, requests, matching, assignment, follow-ups.

- ``profiles``: the mentor registry with the plan's areas, counties served, capacity, an encrypted
  phone (never public), the .xlsx 师资库 import and the mentor's own login;
- ``matching``: suggestions for a request, by area, county and current load, each with a reason;
- ``requests``: asking for a mentor (chat and API share MENTOR_FORM), assignment with outbox
  notices to the mentor and the user, follow-ups (帮扶记录), the user's history and rating;
- ``reminders``: the county is reminded of requests left unassigned for N working days.
"""
from handlers.mentors import notices as _notices  # noqa: F401  (registers the mentor events' recipients)
from handlers.mentors.reminders import enqueue_unassigned_reminders
from handlers.notifications.scheduler import register_daytime

register_daytime(enqueue_unassigned_reminders)
