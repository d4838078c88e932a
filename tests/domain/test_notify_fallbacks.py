"""Applicants and staff are reached on the next channel when one is permanently refused."""
from __future__ import annotations

from datetime import timedelta

from handlers.notifications.outbox import enqueue_event, retry_notification
from orm_models import TrainingApplication, TrainingCourse, TrainingSession
from orm_models.notifications import Notification, NotificationAttempt
from tests.support.outbox import (CUSTOM, SUBSCRIBE, TEMPLATE, bind_staff, drain, make_appointment, make_loan, make_user,
                            make_window, tomorrow_at, touser, wechat_client)


async def attempts(row_id: int) -> list[tuple[str, bool, int | None]]:
    rows = await NotificationAttempt.filter(notification_id=row_id).order_by("id")
    return [(a.channel, a.ok, a.errcode) for a in rows]


async def test_a_refused_subscribe_message_falls_back_to_the_official_account_template(db, standin, store):
    mp_user = await make_user("mp", "mp-applicant", unionid="u-1")
    await make_user("oa", "oa-applicant", unionid="u-1")
    loan = await make_loan(mp_user)
    standin.refuse("mp-applicant", 43101)
    await enqueue_event("loan_decided", {"application_id": loan.id, "decision": "referred", "note": "请带身份证到经办银行"})
    async with wechat_client(db, store) as wechat:
        await drain(wechat, db)
    assert touser(standin.calls_to(SUBSCRIBE)) == ["mp-applicant"]
    sent = standin.calls_to(TEMPLATE, ok_only=True)
    assert touser(sent) == ["oa-applicant"] and sent[0].body["template_id"] == "TPL_APPLICANT"
    assert [v["value"] for v in sent[0].body["data"].values()] == [
        "贷款预申请审核结果", "创业担保贷款预申请", "已转交经办银行", "请带身份证到经办银行",
        "此为预申请审核结果，贷款能否发放以经办银行审批为准。如有疑问请咨询当地人社部门。"]
    row = await Notification.get(kind="loan_decided", channel="template")
    assert row.status == "sent" and row.recipient == "oa-applicant"
    assert await attempts(row.id) == [("subscribe", False, 43101), ("template", True, None)]


async def test_a_granted_subscribe_message_is_used_first_and_stays_within_wechats_limits(db, standin, store):
    loan = await make_loan(await make_user("mp", "mp-applicant"))
    await enqueue_event("loan_decided", {"application_id": loan.id, "decision": "approved", "note": "请于下周一前到窗口补充营业执照复印件"})
    async with wechat_client(db, store) as wechat:
        await drain(wechat, db)
    (call,) = standin.calls_to(SUBSCRIBE, ok_only=True)
    assert call.body["template_id"] == "TPL_SUBSCRIBE"
    values = {k: v["value"] for k, v in call.body["data"].items()}
    assert values["thing1"] == "贷款预申请审核结果"
    assert values["thing2"].startswith("预申请初审通过，请于") and len(values["thing2"]) == 20
    assert all(len(v) <= 20 for v in values.values())
    assert standin.calls_to(TEMPLATE) == [] and standin.calls_to(CUSTOM) == []


async def test_an_invalid_openid_on_the_staff_template_falls_back_to_a_customer_service_message(db, standin, store):
    window = await make_window()
    await bind_staff(window, "staff-a")
    appt = await make_appointment(window, await make_user(), tomorrow_at(9))
    standin.fail(TEMPLATE, 1, errcode=40003)
    await enqueue_event("appointment_cancelled", {"appointment_id": appt.id, "window_id": window.id})
    async with wechat_client(db, store) as wechat:
        await drain(wechat, db)
    (call,) = standin.calls_to(CUSTOM, ok_only=True)
    assert call.body["touser"] == "staff-a"
    assert call.body["text"]["content"].startswith("【窗口预约已取消】\n窗口：元谋县创业服务窗口\n预约时间：")
    row = await Notification.get(channel="custom")
    assert await attempts(row.id) == [("template", False, 40003), ("custom", True, None)]


async def test_a_closed_48_hour_window_on_the_last_channel_fails_the_row_with_the_reason(make_config, standin, store):
    from chuangye.db import close_db, init_db

    config = make_config(wechat={"applicant_template_id": ""})
    await init_db(config)
    try:
        user = await make_user("oa", "oa-quiet")
        course = await TrainingCourse.create(key="yaoshan", title="民族药膳", kind="技能培训")
        session = await TrainingSession.create(key="yaoshan-ym", course=course, county="元谋县",
                                               start=tomorrow_at(9) + timedelta(days=7), capacity=30)
        app = await TrainingApplication.create(
            user=user, session=session, county="元谋县", category="返乡创业农民工", name="王五", id_enc="c", id_hash="i",
            id_masked="5323**********1234", phone_enc="c", phone_hash="p", phone_masked="138****8000")
        standin.refuse("oa-quiet", 45015)
        await enqueue_event("training_decided", {"application_id": app.id, "decision": "approved"})
        async with wechat_client(config, store) as wechat:
            await drain(wechat, config)
        row = await Notification.get(kind="training_decided", channel="custom")
        assert row.status == "failed"
        assert row.last_error == "公众号客服消息不可用：超过 48 小时客服消息时限（refused by stand-in），没有其他可用渠道"
        assert "民族药膳培训报名" in standin.calls_to(CUSTOM)[0].body["text"]["content"]
    finally:
        await close_db()


async def test_a_manual_retry_starts_again_from_the_first_channel(db, standin, store):
    loan = await make_loan(await make_user("mp", "mp-only"))
    standin.refuse("mp-only", 43101)
    await enqueue_event("loan_decided", {"application_id": loan.id, "decision": "rejected"})
    async with wechat_client(db, store) as wechat:
        await drain(wechat, db)
        row = await Notification.get(kind="loan_decided", channel="subscribe")
        assert row.status == "failed" and "没有其他可用渠道" in row.last_error
        del standin.refusals["mp-only"]  # the applicant grants the subscribe message later
        assert await retry_notification(row.id)
        await drain(wechat, db)
    assert touser(standin.calls_to(SUBSCRIBE, ok_only=True)) == ["mp-only"]


async def test_a_decision_for_an_applicant_without_any_wechat_channel_is_failed_not_dropped(make_config, standin, store):
    from chuangye.db import close_db, init_db

    config = make_config(wechat={"subscribe_template_id": ""})
    await init_db(config)
    try:
        loan = await make_loan(await make_user("mp", "mp-no-grant"))
        await enqueue_event("loan_decided", {"application_id": loan.id, "decision": "approved"})
        await enqueue_event("loan_decided", {"application_id": 999999, "decision": "approved"})
        async with wechat_client(config, store) as wechat:
            await drain(wechat, config)
        errors = await Notification.filter(status="failed").order_by("id").values_list("last_error", flat=True)
    finally:
        await close_db()
    assert errors == ["无可用渠道：申请人既未关注公众号，也没有可用的小程序订阅消息", "贷款预申请不存在（编号 999999）"]
    assert standin.calls == []
