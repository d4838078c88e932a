"""PostgreSQL connections dropped under the running app (pg_terminate_backend from an admin
connection, tests/support/resilience.PgBackends): the next request reconnects; a request whose
connection dies mid-transaction fails with a Chinese message and leaves nothing half-written.
PostgreSQL unreachable (a cut TcpLink): submissions answer 503 ``unavailable`` with Retry-After and
store nothing, the windows and the training catalogue are served from their last copy, the bot
still answers policy questions, and the log says it once when it starts and once when it ends.
"""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from api.idempotency import HEADER
from tests.support.chat import Chat
from orm_models import Appointment, IdempotencyRecord, LoanApplication, QuestionLog, Slot
from orm_models.notifications import Notification
from tests.support.resilience import PgBackends
from tests.support.chat import loan_until_the_summary
from tests.support.api import API, error_of, flush_question_logs, login, open_slot, seed_windows_and_courses, window_id
from tests.support.builders import LOAN, make_id

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
    await unavailable(resp)  # the connection was lost: 503, like any request meeting a database outage
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
        assert "系统繁忙，请稍后再试" in refused and "已填写的内容都还在" in refused
        assert (await client.get("/healthz")).status == 503
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


# ---------------------------------------------------------------- PostgreSQL unreachable for a while


@pytest.fixture
async def cut_off(aiohttp_client, make_config, config):
    """(client, link): an app whose every database connection goes through a TcpLink, seeded."""
    from server.app import create_app
    from tests.support.resilience import TcpLink

    link = await TcpLink.to(config.database.url).start()
    try:
        client = await aiohttp_client(create_app(make_config(database={"url": link.same_url(config.database.url)})))
        await seed_windows_and_courses()
        yield client, link
    finally:
        await link.close()


async def unavailable(resp: Any) -> None:
    error = await error_of(resp, 503)
    assert error["code"] == "unavailable" and "没有保存" in error["message"], error
    assert int(resp.headers["Retry-After"]) > 0


async def back_again(link: Any) -> None:
    """Restore the link and wait until the app has seen the database answer again."""
    from chuangye.db import OUTAGE
    from tests.support.resilience import wait_until

    await link.restore()
    await wait_until(lambda: not OUTAGE.down)


@PG_ONLY
async def test_while_postgresql_is_unreachable_bookings_and_loans_answer_503_unavailable_and_store_nothing(
        cut_off, config):
    client, link = cut_off
    headers, _ = await login(client)
    wid = await window_id(client)
    slot = await open_slot(client, wid)
    loan = {**LOAN, "id_number": make_id()}
    await link.cut()
    await unavailable(await client.post(f"{API}/appointments", json=booking(wid, slot), headers=headers))
    await unavailable(await client.post(f"{API}/appointments", json=booking(wid, slot),
                                        headers={**headers, HEADER: "outage-1"}))
    await unavailable(await client.post(f"{API}/loan-applications", json=loan, headers=headers))
    await unavailable(await client.get(f"{API}/appointments/mine", headers=headers))
    await back_again(link)
    assert await Appointment.all().count() == 0
    assert await LoanApplication.all().count() == 0
    assert await IdempotencyRecord.all().count() == 0
    # After recovery everything works, the same Idempotency-Key included.
    booked = await client.post(f"{API}/appointments", json=booking(wid, slot), headers={**headers, HEADER: "outage-1"})
    assert booked.status == 201, await booked.text()
    applied = await client.post(f"{API}/loan-applications", json=loan, headers=headers)
    assert applied.status == 201, await applied.text()
    assert await Appointment.all().count() == 1 and await LoanApplication.all().count() == 1


