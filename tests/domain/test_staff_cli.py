"""`chuangye staff add` and the demo accounts of seed-demo."""
from __future__ import annotations

import io
from typing import Any

import pytest

from server.cli import build_parser
from tests.support.env import query_db
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)


def _run(config: Any, argv: list[str], password: str, capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    from handlers.staff.cli import staff_add_cli

    args = build_parser().parse_args(["staff", "add", *argv, "--password-stdin"])
    code = staff_add_cli(config, args, stdin=io.StringIO(password + "\n"))
    out = capsys.readouterr()
    return code, out.out, out.err


def _windows(config: Any) -> dict[str, int]:
    async def load() -> dict[str, int]:
        from handlers.appointments.windows import load_windows
        from orm_models import Window

        await load_windows()
        return {w.county: w.id for w in await Window.all()}

    return query_db(config, load)


def test_staff_add_creates_a_window_account_in_the_windows_county(config, capsys):
    from orm_models import StaffAccount

    window_id = _windows(config)["大姚县"]
    code, out, err = _run(config, ["--username", "dayao1", "--role", "window", "--window", str(window_id)],
                          "a-long-password", capsys)
    assert (code, err) == (0, "")
    assert out.startswith("已创建工作人员账号 dayao1（窗口工作人员，大姚县")
    staff = query_db(config, lambda: StaffAccount.get(username="dayao1"))
    assert (staff.role, staff.window_id, staff.county) == ("window", window_id, "大姚县")
    assert staff.password_hash.startswith("$argon2id$") and "a-long-password" not in staff.password_hash


def test_staff_add_creates_county_and_prefecture_administrators(config, capsys):
    assert _run(config, ["--username", "wd", "--role", "county", "--county", "武定县"], "0123456789", capsys)[0] == 0
    code, out, _ = _run(config, ["--username", "zhou", "--role", "prefecture", "--display-name", "州人社局"],
                        "0123456789", capsys)
    assert code == 0 and "州级管理员，全州" in out


@pytest.mark.parametrize("argv, password, message", [
    (["--username", "w", "--role", "window"], "0123456789", "--window：窗口工作人员必须指定窗口编号（--window）"),
    (["--username", "w", "--role", "window", "--window", "999"], "0123456789", "--window：窗口编号 999 不存在"),
    (["--username", "c", "--role", "county"], "0123456789", "--county：县市管理员必须指定县市（--county）"),
    (["--username", "c", "--role", "county", "--county", "昆明市"], "0123456789",
     "--county：县市必须是楚雄州十个县市之一：楚雄市、禄丰市、双柏县、牟定县、南华县、姚安县、大姚县、永仁县、元谋县、武定县"),
    (["--username", "p", "--role", "prefecture"], "short", "密码（标准输入）：密码至少 10 个字符"),
    (["--username", "bad name!", "--role", "prefecture"], "0123456789",
     "--username：用户名必填，只能包含字母、数字、下划线、点和横线，最长 64 个字符"),
])
def test_staff_add_explains_each_bad_input_in_chinese_and_stores_nothing(config, capsys, argv, password, message):
    from orm_models import StaffAccount

    _windows(config)
    code, out, err = _run(config, argv, password, capsys)
    assert code == 2 and out == ""
    assert message in err.splitlines()
    assert query_db(config, lambda: StaffAccount.all().count()) == 0


def test_staff_add_refuses_a_username_already_taken(config, capsys):
    assert _run(config, ["--username", "zhou", "--role", "prefecture"], "0123456789", capsys)[0] == 0
    code, _, err = _run(config, ["--username", "zhou", "--role", "prefecture"], "0123456789", capsys)
    assert code == 2 and "--username：用户名 zhou 已被使用" in err


async def test_demo_staff_are_one_per_window_plus_an_administrator_and_seeding_twice_adds_none(db):
    from handlers.appointments.windows import load_windows
    from handlers.staff.accounts import DEMO_ADMIN, DEMO_PASSWORD, ensure_demo_staff
    from handlers.staff.auth import login
    from orm_models import StaffAccount, Window

    await load_windows()
    first = await ensure_demo_staff()
    second = await ensure_demo_staff()
    assert first["password"] == DEMO_PASSWORD and len(first["accounts"]) == 11
    assert all(a["created"] for a in first["accounts"]) and not any(a["created"] for a in second["accounts"])
    assert await StaffAccount.filter(role="window", is_demo=True).count() == await Window.all().count() == 10
    assert all("演示账号" in s.display_name for s in await StaffAccount.all())
    window_staff = await StaffAccount.filter(role="window").first()
    local = "127.0.0.1"  # the published demo password works from this machine only
    assert (await login(window_staff.username, DEMO_PASSWORD, ttl_seconds=60, ip=local)).staff.id == window_staff.id
    assert (await login(DEMO_ADMIN, DEMO_PASSWORD, ttl_seconds=60, ip=local)).staff.role == "prefecture"


def test_the_chuangye_command_reads_the_password_from_stdin(config, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    import yaml

    from orm_models import StaffAccount

    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config.model_dump(mode="json", by_alias=True), allow_unicode=True), encoding="utf-8")
    chuangye = Path(sys.executable).parent / "chuangye"
    done = subprocess.run([str(chuangye), "--config", str(path), "staff", "add", "--username", "cx_admin",
                           "--role", "county", "--county", "楚雄市", "--password-stdin"],
                          input="0123456789abc\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "已创建工作人员账号 cx_admin（县市管理员，楚雄市" in done.stdout
    staff = query_db(config, lambda: StaffAccount.get(username="cx_admin"))
    assert staff.county == "楚雄市" and staff.role == "county"


def _mentor(config: Any, **kw: Any) -> int:
    async def make() -> int:
        from orm_models import Mentor

        return (await Mentor.create(name="杨丽华", county="姚安县", counties=["姚安县"], expertise="电商", **kw)).id

    return query_db(config, make)


def test_staff_add_creates_a_mentors_login_linked_to_the_profile(config, capsys):
    from orm_models import Mentor, StaffAccount

    mid = _mentor(config)
    code, out, err = _run(config, ["--username", "yang_lihua", "--role", "mentor", "--mentor", str(mid)], "0123456789",
                          capsys)
    assert (code, err) == (0, "")
    assert out.startswith(f"已创建创业导师账号 yang_lihua（导师 杨丽华，导师编号 {mid}") and "绑定" in out
    staff = query_db(config, lambda: StaffAccount.get(username="yang_lihua"))
    assert (staff.role, staff.county, staff.display_name) == ("mentor", None, "杨丽华")
    assert query_db(config, lambda: Mentor.get(id=mid)).account_id == staff.id
    again = _run(config, ["--username", "yang2", "--role", "mentor", "--mentor", str(mid)], "0123456789", capsys)
    assert again[0] == 2 and "--mentor：导师杨丽华" in again[2] and "已有登录账号 yang_lihua" in again[2]
    assert not query_db(config, lambda: StaffAccount.filter(username="yang2").exists())


@pytest.mark.parametrize("argv, message", [
    (["--username", "m", "--role", "mentor"], "--mentor：创业导师账号必须指定导师编号（--mentor），即「导师帮扶」导师名录中的编号"),
    (["--username", "m", "--role", "mentor", "--mentor", "999"], "--mentor：导师编号 999 不存在"),
    (["--username", "m", "--role", "prefecture", "--mentor", "1"], "--mentor：只有创业导师账号（--role mentor）可以指定导师编号"),
])
def test_staff_add_of_a_mentor_names_the_mentor_field_in_chinese(config, capsys, argv, message):
    from orm_models import StaffAccount

    code, out, err = _run(config, argv, "0123456789", capsys)
    assert code == 2 and out == ""
    assert message in err.splitlines()
    assert query_db(config, lambda: StaffAccount.all().count()) == 0
