"""CONTRACT §1: `make run`, `make test` and the `chuangye` subcommands, run as an operator runs them.

Every server started here is a child of this test, on a free port, with its SQLite file in the
test's temporary directory (the shared working tree is never written to), and is stopped by its
process-group id at the end.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from tests.support.env import ROOT, _run_in_thread

CHUANGYE = Path(sys.executable).parent / "chuangye"
EXAMPLE = ROOT / "config.example.yaml"
EXAMPLE_TOKEN = "chuangye-dev-token"  # official_account.token of config.example.yaml
DEMO_ADMIN, DEMO_PASSWORD = "admin", "chuangye-demo"
# Every schema migration shipped in the tree, as `chuangye migrate` records it once applied.
MIGRATIONS = sorted((p.stem,) for p in (ROOT / "orm_models" / "migrations").glob("[0-9]*.py"))
TEN_COUNTIES = {"楚雄市", "禄丰市", "双柏县", "牟定县", "南华县", "姚安县", "大姚县", "永仁县", "元谋县", "武定县"}


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any CHUANGYE setting or outer make's flags, plus ``extra``."""
    drop = ("CHUANGYE", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTEST_ARGS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return {**env, **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def post_json(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@contextmanager
def serving(cmd: list[str], port: int, env: dict[str, str], timeout: float = 40) -> Iterator[str]:
    """Start ``cmd`` in its own process group, wait for /healthz on ``port``, stop it afterwards."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                out, err = proc.communicate()
                raise AssertionError(f"{cmd} exited {proc.returncode}:\n{out.decode()}\n{err.decode()}")
            try:
                if get(f"{base}/healthz", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{cmd} did not serve on {port}")
            time.sleep(0.15)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def echo_query(token: str, echostr: str) -> str:
    ts, nonce = str(int(time.time())), "contract"
    sig = hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()
    return f"signature={sig}&timestamp={ts}&nonce={nonce}&echostr={echostr}"


def operator_config(tmp_path: Path, db: Path, path: Path | None = None, in_process_worker: bool = True) -> Any:
    """config.example.yaml with the database moved to ``db``; written to ``path`` if given."""
    from chuangye.config import config_from_dict

    settings = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    settings["database"]["url"] = f"sqlite://{db}"
    settings["knowledge"]["dir"] = str(ROOT / "knowledge" / "docs")
    settings["notify"]["in_process_worker"] = in_process_worker
    if path is not None:
        path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return config_from_dict(settings)


def make_run(db: Path, port: int) -> tuple[list[str], dict[str, str]]:
    """`make run` exactly as the Makefile has it, minus re-installing into the running venv (``-o venv``).

    The config is the one `make run` picks (config.yaml, else config.example.yaml); only the
    database file and the port are moved, through the contract's environment overrides.
    """
    cmd = ["make", "--no-print-directory", "-o", "venv", "run", f"VENV={sys.prefix}"]
    return cmd, clean_env(CHUANGYE__DATABASE__URL=f"sqlite://{db}", CHUANGYE__SERVER__PORT=str(port))


# ------------------------------------------------------------------ make run / make test


def test_make_run_migrates_loads_demo_data_and_serves_without_redis_postgres_or_wechat(tmp_path):
    db = tmp_path / "fresh" / "data" / "chuangye.db"  # the directory does not exist yet
    port = free_port()
    cmd, env = make_run(db, port)
    with serving(cmd, port, env) as base:
        health = json.loads(get(f"{base}/healthz")[1])
        assert health["database"] == {"ok": True, "backend": "sqlite"}
        assert health["store"] == {"ok": True, "backend": "memory"}
        windows = json.loads(get(f"{base}/api/v1/windows")[1])["windows"]
        assert {w["county"] for w in windows} == TEN_COUNTIES and all(w["hours"] for w in windows)
        courses = json.loads(get(f"{base}/api/v1/training/courses")[1])["courses"]
        assert courses and all(c["sessions"] for c in courses)
        status, body = post_json(f"{base}/api/v1/staff/login", {"username": DEMO_ADMIN, "password": DEMO_PASSWORD})
        assert status == 200 and body["token"]
        status, echoed = get(f"{base}/wechat/official?{echo_query(EXAMPLE_TOKEN, 'made-run')}")
        assert (status, echoed) == (200, b"made-run")
        assert get(f"{base}/console/")[0] == 200
    assert sorted(rows(db, "SELECT name FROM tortoise_migrations")) == MIGRATIONS


def test_make_run_leaves_a_database_that_is_not_empty_without_demo_data(tmp_path, sqlite_template):
    import shutil

    from chuangye.config import DEV_DATA_KEY, config_from_dict

    db = tmp_path / "chuangye.db"
    shutil.copy(sqlite_template, db)
    cfg = config_from_dict({"database": {"url": f"sqlite://{db}"},
                            "security": {"secret_key": "x" * 32, "data_key": DEV_DATA_KEY}})

    async def operator_data() -> None:
        """The windows and courses are in, a real account exists, no demo data (as after go-live)."""
        from chuangye.db import close_db, init_db
        from handlers.staff.accounts import create_staff
        from handlers.applications.training import load_courses
        from handlers.appointments.windows import load_windows

        await init_db(cfg)
        try:
            await load_windows()
            await load_courses()
            await create_staff("zhou_admin", "prefecture", "a-real-password-0")
        finally:
            await close_db()

    _run_in_thread(operator_data)
    # The recipe runs as written, except that its last step, `chuangye serve`, returns at once:
    # what is checked is what the steps before it leave in the database.
    shim = tmp_path / "bin" / "chuangye"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nfor a in "$@"; do [ "$a" = serve ] && exit 0; done\nexec "{CHUANGYE}" "$@"\n')
    shim.chmod(0o755)
    cmd, env = make_run(db, free_port())
    done = subprocess.run([*cmd, f"BIN={shim.parent}"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=90)
    assert done.returncode == 0, done.stderr
    assert rows(db, "SELECT username FROM staff_accounts") == [("zhou_admin",)]
    assert rows(db, "SELECT count(*) FROM training_sessions WHERE is_demo") == [(0,)]


@pytest.mark.parametrize("present, chosen", [(["config.example.yaml"], "config.example.yaml"),
                                              (["config.example.yaml", "config.yaml"], "config.yaml")])
def test_make_run_uses_config_yaml_or_else_the_example(tmp_path, present, chosen):
    import shutil

    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for name in present:
        (tmp_path / name).write_text("{}\n", encoding="utf-8")
    recipe = subprocess.run(["make", "-n", "--no-print-directory", "-o", "venv", "run"], cwd=tmp_path, env=clean_env(),
                            capture_output=True, text=True, timeout=30)
    assert recipe.returncode == 0, recipe.stderr
    steps = [line.split(" --config ")[1] for line in recipe.stdout.splitlines() if "chuangye" in line]
    assert steps[0] == f"{chosen} migrate" and steps[-1] == f"{chosen} serve"
    assert all(step.startswith(f"{chosen} ") for step in steps)


def test_make_test_installs_the_dev_extras_and_runs_the_whole_suite_and_ci_calls_exactly_it(tmp_path):
    import shutil

    for name in ("Makefile", "package.json", "package-lock.json"):  # a clean clone: no .venv yet
        shutil.copy(ROOT / name, tmp_path / name)
    recipe = subprocess.run(["make", "-n", "--no-print-directory", "test"], cwd=tmp_path, env=clean_env(),
                            capture_output=True, text=True, timeout=30)
    assert recipe.returncode == 0, recipe.stderr
    lines = recipe.stdout.splitlines()
    assert re.fullmatch(r"\S*python3?\S* -m venv \.venv", lines[0])
    pytest = next(i for i, line in enumerate(lines) if line.startswith(".venv/bin/python -m pytest"))
    assert lines[pytest - 2] == ".venv/bin/pip install -q -e '.[dev]'"
    assert lines[pytest - 1].startswith(".venv/bin/python -m compileall ")  # see the test below
    # No path: pytest.ini's testpaths, all of it; on two pytest-xdist workers, a dev extra.
    assert re.fullmatch(r"\.venv/bin/python -m pytest -n 2\s*", lines[pytest])
    assert "cd miniprogram && npm ci" in "\n".join(lines[pytest + 1:])  # then the mini-program's tests
    assert "npm test" in "\n".join(lines[pytest + 1:])
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r"^dev\s*=\s*\[[^\]]*pytest", pyproject, re.M | re.S)
    assert re.search(r"^dev\s*=\s*\[[^\]]*pytest-xdist", pyproject, re.M | re.S)
    one_process = subprocess.run(["make", "-n", "--no-print-directory", "test", "PYTEST_ARGS="], cwd=tmp_path,
                                 env=clean_env(), capture_output=True, text=True, timeout=30)
    assert any(re.fullmatch(r"\.venv/bin/python -m pytest\s*", line)  # PYTEST_ARGS= runs it in one process
               for line in one_process.stdout.splitlines())
    commands = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == "make test" and sum("make" in c.split() for c in commands) == 1


@pytest.mark.parametrize("target, install", [("venv", ".venv/bin/pip install -q -e ."),
                                             ("dev-venv", ".venv/bin/pip install -q -e '.[dev]'")])
def test_make_venv_writes_the_bytecode_of_every_package_of_ours(tmp_path, target, install):
    """The service user cannot write __pycache__ under /opt/chuangye (deploy/chuangye@.service): without
    the bytecode written at install, each start compiled every module of ours again."""
    import shutil

    for name in ("Makefile", "package.json", "package-lock.json"):
        shutil.copy(ROOT / name, tmp_path / name)
    recipe = subprocess.run(["make", "-n", "--no-print-directory", target], cwd=tmp_path, env=clean_env(),
                            capture_output=True, text=True, timeout=30)
    assert recipe.returncode == 0, recipe.stderr
    lines = recipe.stdout.splitlines()
    assert lines[-2] == install
    compile_args = lines[-1].split()
    assert compile_args[:3] == [".venv/bin/python", "-m", "compileall"]
    ours = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()} - {"tests", "benchmarks"}
    assert {"server", "bot", "handlers", "knowledge", "orm_models"} <= ours
    assert ours <= set(compile_args[3:])


# ------------------------------------------------------------------ chuangye subcommands


def test_migrate_and_seed_demo_can_be_run_again_and_again(tmp_path, capsys):
    from server.cli import build_parser

    db = tmp_path / "new" / "cy.db"  # the directory does not exist yet
    config = operator_config(tmp_path, db)

    def chuangye(*argv: str) -> str:
        args = build_parser().parse_args(list(argv))
        assert args.func(args, config) == 0, capsys.readouterr().err
        return capsys.readouterr().out

    for _ in range(2):
        assert chuangye("migrate").strip() == "数据库迁移完成"
    assert sorted(rows(db, "SELECT name FROM tortoise_migrations")) == MIGRATIONS
    tables = ("windows", "training_courses", "training_sessions", "staff_accounts")
    first = chuangye("seed-demo")
    snapshot = [rows(db, f"SELECT * FROM {t} ORDER BY id") for t in tables]
    again = chuangye("seed-demo")
    assert [rows(db, f"SELECT * FROM {t} ORDER BY id") for t in tables] == snapshot
    assert "服务窗口：新增 10 个" in first and "服务窗口：新增 0 个" in again
    windows, courses, sessions, staff = snapshot
    assert len(windows) == 10 and {w[3] for w in windows} == TEN_COUNTIES and all(json.loads(w[6]) for w in windows)
    assert courses and {s[-1] for s in sessions} == {c[0] for c in courses}
    per_window = rows(db, "SELECT window_id, count(*) FROM staff_accounts WHERE role='window' GROUP BY window_id")
    assert sorted(per_window) == sorted((w[0], 1) for w in windows)


def test_serve_with_chuangye_config_takes_host_and_port_and_serves_callback_api_and_console(tmp_path, sqlite_template):
    import shutil

    db = tmp_path / "serve.db"
    shutil.copy(sqlite_template, db)
    cfg = tmp_path / "operator.yaml"
    operator_config(tmp_path, db, path=cfg, in_process_worker=False)
    port = free_port()
    env = clean_env(CHUANGYE_CONFIG=str(cfg))  # no --config: the environment names the file
    cmd = [str(CHUANGYE), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with serving(cmd, port, env) as base:
        assert get(f"{base}/wechat/official?{echo_query(EXAMPLE_TOKEN, 'served')}") == (200, b"served")
        status, doc = get(f"{base}/api/v1/openapi.json")
        assert status == 200 and json.loads(doc)["openapi"].startswith("3.")
        assert get(f"{base}/api/v1/staff/stats")[0] == 401
        status, page = get(f"{base}/console/")
        assert status == 200 and b"<html" in page.lower()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_menu_push_subcommand_creates_the_menu_through_the_api_base_url(config, standin, capsys):
    from server.cli import build_parser

    args = build_parser().parse_args(["menu", "push"])
    assert await asyncio.to_thread(args.func, args, config) == 0
    (call,) = standin.calls_to("/cgi-bin/menu/create", ok_only=True)
    assert call.body["button"] and "菜单已创建" in capsys.readouterr().out


def test_kb_search_subcommand_prints_results_best_first_as_text_or_json(tmp_path, capsys):
    from server.cli import build_parser

    config = operator_config(tmp_path, tmp_path / "unused.db")
    args = build_parser().parse_args(["kb", "search", "创业担保贷款额度", "--top", "3"])
    assert args.func(args, config) == 0
    text = capsys.readouterr().out
    ranked = re.findall(r"^(\d+)\. \[(\d+\.\d+)\] ", text, re.M)
    assert [n for n, _ in ranked] == ["1", "2", "3"]
    assert [float(s) for _, s in ranked] == sorted((float(s) for _, s in ranked), reverse=True)
    args = build_parser().parse_args(["kb", "search", "创业担保贷款额度", "--top", "2", "--json"])
    assert args.func(args, config) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["results"]) == 2 and data["results"][0]["title"] in text


@pytest.mark.parametrize("setting, key", [
    ({"security": {"data_key": None}}, "security.data_key"),                              # missing key
    ({"server": {"port": "eighty"}}, "server.port"),                                       # wrong type
    ({"wechat": {"api_base_url": "api.weixin.qq.com"}}, "wechat.api_base_url"),            # malformed URL
    ({"wechat": {"official_account": {"encoding_aes_key": "x" * 42}}}, "wechat.official_account.encoding_aes_key"),
])
@pytest.mark.parametrize("command", [["serve"], ["migrate"], ["worker", "--once"]])
def test_bad_configuration_stops_every_command_with_one_line_naming_the_key(tmp_path, capsys, setting, key, command):
    from server.cli import main
    from tests.support.env import deep_merge

    settings = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    db = tmp_path / "never" / "created.db"
    settings = deep_merge(settings, {"database": {"url": f"sqlite://{db}"}, **setting})
    if settings["security"].get("data_key") is None:
        del settings["security"]["data_key"]
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    assert main(["--config", str(cfg), *command]) == 2
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.strip()]
    assert out == "" and len(lines) == 1 and key in lines[0], err
    assert not db.parent.exists()  # never started half-configured
