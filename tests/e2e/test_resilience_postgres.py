"""PostgreSQL connections dropped under the running app (pg_terminate_backend from an admin
connection, tests/support/resilience.PgBackends): the next request reconnects; a request whose
connection dies mid-transaction fails with a Chinese message and leaves nothing half-written.
"""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from api.idempotency import HEADER
from tests.support.chat import Chat
from orm_models import Appointment, IdempotencyRecord, LoanApplication, Slot
from orm_models.notifications import Notification
from tests.support.resilience import PgBackends
from tests.support.chat import loan_until_the_summary
from tests.support.api import API, login, open_slot, seed_windows_and_courses, window_id

PG_ONLY = pytest.mark.parametrize("backend", ["pg"], indirect=True)


def booking(wid: int, slot: dict[str, Any]) -> dict[str, Any]:
    return {"window_id": wid, "start": slot["start"], "purpose": "创业担保贷款", "name": "李秀英",
            "phone": "13812348000"}


async def seats_taken(wid: int, start: datetime) -> int:
    slot = await Slot.get_or_none(window_id=wid, start=start)
    return slot.booked if slot else 0


async def ready(client: Any) -> tuple[dict[str, str], int, dict[str, Any]]:
    await seed_windows_and_courses()
    headers, _ = await login(client)
    wid = await window_id(client)
    return headers, wid, await open_slot(client, wid)


@PG_ONLY
async def test_after_every_database_connection_is_killed_the_next_requests_reconnect_and_succeed(client, config):
    headers, wid, slot = await ready(client)
    backends = PgBackends(config.database.url)
    assert await backends.terminate_all() >= 1
    # Let the event loop read the closed sockets. A query sent in the very same loop turn can still
    # be handed the dying connection (asyncpg's pool only checks is_closed()) and get a clean 500.
    await asyncio.sleep(0.05)
    resp = await client.post(f"{API}/appointments", json=booking(wid, slot), headers=headers)
    assert resp.status == 201, await resp.text()
    assert (await client.get("/healthz")).status == 200
    await backends.terminate_all()
    await asyncio.sleep(0.05)
    chat = Chat(client, config, "o-pg-back")
    assert "30万元" in await chat.say("创业担保贷款个人最多能贷多少")


@PG_ONLY
async def test_a_booking_whose_connection_dies_mid_transaction_writes_nothing_and_its_retry_books_once(client, config):
    headers, wid, slot = await ready(client)
    keyed = {**headers, HEADER: "pg-drop-1"}
    start = datetime.fromisoformat(slot["start"])
    booked_before = await seats_taken(wid, start)
    backends = PgBackends(config.database.url)
    async with backends.blocking_writes_to("notifications"):  # seat taken, appointment written, then it waits
        request = asyncio.create_task(client.post(f"{API}/appointments", json=booking(wid, slot), headers=keyed))
        await backends.terminate_waiting()
        resp = await request
    body = await resp.json()
    assert resp.status == 500 and body["error"]["message"] == "服务器内部错误，请稍后再试"
    assert await Appointment.all().count() == 0
    assert await Notification.all().count() == 0
    assert await seats_taken(wid, start) == booked_before
    assert await IdempotencyRecord.all().count() == 0  # the key was released: the retry runs
    retry = await client.post(f"{API}/appointments", json=booking(wid, slot), headers=keyed)
    assert retry.status == 201, await retry.text()
    assert await Appointment.all().count() == 1
    assert await Notification.filter(kind="appointment_booked").count() == 1
    assert await seats_taken(wid, start) == booked_before + 1


@PG_ONLY
async def test_a_chat_confirmation_whose_connection_dies_mid_submit_says_so_keeps_the_form_and_submits_once(
        client, config):
    await seed_windows_and_courses()
    chat = Chat(client, config, "o-pg-drop")
    await loan_until_the_summary(chat)
    backends = PgBackends(config.database.url)
    async with backends.blocking_writes_to("loan_applications"):
        reply = asyncio.create_task(chat.say("确认"))
        await backends.terminate_waiting()
        failed = await reply
    assert "可能没有提交成功" in failed
    assert await LoanApplication.all().count() == 0
    assert "贷款预申请已提交" in await chat.say("确认")
    assert await LoanApplication.filter(user__openid=chat.openid).count() == 1


