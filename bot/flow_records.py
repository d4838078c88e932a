"""「我的预约」「我的申请」 and cancelling or withdrawing by chat (choose which by number).

Lists show ID and phone numbers masked. A pending choice (which appointment to cancel, which
application to withdraw) is kept in the store for a few minutes; any other message drops it.
"""
from __future__ import annotations

from datetime import datetime

from chuangye.store import Store, keys
from handlers import texts as T
from handlers.clock import TZ
from handlers.errors import DomainError
from handlers.texts import money, when_text

PICK_TTL_SECONDS = 10 * 60
SHOWN = 10
PICKABLE = 9  # one digit to reply with, and a list that fits one message
MAX_BYTES = T.WECHAT_TEXT_BYTES - 100  # room for the form reminder that may follow the list
BACK = {"返回", "取消", "算了", "不了"}


def _pick_key(openid: str) -> str:
    return keys.custom(f"pick:{openid}")


async def _user_id(openid: str) -> int:
    from handlers.users import find_or_create_user

    return (await find_or_create_user("oa", openid)).id


def _note(note: str | None) -> str:
    return f"\n   说明：{note[:60]}" if note else ""


def fit(lines: list[str], footer: str) -> str:
    """As many lines as fit one WeChat text with the footer, saying when some were left out."""
    size, kept = len(footer.encode()) + 40, []
    for line in lines:
        size += len(line.encode()) + 1
        if size > MAX_BYTES:
            return "\n".join(kept + [T.MORE_NOT_SHOWN, footer])
        kept.append(line)
    return "\n".join(kept + [footer])


# ---------------------------------------------------------------- lists


async def answer_command(store: Store, openid: str, text: str) -> str | None:
    """「我的预约」「我的申请」「取消预约」「撤回申请」 (``text`` normalised); None for anything else."""
    if text in T.MY_APPOINTMENTS:
        return await my_appointments(openid)
    if text in T.MY_APPLICATIONS:
        return await my_applications(openid)
    if text in T.CANCEL_APPOINTMENT:
        return await offer_cancel(store, openid)
    if text in T.WITHDRAW_APPLICATION:
        return await offer_withdraw(store, openid)
    return None


async def my_appointments(openid: str) -> str:
    from handlers.appointments.booking import STATUS_ZH, my_appointments as load

    appts = (await load(await _user_id(openid)))[:SHOWN]
    if not appts:
        return T.NO_APPOINTMENTS
    lines = [T.APPOINTMENTS_HEADER]
    for n, a in enumerate(appts, 1):
        code = f"；签到码 {a.code}" if a.status == "booked" else ""
        lines.append(T.APPOINTMENT_LINE.format(n=n, when=when_text(a.start, a.end), window=a.window.name,
                                               status=STATUS_ZH.get(a.status, a.status), purpose=a.purpose,
                                               name=a.name, phone=a.phone_masked, code=code))
    return fit(lines, T.APPOINTMENTS_FOOTER)


async def my_applications(openid: str) -> str:
    from handlers.applications.loans import STATUS_ZH as LOAN_ZH, my_loan_applications
    from handlers.applications.training import STATUS_ZH as TRAINING_ZH, my_training_applications

    from handlers.carriers.applications import STATUS_ZH as CARRIER_ZH, my_carrier_applications

    user_id = await _user_id(openid)
    loans, trainings = (await my_loan_applications(user_id))[:SHOWN], (await my_training_applications(user_id))[:SHOWN]
    settling = (await my_carrier_applications(user_id))[:SHOWN]
    if not loans and not trainings and not settling:
        return T.NO_APPLICATIONS
    lines = []
    if loans:
        lines.append(T.LOANS_HEADER)
        lines += [T.LOAN_LINE.format(n=n, id=a.id, product=a.product, amount=money(a.amount),
                                     status=LOAN_ZH.get(a.status, a.status), name=a.name, id_masked=a.id_masked,
                                     phone=a.phone_masked, created=f"{a.created_at.astimezone(TZ):%m月%d日}",
                                     note=_note(a.decision_note)) for n, a in enumerate(loans, 1)]
    if trainings:
        lines.append(T.TRAININGS_HEADER)
        lines += [T.TRAINING_LINE.format(n=n, id=a.id, course=a.session.course.title, county=a.session.county,
                                         start=f"{a.session.start.astimezone(TZ):%m月%d日}",
                                         status=TRAINING_ZH.get(a.status, a.status), name=a.name,
                                         id_masked=a.id_masked, phone=a.phone_masked, note=_note(a.decision_note))
                  for n, a in enumerate(trainings, 1)]
    if settling:
        lines.append(T.CARRIER_APPLICATIONS_HEADER)
        lines += [T.CARRIER_APPLICATION_LINE.format(n=n, id=a.id, carrier=a.carrier.name, county=a.county,
                                                    status=CARRIER_ZH.get(a.status, a.status), project=a.project,
                                                    name=a.name_masked, phone=a.phone_masked,
                                                    note=_note(a.decision_note)) for n, a in enumerate(settling, 1)]
    return fit(lines, T.APPLICATIONS_FOOTER)


