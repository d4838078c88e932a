"""Rows and a real WeChat client for the notification tests ."""
from __future__ import annotations

import asyncio
import os
import sys
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, AsyncIterator

import aiohttp
import yaml

from handlers.clock import TZ
from orm_models import Appointment, LoanApplication, Slot, StaffAccount, User, Window
from orm_models.notifications import Notification

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "/cgi-bin/message/template/send"
CUSTOM = "/cgi-bin/message/custom/send"
SUBSCRIBE = "/cgi-bin/message/subscribe/send"
WECOM = "/cgi-bin/webhook/send"
_seq = iter(range(1, 10**6))


@asynccontextmanager
async def wechat_client(config: Any, store: Any) -> AsyncIterator[Any]:
    """The production WeChat client, talking to the stand-in the config points at."""
    from chuangye.wechat_api import WeChatAPI

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        yield WeChatAPI(config, http, store)


async def make_window(name: str = "元谋县创业服务窗口", county: str = "元谋县") -> Window:
    n = next(_seq)
    return await Window.create(key=f"w{n}", name=name, county=county, lat=25.7, lng=101.87)


async def bind_staff(window: Window, openid: str) -> StaffAccount:
    return await StaffAccount.create(username=f"staff{next(_seq)}", password_hash="not-a-login", role="window",
                                     window_id=window.id, county=window.county, wechat_openid=openid)


async def make_user(app: str = "oa", openid: str | None = None, unionid: str | None = None) -> User:
    return await User.create(app=app, openid=openid or f"{app}-user-{next(_seq)}", unionid=unionid)


async def make_appointment(window: Window, user: User, start: datetime, name: str = "张三丰",
                           status: str = "booked", created_at: datetime | None = None) -> Appointment:
    slot, _ = await Slot.get_or_create(window=window, start=start,
                                       defaults={"end": start + timedelta(minutes=30), "capacity": 3})
    n = next(_seq)
    appt = await Appointment.create(user=user, window=window, slot=slot, start=start, end=slot.end,
                                    purpose="创业担保贷款咨询", name=name, phone_enc="ciphertext",
                                    phone_hash=f"h{n}", phone_masked="138****8000", status=status,
                                    code=f"C{n:05d}"[:6])
    if created_at is not None:
        await Appointment.filter(id=appt.id).update(created_at=created_at)
    return appt


async def make_loan(user: User, decision_note: str | None = None) -> LoanApplication:
    n = next(_seq)
    return await LoanApplication.create(
        user=user, product="创业担保贷款", category="返乡创业农民工", county="元谋县", name="李四",
        id_enc="ciphertext", id_hash=f"i{n}", id_masked="5323**********1234", phone_enc="ciphertext",
        phone_hash=f"p{n}", phone_masked="138****8000", business_type="餐饮", amount=100000, purpose="开药膳馆",
        status="approved", eligibility="eligible", decision_note=decision_note)


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    d = datetime.now(TZ).date() + timedelta(days=1)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=TZ)


async def drain(wechat: Any, config: Any, worker_id: str = "w1", *, until: float = 5.0) -> None:
    """Run delivery passes until nothing is pending or sending (backoffs are tiny in tests)."""
    from handlers.notifications.outbox import deliver_due

    deadline = asyncio.get_running_loop().time() + until
    while await Notification.filter(status__in=["pending", "sending"]).exists():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("notifications still pending after the deadline")
        if not await deliver_due(wechat, config, worker_id):
            await asyncio.sleep(0.02)


def touser(calls: list[Any]) -> list[str]:
    return [c.body["touser"] for c in calls]


def write_config(config, tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config.model_dump(mode="json", by_alias=True), allow_unicode=True), "utf-8")
    return path


async def start_worker(path: Path, *args: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "--config", str(path), "worker", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
