"""The county is reminded once of a mentor request left unassigned for N working days."""
from __future__ import annotations

from datetime import date, datetime

from handlers.clock import TZ


def test_working_days_skip_weekends_and_statutory_holidays() -> None:
    from handlers.mentors.reminders import working_days_between

    assert working_days_between(date(2025, 3, 7), date(2025, 3, 10), "姚安县") == 1  # Fri -> Mon
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 8), "姚安县") == 0  # 国庆 and 中秋
    assert working_days_between(date(2025, 9, 26), date(2025, 9, 28), "姚安县") == 1  # Sunday 9-28 is 调休


async def test_an_unassigned_request_is_reminded_once_after_two_working_days(db) -> None:
    import handlers.mentors  # noqa: F401  (registers the reminder with the scheduler)
    from handlers.mentors.reminders import enqueue_unassigned_reminders
    from handlers.mentors.requests import submit_request
    from handlers.notifications.scheduler import DAYTIME
    from orm_models import MentorRequest, Notification, User

    user = await User.create(app="oa", openid="o-wait")
    req = await submit_request(user.id, {"county": "姚安县", "industry": "财务", "need": "想学记账报税",
                                         "name": "李小梅", "phone": "13812345678"})
    await MentorRequest.filter(id=req.id).update(created_at=datetime(2025, 3, 6, 10, tzinfo=TZ))  # Thursday
    assert await enqueue_unassigned_reminders(date(2025, 3, 7)) == 0  # one working day
    assert await enqueue_unassigned_reminders(date(2025, 3, 10)) == 1  # Friday and Monday
    assert await enqueue_unassigned_reminders(date(2025, 3, 11)) == 0  # once
    assert await Notification.filter(kind="mentor_request_unassigned").count() == 1
    assert enqueue_unassigned_reminders in DAYTIME