@PG_ONLY
async def test_while_postgresql_is_unreachable_windows_and_courses_are_served_from_their_last_copy_marked(cut_off):
    client, link = cut_off
    fresh_windows = await (await client.get(f"{API}/windows")).json()
    near = await (await client.get(f"{API}/windows", params={"lat": "25.7", "lng": "101.87"})).json()
    fresh_courses = await (await client.get(f"{API}/training/courses")).json()
    assert fresh_windows["cached_at"] is None and fresh_courses["cached_at"] is None
    wid = fresh_windows["windows"][0]["id"]
    await link.cut()
    windows = await client.get(f"{API}/windows")
    assert windows.status == 200, await windows.text()
    body = await windows.json()
    assert body["windows"] == fresh_windows["windows"] and body["cached_at"] is not None
    # Nearest first works from the same copy, for any position, not only one asked before.
    elsewhere = await (await client.get(f"{API}/windows", params={"lat": "25.03", "lng": "102.1"})).json()
    assert elsewhere["cached_at"] is not None and len(elsewhere["windows"]) == len(near["windows"])
    assert elsewhere["windows"][0]["id"] != near["windows"][0]["id"]
    courses = await client.get(f"{API}/training/courses")
    assert courses.status == 200, await courses.text()
    body = await courses.json()
    assert body["cached_at"] is not None
    assert [c["id"] for c in body["courses"]] == [c["id"] for c in fresh_courses["courses"]]
    # Free seats move with every booking: slots are never served from a copy.
    await unavailable(await client.get(f"{API}/windows/{wid}/slots",
                                       params={"date": datetime.now().date().isoformat()}))
    await back_again(link)
    assert (await (await client.get(f"{API}/windows")).json())["cached_at"] is None


@PG_ONLY
async def test_while_postgresql_is_unreachable_the_callback_answers_policy_questions_and_says_busy_otherwise(
        cut_off, config):
    client, link = cut_off
    chat = Chat(client, config, "o-db-down-busy")
    await link.cut()
    assert "30万元" in await chat.say("创业担保贷款个人最多能贷多少")
    assert "系统繁忙，请稍后再试" in await chat.say("我的预约")
    asked = await client.post(f"{API}/ask", json={"question": "创业担保贷款个人最多能贷多少"})
    assert asked.status == 200 and "30万元" in (await asked.json())["answer"]
    await back_again(link)
    assert "系统繁忙" not in await chat.say("我的预约")


@PG_ONLY
async def test_while_postgresql_is_unreachable_an_unsure_answer_is_still_given_and_its_log_row_follows(
        cut_off, config):
    """Question logs are written behind: with ids already in hand, the row waits for the database,
    and the unsure-run check (it reads the table) gives way instead of making the user wait."""
    client, link = cut_off
    chat = Chat(client, config, "o-db-down-unsure")
    assert "30万元" in await chat.say("创业担保贷款个人最多能贷多少")  # a block of ids taken
    await link.cut()
    unsure = await chat.say("今天天气怎么样")
    assert "系统繁忙" not in unsure and unsure
    await back_again(link)
    await flush_question_logs(client)
    assert await QuestionLog.filter(openid=chat.openid).count() == 2


@PG_ONLY
async def test_a_postgresql_outage_is_logged_once_when_it_starts_and_once_when_it_ends_without_tracebacks(
        cut_off, config, caplog):
    import logging

    client, link = cut_off
    headers, _ = await login(client)
    wid = await window_id(client)
    slot = await open_slot(client, wid)
    chat = Chat(client, config, "o-db-down-log")
    caplog.set_level(logging.INFO)
    caplog.clear()
    await link.cut()
    for _ in range(3):  # a mixed load: every kind of request meets the outage more than once
        await client.post(f"{API}/appointments", json=booking(wid, slot), headers=headers)
        await client.post(f"{API}/loan-applications", json={**LOAN, "id_number": make_id()}, headers=headers)
        await client.get(f"{API}/windows/{wid}/slots", params={"date": slot["start"][:10]})
        await client.post(f"{API}/ask", json={"question": "创业担保贷款个人最多能贷多少"})
        await chat.say("创业担保贷款个人最多能贷多少")
        await chat.say("我的预约")
        await client.get("/healthz")
    await back_again(link)
    assert (await client.post(f"{API}/appointments", json=booking(wid, slot), headers=headers)).status == 201
    assert [r for r in caplog.records if r.exc_info] == []
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.name, r.levelname) for r in errors] == [("chuangye.db", "ERROR")], [r.getMessage() for r in errors]
    assert "数据库无法连接" in errors[0].getMessage()
    ended = [r for r in caplog.records if r.name == "chuangye.db" and r.levelno == logging.INFO]
    assert len(ended) == 1 and "数据库已恢复" in ended[0].getMessage()
