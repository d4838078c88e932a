"""The delivery loop inside `chuangye serve`, and `chuangye worker` as its own process."""
from __future__ import annotations

import asyncio
import signal


from handlers.notifications.outbox import enqueue_event
from orm_models.notifications import Notification
from tests.support.outbox import start_worker, write_config
from tests.support.outbox import TEMPLATE, bind_staff, make_appointment, make_user, make_window, tomorrow_at, touser

async def wait_for(predicate, seconds: float = 5.0) -> float:
    """Poll ``predicate`` until true; returns how long it took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not predicate():
        if loop.time() - start > seconds:
            raise AssertionError(f"not within {seconds}s")
        await asyncio.sleep(0.02)
    return loop.time() - start


async def book(window) -> None:
    appt = await make_appointment(window, await make_user(), tomorrow_at(10))
    await enqueue_event("appointment_booked", {"appointment_id": appt.id, "window_id": window.id})


async def test_the_in_process_loop_delivers_a_booking_within_seconds_though_three_sends_fail(
        aiohttp_client, config, standin):
    from server.app import create_app

    client = await aiohttp_client(create_app(config, with_worker=True))
    window = await make_window()
    await bind_staff(window, "staff-on-duty")
    standin.fail(TEMPLATE, 3, status=502)
    await book(window)
    took = await wait_for(lambda: standin.calls_to(TEMPLATE, ok_only=True))
    assert took < 3
    assert len(standin.calls_to(TEMPLATE)) == 4
    await client.close()  # graceful: the loop stops after its current pass
    assert touser(standin.calls_to(TEMPLATE, ok_only=True)) == ["staff-on-duty"]


async def test_chuangye_worker_once_delivers_what_is_due_and_exits(db, standin, tmp_path):
    window = await make_window()
    await bind_staff(window, "staff-on-duty")
    await book(window)
    proc = await start_worker(write_config(db, tmp_path), "--once")
    out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, err.decode()
    assert "已处理 2 条通知" in out.decode()  # the event, then the staff member's message
    assert touser(standin.calls_to(TEMPLATE, ok_only=True)) == ["staff-on-duty"]
    assert await Notification.filter(status="sent").count() == 2


async def test_chuangye_worker_runs_until_sigterm_and_stops_cleanly(db, standin, tmp_path):
    window = await make_window()
    await bind_staff(window, "staff-on-duty")
    proc = await start_worker(write_config(db, tmp_path))
    try:
        await book(window)
        await wait_for(lambda: standin.calls_to(TEMPLATE, ok_only=True), seconds=20)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), timeout=20)
    assert proc.returncode == 0, err.decode()
    assert touser(standin.calls_to(TEMPLATE, ok_only=True)) == ["staff-on-duty"]


async def test_stopping_the_loop_lets_the_send_in_flight_finish_and_be_recorded(db, standin, store):
    from handlers.notifications.worker import DeliveryLoop
    from tests.support.outbox import wechat_client

    window = await make_window()
    await bind_staff(window, "staff-on-duty")
    standin.fail(TEMPLATE, 1, delay=0.5)  # a slow answer, not an error
    async with wechat_client(db, store) as wechat:
        loop = DeliveryLoop(wechat, db, worker_id="graceful")
        task = asyncio.create_task(loop.run())
        await book(window)
        await wait_for(lambda: standin.calls_to(TEMPLATE))  # the send has started
        loop.stop()
        await asyncio.wait_for(task, timeout=5)
    assert standin.calls_to(TEMPLATE, ok_only=True)
    row = await Notification.get(channel="template")
    assert (row.status, row.claimed_by) == ("sent", None)


def test_backoff_doubles_from_the_base_with_jitter_and_is_capped():
    from handlers.notifications.outbox import BACKOFF_CAP_SECONDS, backoff_seconds

    for attempts, expected in [(1, 2.0), (2, 4.0), (3, 8.0), (6, 64.0)]:
        assert all(0.8 * expected <= backoff_seconds(2.0, attempts) <= 1.2 * expected for _ in range(50))
    assert backoff_seconds(2.0, 40) == BACKOFF_CAP_SECONDS
