"""Handoff use cases on a real database (both backends): queueing, scope, replies, hand-back."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from handlers.handoff import sessions as handoff
from handlers.errors import InvalidInput
from orm_models import AuditLog, HandoffMessage, HandoffSession, StaffAccount, User


async def make_staff(username: str, role: str, county: str | None) -> StaffAccount:
    return await StaffAccount.create(username=username, display_name=username, password_hash="x", role=role, county=county)


async def test_a_user_is_queued_with_the_conversation_so_far_and_the_draft(db):
    talk = [{"who": "user", "text": "贷款咋个办"}, {"who": "bot", "text": "没有找到确切答案"}]
    session, created = await handoff.start_handoff("o1", reason="asked", county="元谋县", transcript=talk, draft={"flow": "loan"})
    assert created and session.status == "waiting" and session.county == "元谋县"
    lines = await HandoffMessage.filter(session_id=session.id).order_by("id")
    assert [(m.sender, m.text, m.before_handoff) for m in lines] == [
        ("user", "贷款咋个办", True), ("bot", "没有找到确切答案", True)]
    assert (await HandoffSession.get(id=session.id)).draft == {"flow": "loan"}


async def test_asking_twice_reuses_the_open_session(db):
    first, _ = await handoff.start_handoff("o1", reason="asked", county="元谋县")
    again, created = await handoff.start_handoff("o1", reason="menu", county="武定县")
    assert not created and again.id == first.id
    assert await HandoffSession.filter(openid="o1").count() == 1


async def test_concurrent_requests_open_one_session(db):
    results = await asyncio.gather(*(handoff.start_handoff("o1", reason="asked", county="元谋县") for _ in range(5)))
    assert len({s.id for s, _ in results}) == 1
    assert sum(created for _, created in results) == 1


async def test_the_county_comes_from_the_users_profile_else_the_prefecture(db):
    await User.create(app="oa", openid="o-with-county", county="姚安县")
    assert await handoff.resolve_county("o-with-county") == "姚安县"
    assert await handoff.resolve_county("o-unknown") == "州级"


async def test_window_staff_see_only_their_countys_sessions(db):
    await handoff.start_handoff("o1", reason="asked", county="元谋县")
    await handoff.start_handoff("o2", reason="asked", county="武定县")
    await handoff.start_handoff("o3", reason="asked", county="州级")
    yuanmou = await make_staff("ym", "window", "元谋县")
    pref = await make_staff("pref", "prefecture", None)
    assert [s.openid for s in await handoff.list_sessions(yuanmou)] == ["o1"]
    assert sorted(s.openid for s in await handoff.list_sessions(pref)) == ["o1", "o2", "o3"]
    other = (await HandoffSession.get(openid="o2")).id
    with pytest.raises(handoff.HandoffNotFound):
        await handoff.get_session(yuanmou, other)
    await handoff.get_session(pref, other)
    assert await AuditLog.filter(action="view_detail", object_type="handoff", object_id=str(other)).count() == 1


async def test_a_staff_reply_is_sent_recorded_and_picks_the_session_up(db):
    session, _ = await handoff.start_handoff("o1", reason="asked", county="元谋县")
    staff = await make_staff("ym", "window", "元谋县")
    sent = []

    async def send(openid, text):
        sent.append((openid, text))

    line = await handoff.reply(staff, session.id, "您好，请讲", send)
    assert sent == [("o1", "您好，请讲")] and line.delivered is True
    fresh = await HandoffSession.get(id=session.id)
    assert fresh.status == "active" and fresh.staff_id == staff.id
    assert (await HandoffMessage.get(id=line.id)).staff_id == staff.id


async def test_a_reply_wechat_refuses_is_recorded_with_the_reason(db):
    session, _ = await handoff.start_handoff("o1", reason="asked", county="元谋县")
    staff = await make_staff("ym", "window", "元谋县")

    async def send(openid, text):
        raise RuntimeError("45015 response out of time limit")

    line = await handoff.reply(staff, session.id, "您好", send)
    assert line.delivered is False and "45015" in line.error


async def test_an_empty_reply_is_refused_and_nothing_is_recorded(db):
    session, _ = await handoff.start_handoff("o1", reason="asked", county="元谋县")
    staff = await make_staff("ym", "window", "元谋县")

    async def send(openid, text):
        raise AssertionError("must not send")

    with pytest.raises(InvalidInput) as err:
        await handoff.reply(staff, session.id, "   ", send)
    assert err.value.fields == {"text": "回复内容必填，最长 600 个字"}
    assert await HandoffMessage.filter(session_id=session.id).count() == 0


async def test_handing_back_closes_the_session_once_and_allows_a_new_one(db):
    session, _ = await handoff.start_handoff("o1", reason="asked", county="元谋县")
    staff = await make_staff("ym", "window", "元谋县")
    closed = await handoff.close(staff, session.id)
    assert closed.status == "closed" and closed.open_openid is None
    assert await handoff.open_session("o1") is None
    with pytest.raises(handoff.HandoffClosed):
        await handoff.close(staff, session.id)
    again, created = await handoff.start_handoff("o1", reason="asked", county="元谋县")
    assert created and again.id != session.id


async def test_an_overdue_session_is_claimed_once(db):
    session, _ = await handoff.start_handoff("o1", reason="asked", county="元谋县")
    await handoff.start_handoff("o2", reason="asked", county="元谋县")
    await HandoffSession.filter(id=session.id).update(created_at=handoff.now() - timedelta(minutes=20))
    first, second = await asyncio.gather(handoff.claim_overdue(10), handoff.claim_overdue(10))
    assert [s.id for s in first + second] == [session.id]
    assert await handoff.claim_overdue(10) == []
