"""Times compare by instant on both backends, whatever offset the caller's datetime carries."""
import datetime as dt
from zoneinfo import ZoneInfo

from orm_models import QuestionLog

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc


async def test_utc_and_shanghai_values_compare_by_instant(db):
    row = await QuestionLog.create(channel="oa", question="q", confident=True)
    stored = dt.datetime(2026, 11, 27, 9, 0, tzinfo=SH)  # 01:00 UTC, same calendar day in both zones
    await QuestionLog.filter(id=row.id).update(created_at=stored)
    assert await QuestionLog.filter(created_at__gt=dt.datetime(2026, 11, 27, 2, 0, tzinfo=UTC)).count() == 0
    assert await QuestionLog.filter(created_at__lt=dt.datetime(2026, 11, 27, 2, 0, tzinfo=UTC)).count() == 1
    assert await QuestionLog.filter(created_at__gt=dt.datetime(2026, 11, 27, 0, 30, tzinfo=UTC)).count() == 1
    assert await QuestionLog.filter(created_at__gte=stored.astimezone(UTC)).count() == 1
    fetched = await QuestionLog.get(id=row.id)
    assert fetched.created_at == stored
