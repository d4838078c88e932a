"""The transactional outbox: enqueue in the caller's transaction, delivered once, never dropped."""
from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise import timezone
from tortoise.transactions import in_transaction

from handlers.notifications.outbox import LEASE_SECONDS, claim_due, deliver_due, enqueue_event, retry_notification, try_claim
from orm_models.notifications import Notification, NotificationAttempt
from tests.support.outbox import (CUSTOM, TEMPLATE, WECOM, bind_staff, drain, make_appointment, make_user, make_window,
                            tomorrow_at, touser, wechat_client)


async def booked(window, user=None):
    appt = await make_appointment(window, user or await make_user(), tomorrow_at(9))
    await enqueue_event("appointment_booked", {"appointment_id": appt.id, "window_id": window.id})
    return appt


async def test_an_event_enqueued_in_a_rolled_back_transaction_leaves_no_row(db):
    window = await make_window()
    with pytest.raises(RuntimeError):
        async with in_transaction() as conn:
            await enqueue_event("appointment_booked", {"appointment_id": 1, "window_id": window.id}, using_db=conn)
            raise RuntimeError("the booking failed")
    assert await Notification.all().count() == 0
    async with in_transaction() as conn:
        await enqueue_event("appointment_booked", {"appointment_id": 1, "window_id": window.id}, using_db=conn)
    assert await Notification.filter(kind="appointment_booked", channel="event").count() == 1


async def test_the_same_event_enqueued_twice_in_one_transaction_is_stored_once_and_the_transaction_goes_on(db):
    window = await make_window()
    async with in_transaction() as conn:
        for _ in range(2):
            await enqueue_event("appointment_booked", {"appointment_id": 7, "window_id": window.id}, using_db=conn)
        await make_user(openid="still-works-after-the-conflict")  # PostgreSQL would refuse this after an error
    assert await Notification.all().count() == 1


async def test_an_unknown_event_or_a_payload_without_its_ids_is_refused(db):
    with pytest.raises(ValueError, match="unknown notification event"):
        await enqueue_event("appointment_moved", {"appointment_id": 1})
    with pytest.raises(ValueError, match="window_id"):
        await enqueue_event("appointment_booked", {"appointment_id": 1})
    assert await Notification.all().count() == 0


async def test_a_booking_reaches_the_windows_bound_staff_and_the_wecom_robot(make_config, standin, store):
    from chuangye.db import close_db, init_db

    config = make_config(notify={"wecom_webhook_url": f"{standin.url}/cgi-bin/webhook/send?key=robot"})
    await init_db(config)
    try:
        window = await make_window()
        await bind_staff(window, "staff-a")
        await bind_staff(window, "staff-b")
        await bind_staff(await make_window("禄丰市创业服务窗口", "禄丰市"), "staff-elsewhere")
        await booked(window)
        async with wechat_client(config, store) as wechat:
            await drain(wechat, config)
    finally:
        await close_db()
    sent = standin.calls_to(TEMPLATE, ok_only=True)
    assert sorted(touser(sent)) == ["staff-a", "staff-b"]
    assert sent[0].body["template_id"] == "TPL_STAFF"
    assert sent[0].body["data"]["first"]["value"] == "新的窗口预约"
    assert sent[0].body["data"]["keyword4"]["value"] == "张**"
    robot = standin.calls_to(WECOM, ok_only=True)
    assert len(robot) == 1 and "元谋县创业服务窗口" in robot[0].body["text"]["content"]


async def test_sends_that_fail_at_first_are_retried_until_delivered_exactly_once(db, standin, store):
    window = await make_window()
    await bind_staff(window, "staff-a")
    await booked(window)
    standin.fail(TEMPLATE, 3, status=503)
    async with wechat_client(db, store) as wechat:
        await drain(wechat, db)
    assert len(standin.calls_to(TEMPLATE)) == 4
    assert len(standin.calls_to(TEMPLATE, ok_only=True)) == 1
    row = await Notification.get(channel="template")
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    log = await NotificationAttempt.filter(notification_id=row.id).order_by("id").values_list("ok", flat=True)
    assert log == [False, False, False, True]


async def test_after_the_last_try_the_row_is_failed_and_a_manual_retry_delivers_it(make_config, standin, store):
    from chuangye.db import close_db, init_db

    config = make_config(wechat={"staff_template_id": ""}, notify={"max_attempts": 2})
    await init_db(config)
    try:
        window = await make_window()
        await bind_staff(window, "staff-a")
        await booked(window)
        standin.fail(CUSTOM, 2, errcode=-1)
        async with wechat_client(config, store) as wechat:
            await drain(wechat, config)
            row = await Notification.get(channel="custom")
            assert row.status == "failed" and row.attempts == 2
            assert row.last_error.startswith("公众号客服消息已尝试 2 次仍失败")
            assert standin.calls_to(CUSTOM, ok_only=True) == []
            assert await retry_notification(row.id) is True
            assert await retry_notification(row.id) is False  # already pending again
            await drain(wechat, config)
        assert (await Notification.get(id=row.id)).status == "sent"
    finally:
        await close_db()
    assert touser(standin.calls_to(CUSTOM, ok_only=True)) == ["staff-a"]


