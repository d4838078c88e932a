"""Security review: the example configuration's public development values never serve the internet."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWN_DATA_KEY = "b3duLWRhdGEta2V5LW9mLXRoZS1vcGVyYXRvci0zMmI="


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_refuses_the_example_callback_token_on_a_public_interface(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHUANGYE")}
    env.update(CHUANGYE__SECURITY__SECRET_KEY="the-operators-own-secret-0123", CHUANGYE__SECURITY__DATA_KEY=OWN_DATA_KEY)
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "--config", str(ROOT / "config.example.yaml"),
                             "serve", "--host", "0.0.0.0", "--port", str(_free_port())],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        _, stderr = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("serve started on 0.0.0.0 with the example's public callback token")
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and "wechat.official_account.token" in lines[0]


def test_the_example_values_are_named_one_by_one():
    from chuangye.config import load_config

    example = ROOT / "config.example.yaml"
    assert load_config(example, environ={}).dev_values == [
        "security.secret_key", "security.data_key", "wechat.official_account.token"]
    own = load_config(example, environ={"CHUANGYE__SECURITY__SECRET_KEY": "the-operators-own-secret-0123",
                                        "CHUANGYE__SECURITY__DATA_KEY": OWN_DATA_KEY,
                                        "CHUANGYE__WECHAT__OFFICIAL_ACCOUNT__TOKEN": "operators-token"})
    assert own.dev_values == []
