"""The production shape, as far as this machine allows: the shipped nginx snippet with TLS in
front of two `chuangye serve` processes on PostgreSQL + Redis, and the systemd units verified.

A WeChat retry that nginx hands to the other process must still be processed once.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import aiohttp
import pytest

from tests.support.env import IN_CI, REDIS_URL, ROOT, new_namespace, require_service

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TOKEN = "deploytoken"


def _need(tool: str) -> None:
    if os.path.exists(tool) or shutil.which(tool):
        return
    if IN_CI:
        pytest.fail(f"{tool} is missing: .ci/run installs it")
    pytest.skip(f"{tool} not installed (CI installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    crt, pem = tmp / "tls.crt", tmp / "tls.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return crt, pem


def _nginx_conf(tmp: Path, app_ports: list[int], https_port: int, http_port: int, crt: Path, key: Path) -> Path:
    snippet = (ROOT / "deploy" / "nginx-chuangye.conf").read_text(encoding="utf-8")
    upstreams = "".join(f"    server 127.0.0.1:{p} max_fails=2 fail_timeout=5s;\n" for p in app_ports)
    snippet = re.sub(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", upstreams, snippet, count=1)
    snippet = snippet.replace("listen 443 ", f"listen 127.0.0.1:{https_port} ").replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    snippet = snippet.replace("/etc/nginx/tls/cy.example.gov.cn.crt", str(crt)).replace("/etc/nginx/tls/cy.example.gov.cn.key", str(key))
    conf = tmp / "nginx.conf"
    conf.write_text(f"""
user root;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
{snippet}
}}
""", encoding="utf-8")
    return conf


def _wait_until(ready: Callable[[], bool], proc: subprocess.Popen, what: str, timeout: float = 30) -> None:
    """Until ``ready()`` holds, while ``proc`` runs: a fixed pause is too short on a busy machine."""
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise AssertionError(f"process exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        if ready():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not come up")


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except Exception:
        return False


def _listens(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _signed_query(timestamp: str, nonce: str) -> dict[str, str]:
    sig = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    return {"signature": sig, "timestamp": timestamp, "nonce": nonce, "openid": "o-deploy"}


def test_systemd_units_are_valid(tmp_path):
    _need("systemd-analyze")
    venv_bin = Path(sys.executable).parent
    for unit in ("chuangye@.service", "chuangye-worker.service"):
        text = (ROOT / "deploy" / unit).read_text(encoding="utf-8").replace("/opt/chuangye/.venv/bin", str(venv_bin))
        target = tmp_path / unit.replace("@", "@8081")
        target.write_text(text, encoding="utf-8")
        proc = subprocess.run(["systemd-analyze", "verify", str(target)], capture_output=True, text=True)
        problems = [ln for ln in proc.stderr.splitlines() if str(target.name) in ln and "Failed to" not in ln]
        assert not problems, proc.stderr


async def test_a_retry_routed_to_the_other_process_is_processed_once(tmp_path, pg_database):
    _need(NGINX)
    require_service("Redis", REDIS_URL, 6379)
    import asyncpg

    namespace = new_namespace()
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"""
database: {{url: "{pg_database}"}}
redis: {{url: "{REDIS_URL}", namespace: "{namespace}"}}
wechat:
  api_base_url: "http://127.0.0.1:9"
  official_account: {{app_id: "wx-deploy", app_secret: "s", token: "{TOKEN}"}}
notify: {{in_process_worker: false}}
security: {{secret_key: "deploy-test-secret-key-123456", data_key: "ZGV2LW9ubHktZGF0YS1rZXktY2hhbmdlLW1lLTMyYnk="}}
knowledge: {{dir: "{ROOT / 'knowledge' / 'docs'}"}}
logging: {{level: WARNING, json: true}}
""", encoding="utf-8")
    ports = [_free_port(), _free_port()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHUANGYE")}
    procs = [subprocess.Popen([sys.executable, "-m", "server.cli", "--config", str(cfg), "serve", "--port", str(p)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for p in ports]
    nginx = None
    try:
        for p, proc in zip(ports, procs):
            _wait_until(lambda p=p: _answers(f"http://127.0.0.1:{p}/healthz"), proc, f"the app on {p}")
        crt, key = _self_signed(tmp_path)
        https_port, http_port = _free_port(), _free_port()
        conf = _nginx_conf(tmp_path, ports, https_port, http_port, crt, key)
        check = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        nginx = subprocess.Popen([NGINX, "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.PIPE)
        _wait_until(lambda: _listens(https_port) and _listens(http_port), nginx, "nginx")
        ctx = ssl.create_default_context(cafile=str(crt))
        base = f"https://localhost:{https_port}"
        now = str(int(time.time()))
        body = (f"<xml><ToUserName><![CDATA[gh_deploy]]></ToUserName><FromUserName><![CDATA[o-deploy]]></FromUserName>"
                f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[创业担保贷款能贷多少]]></Content><MsgId>990001</MsgId></xml>")
        replies = []
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx, force_close=True)) as http:
            async with http.get(f"{base}/healthz") as resp:
                assert resp.status == 200 and (await resp.json())["store"]["backend"] == "redis"
            # Behind nginx every peer is 127.0.0.1, so /metrics is never proxied; each process serves it itself.
            async with http.get(f"{base}/metrics") as resp:
                assert resp.status == 404
            async with http.get(f"http://127.0.0.1:{ports[0]}/metrics") as resp:
                assert resp.status == 200 and "chuangye_http_request_duration_seconds" in await resp.text()
            for n in range(4):  # round robin: the retries land on both processes
                async with http.post(f"{base}/wechat/official", params=_signed_query(now, f"n{n}"),
                                     data=body.encode(), headers={"Content-Type": "text/xml"}) as resp:
                    assert resp.status == 200
                    replies.append(await resp.text())
            async with http.get(f"http://127.0.0.1:{http_port}/healthz", allow_redirects=False) as resp:
                assert resp.status == 301 and resp.headers["Location"].startswith("https://")
        first = replies[0]
        assert "30万元" in first
        assert all(r in (first, "success") for r in replies[1:]), replies
        # Question logs are written behind (at most 0.25 s, and at shutdown): stop both processes the
        # way systemd does, then count.
        for proc in procs:
            proc.terminate()
        for proc in procs:
            assert proc.wait(20) == 0
        conn = await asyncpg.connect(pg_database.replace("postgres://", "postgresql://", 1))
        try:
            count = await conn.fetchval("SELECT count(*) FROM question_logs WHERE openid='o-deploy'")
        finally:
            await conn.close()
        assert count == 1
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait(10)
        for proc in procs:
            proc.terminate()
            proc.wait(20)
        from chuangye.store import RedisStore

        store = RedisStore(REDIS_URL, namespace)
        await store.clear_namespace()
        await store.close()