@PG_ONLY
async def test_a_notice_whose_outcome_cannot_be_written_is_sent_again_after_its_lease_never_lost(db, standin, store):
    from datetime import timedelta

    from tortoise import timezone

    from handlers.notifications.outbox import LEASE_SECONDS, deliver_due, enqueue_event
    from tests.support.outbox import TEMPLATE, bind_staff, make_appointment, make_user, make_window, tomorrow_at, \
        touser, wechat_client

    window = await make_window()
    await bind_staff(window, "staff-a")
    appt = await make_appointment(window, await make_user(), tomorrow_at(9))
    await enqueue_event("appointment_booked", {"appointment_id": appt.id, "window_id": window.id})
    backends = PgBackends(db.database.url)
    async with wechat_client(db, store) as wechat:
        assert await deliver_due(wechat, db, "w1") == 1  # the event becomes the staff member's message
        async with backends.blocking_writes_to("notification_attempts"):
            pass_ = asyncio.create_task(deliver_due(wechat, db, "w1"))  # sent, then recording waits...
            await backends.terminate_waiting()  # ...and its connection dies
            assert await pass_ == 1  # the loop goes on
        row = await Notification.get(channel="template")
        assert row.status == "sending" and row.claimed_by == "w1"  # nothing recorded: still leased
        assert await deliver_due(wechat, db, "w2") == 0
        later = timezone.now() + timedelta(seconds=LEASE_SECONDS + 1)
        assert await deliver_due(wechat, db, "w2", now=later) == 1
    row = await Notification.get(id=row.id)
    assert row.status == "sent" and row.claimed_by is None
    # At least once: the first send went out before its outcome was lost, so it was sent twice.
    assert touser(standin.calls_to(TEMPLATE, ok_only=True)) == ["staff-a", "staff-a"]


@PG_ONLY
async def test_with_postgresql_unreachable_policy_questions_are_still_answered_and_a_chat_form_waits_for_it(
        aiohttp_client, make_config, config):
    from server.app import create_app
    from tests.support.resilience import TcpLink

    link = await TcpLink.to(config.database.url).start()
    try:
        client = await aiohttp_client(create_app(make_config(database={"url": link.same_url(config.database.url)})))
        await seed_windows_and_courses()
        asker, applicant = Chat(client, config, "o-db-down-ask"), Chat(client, config, "o-db-down-form")
        await loan_until_the_summary(applicant)
        await link.cut()
        assert "30万元" in await asker.say("创业担保贷款个人最多能贷多少")  # the knowledge base is in memory
        refused = await applicant.say("确认")
        assert "请过几分钟再试" in refused or "可能没有提交成功" in refused
        assert (await client.get("/healthz")).status == 503
        resp = await client.get(f"{API}/windows")
        assert resp.status == 500 and (await resp.json())["error"]["message"] == "服务器内部错误，请稍后再试"
        await link.restore()
        await asyncio.sleep(0.05)
        assert "贷款预申请已提交" in await applicant.say("确认")
        assert await LoanApplication.filter(user__openid=applicant.openid).count() == 1
    finally:
        await link.close()


async def test_a_chat_submission_whose_commit_answer_is_lost_is_recognised_on_the_next_confirm_not_made_twice(
        client, config, monkeypatch):
    """The database committed, but the connection died before it could say so (the one case a
    client cannot tell from a failure): the next 确认 must find the application, not file another."""
    from handlers import form_live

    await seed_windows_and_courses()
    chat = Chat(client, config, "o-commit-lost")
    await loan_until_the_summary(chat)
    real_submit = form_live.submit

    async def committed_then_connection_lost(*args, **kwargs):
        await real_submit(*args, **kwargs)
        raise ConnectionResetError("connection reset while the COMMIT's answer was on its way")

    monkeypatch.setattr(form_live, "submit", committed_then_connection_lost)
    first = await chat.say("确认")
    assert "可能没有提交成功" in first and "不会重复提交" in first  # no claim either way: it cannot know
    monkeypatch.setattr(form_live, "submit", real_submit)
    assert "已经提交成功" in await chat.say("确认")
    assert await LoanApplication.filter(user__openid=chat.openid).count() == 1