# ---------------------------------------------------------------- choose, then act


async def offer_cancel(store: Store, openid: str) -> str:
    from handlers.appointments.booking import my_appointments as load

    now = datetime.now(TZ)
    upcoming = [a for a in await load(await _user_id(openid)) if a.status == "booked" and a.start > now]
    options = [["appointment", a.id, f"{when_text(a.start, a.end)} {a.window.name}"] for a in reversed(upcoming)]
    return await _offer(store, openid, "cancel", options, T.CHOOSE_CANCEL, T.NOTHING_TO_CANCEL)


async def offer_withdraw(store: Store, openid: str) -> str:
    from handlers.applications.loans import OPEN_STATUSES, my_loan_applications
    from handlers.applications.training import SEAT_HOLDING, my_training_applications

    user_id = await _user_id(openid)
    options = [["loan", a.id, f"贷款预申请 编号 {a.id}（{a.product} {money(a.amount)}）"]
               for a in await my_loan_applications(user_id) if a.status in OPEN_STATUSES]
    options += [["training", a.id, f"培训报名 编号 {a.id}（{a.session.course.title}）"]
                for a in await my_training_applications(user_id) if a.status in SEAT_HOLDING]
    from handlers.carriers.applications import OPEN_STATUSES as SETTLING_OPEN, my_carrier_applications

    options += [["carrier", a.id, f"入驻申请 编号 {a.id}（{a.carrier.name}）"]
                for a in await my_carrier_applications(user_id) if a.status in SETTLING_OPEN]
    return await _offer(store, openid, "withdraw", options, T.CHOOSE_WITHDRAW, T.NOTHING_TO_WITHDRAW)


async def _offer(store: Store, openid: str, action: str, options: list, header: str, nothing: str) -> str:
    if not options:
        return nothing
    options = options[:PICKABLE]
    await store.set_json(_pick_key(openid), {"action": action, "options": options}, ttl=PICK_TTL_SECONDS)
    return "\n".join([header] + [f"{n}. {label}" for n, (_, _, label) in enumerate(options, 1)])


async def answer_pick(store: Store, openid: str, text: str) -> str | None:
    """Act on a pending choice; None when there is none or the message is something else."""
    pick = await store.get_json(_pick_key(openid))
    if not pick:
        return None
    text = T.norm(text)
    options = pick["options"]
    if text in BACK:
        await store.delete(_pick_key(openid))
        return T.CHOICE_KEPT
    if not text.isdigit():
        await store.delete(_pick_key(openid))
        return None
    if not 1 <= int(text) <= len(options):
        return T.CHOOSE_NUMBER.format(count=len(options))
    await store.delete(_pick_key(openid))
    kind, record_id, label = options[int(text) - 1]
    try:
        return await _act(kind, await _user_id(openid), record_id, label)
    except DomainError as exc:
        return exc.message


async def _act(kind: str, user_id: int, record_id: int, label: str) -> str:
    if kind == "appointment":
        from handlers.appointments.booking import cancel_appointment

        appt = await cancel_appointment(user_id, record_id)
        await appt.fetch_related("window")
        return T.CANCEL_CONFIRMED.format(when=when_text(appt.start, appt.end), window=appt.window.name)
    if kind == "loan":
        from handlers.applications.loans import withdraw_loan_application

        await withdraw_loan_application(user_id, record_id)
    elif kind == "carrier":
        from handlers.carriers.applications import withdraw_carrier_application

        await withdraw_carrier_application(user_id, record_id)
    else:
        from handlers.applications.training import withdraw_training_application

        await withdraw_training_application(user_id, record_id)
    return T.WITHDRAWN.format(what=label)