async def test_a_worker_killed_after_claiming_loses_nothing_and_another_delivers_once(db, standin, store):
    window = await make_window()
    await bind_staff(window, "staff-a")
    await booked(window)
    async with wechat_client(db, store) as wechat:
        await drain(wechat, db)  # the event resolves into the staff member's row, which is sent
        await booked(window)
        assert await deliver_due(wechat, db, "resolver") == 1  # fan-out only
        claimed = await claim_due("crashed-worker")  # ...and the process dies before sending
        assert [r.channel for r in claimed] == ["template"]
        assert await deliver_due(wechat, db, "survivor") == 0  # the lease still holds
        later = timezone.now() + timedelta(seconds=LEASE_SECONDS + 1)
        assert await deliver_due(wechat, db, "survivor", now=later) == 1
        assert await deliver_due(wechat, db, "survivor", now=later) == 0
    assert touser(standin.calls_to(TEMPLATE, ok_only=True)) == ["staff-a", "staff-a"]  # one per booking
    row = await Notification.get(id=claimed[0].id)
    assert row.status == "sent" and row.claimed_by is None


async def test_two_workers_racing_for_the_same_rows_send_each_notification_exactly_once(db, standin, store):
    import asyncio

    windows = [await make_window(f"窗口{i}") for i in range(6)]
    for i, window in enumerate(windows):
        await bind_staff(window, f"staff-{i}")
        for _ in range(3):
            await booked(window)
    async with wechat_client(db, store) as wechat:
        for _ in range(6):
            await asyncio.gather(deliver_due(wechat, db, "a", limit=5), deliver_due(wechat, db, "b", limit=5))
        await drain(wechat, db)
    sent = touser(standin.calls_to(TEMPLATE))
    assert sorted(sent) == sorted(f"staff-{i}" for i in range(6) for _ in range(3))
    assert await Notification.filter(channel="template", status="sent").count() == 18
    assert await NotificationAttempt.filter(channel="template").count() == 18


async def test_an_event_nobody_can_receive_is_failed_visibly_and_a_retry_reaches_staff_bound_since(db, standin, store):
    window = await make_window()
    await booked(window)
    async with wechat_client(db, store) as wechat:
        await drain(wechat, db)
        event = await Notification.get(channel="event")
        assert event.status == "failed"
        assert event.last_error == "无可用渠道：元谋县创业服务窗口没有已绑定微信的工作人员，也未配置企业微信群机器人"
        await bind_staff(window, "staff-late")
        assert await retry_notification(event.id) is True
        await drain(wechat, db)
    assert touser(standin.calls_to(TEMPLATE, ok_only=True)) == ["staff-late"]


async def test_expired_access_tokens_are_refreshed_without_a_second_message(db, standin, store):
    window = await make_window()
    await bind_staff(window, "staff-a")
    async with wechat_client(db, store) as wechat:
        await booked(window)
        await drain(wechat, db)
        standin.expire_tokens()
        await booked(window)
        await drain(wechat, db)
    assert touser(standin.calls_to(TEMPLATE, ok_only=True)) == ["staff-a", "staff-a"]
    assert await Notification.filter(channel="template", status="sent", attempts=0).count() == 2


async def test_a_row_held_by_one_worker_cannot_be_claimed_from_a_stale_candidate_list(db):
    await enqueue_event("appointment_booked", {"appointment_id": 1, "window_id": 1})
    (row_id,) = await Notification.all().values_list("id", flat=True)  # both workers saw it as due
    assert await try_claim(row_id, "a") is True
    assert await try_claim(row_id, "b") is False
    assert await try_claim(row_id, "b", now=timezone.now() + timedelta(seconds=LEASE_SECONDS + 1)) is True
    assert (await Notification.get(id=row_id)).claimed_by == "b"


async def test_on_postgresql_a_claim_skips_rows_another_claimer_has_locked_instead_of_waiting(db, backend):
    import asyncio

    import asyncpg

    if backend != "pg":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite claims by conditional UPDATE (tested above)")
    for n in (1, 2):
        await enqueue_event("appointment_booked", {"appointment_id": n, "window_id": 1})
    first, second = await Notification.all().order_by("id").values_list("id", flat=True)
    other = await asyncpg.connect(db.database.url.replace("postgres://", "postgresql://", 1))
    try:
        async with other.transaction():  # another worker, mid-claim, holds the first row
            await other.execute("SELECT id FROM notifications WHERE id = $1 FOR UPDATE", first)
            claimed = await asyncio.wait_for(claim_due("w"), timeout=3)
    finally:
        await other.close()
    assert [r.id for r in claimed] == [second]


async def test_enqueue_stores_the_row_bulk_create_would_store(db):
    """enqueue_event writes through chuangye.db.insert_ignoring_conflicts (its statement built once):
    the same row, column for column, as tortoise's own bulk_create(ignore_conflicts=True)."""
    from tortoise import connections

    from chuangye.db import insert_ignoring_conflicts
    from handlers.notifications.outbox import EVENT, PENDING, local_now

    when = local_now()

    def row(key: str) -> Notification:
        return Notification(kind="appointment_booked", channel=EVENT, recipient="", payload={"appointment_id": 1, "n": "预约"},
                            status=PENDING, next_attempt_at=when, dedupe_key=key, request_id="req-1")

    await Notification.bulk_create([row("by-tortoise")], ignore_conflicts=True)
    for _ in range(2):  # the second is a conflict: ignored
        await insert_ignoring_conflicts(row("by-helper"), connections.get("default"))
    ours, theirs = [await Notification.get(dedupe_key=k).values() for k in ("by-helper", "by-tortoise")]
    for stored in (ours, theirs):
        assert stored.pop("id") and stored.pop("dedupe_key")
        assert timezone.now() - stored.pop("created_at") < timedelta(minutes=1)
        assert timezone.now() - stored.pop("updated_at") < timedelta(minutes=1)
    assert ours == theirs and ours["next_attempt_at"] == when and ours["payload"] == {"appointment_id": 1, "n": "预约"}
    assert await Notification.all().count() == 2
