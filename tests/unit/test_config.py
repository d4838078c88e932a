"""Configuration: YAML + CHUANGYE__ overrides, validated once; one line naming the key."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chuangye.config import DEV_DATA_KEY, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]
GOOD = f"""
security: {{secret_key: "a-long-enough-secret-key", data_key: "{DEV_DATA_KEY}"}}
"""


def write(tmp_path, text):
    p = tmp_path / "c.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def error_of(tmp_path, text, env=None):
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, text), environ=env or {})
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_example_config_loads_with_contract_defaults():
    cfg = load_config(ROOT / "config.example.yaml", environ={})
    assert (cfg.server.host, cfg.server.port) == ("127.0.0.1", 8080)
    assert cfg.database.url == "sqlite://data/chuangye.db"
    assert cfg.redis.url is None
    assert cfg.wechat.api_base_url == "https://api.weixin.qq.com"
    assert cfg.wechat.official_account.callback_path == "/wechat/official"
    assert cfg.notify.wecom_webhook_url is None
    assert cfg.knowledge.dir == "knowledge/docs"
    assert cfg.uses_dev_keys


def test_environment_overrides_any_nested_key(tmp_path):
    env = {
        "CHUANGYE__DATABASE__URL": "postgres://u:p@db:5432/cy",
        "CHUANGYE__REDIS__URL": "redis://127.0.0.1:6379/0",
        "CHUANGYE__SERVER__PORT": "9090",
        "CHUANGYE__WECHAT__OFFICIAL_ACCOUNT__TOKEN": "12345",
    }
    cfg = load_config(write(tmp_path, GOOD), environ=env)
    assert cfg.database.url == "postgres://u:p@db:5432/cy"
    assert cfg.redis.url == "redis://127.0.0.1:6379/0"
    assert cfg.server.port == 9090
    assert cfg.wechat.official_account.token == "12345"


def test_environment_null_turns_redis_off(tmp_path):
    cfg = load_config(write(tmp_path, GOOD + "redis: {url: 'redis://x:6379/0'}\n"), environ={"CHUANGYE__REDIS__URL": "null"})
    assert cfg.redis.url is None


def test_missing_secret_key_names_the_key(tmp_path):
    msg = error_of(tmp_path, f'security: {{data_key: "{DEV_DATA_KEY}"}}\n')
    assert "security.secret_key" in msg and "缺少" in msg


def test_missing_security_section_names_it(tmp_path):
    assert "security" in error_of(tmp_path, "server: {port: 8080}\n")


def test_wrong_type_names_the_key(tmp_path):
    msg = error_of(tmp_path, GOOD + "server: {port: eighty}\n")
    assert "server.port" in msg and "类型错误" in msg


def test_port_out_of_range_names_the_key(tmp_path):
    assert "server.port" in error_of(tmp_path, GOOD + "server: {port: 70000}\n")


def test_malformed_api_base_url_names_the_key(tmp_path):
    msg = error_of(tmp_path, GOOD + "wechat: {api_base_url: 'not a url'}\n")
    assert "wechat.api_base_url" in msg and "URL" in msg


def test_malformed_webhook_url_names_the_key(tmp_path):
    assert "notify.wecom_webhook_url" in error_of(tmp_path, GOOD + "notify: {wecom_webhook_url: 'qyapi/webhook'}\n")


def test_malformed_redis_url_names_the_key(tmp_path):
    assert "redis.url" in error_of(tmp_path, GOOD + "redis: {url: 'localhost:6379'}\n")


def test_unknown_database_scheme_names_the_key(tmp_path):
    assert "database.url" in error_of(tmp_path, GOOD + "database: {url: 'mysql://x/y'}\n")


def test_aes_key_of_wrong_length_names_the_key(tmp_path):
    msg = error_of(tmp_path, GOOD + "wechat: {official_account: {encoding_aes_key: 'short'}}\n")
    assert "wechat.official_account.encoding_aes_key" in msg and "43" in msg


def test_aes_key_with_bad_characters_names_the_key(tmp_path):
    bad = "!" * 43
    assert "encoding_aes_key" in error_of(tmp_path, GOOD + f"wechat: {{official_account: {{encoding_aes_key: '{bad}'}}}}\n")


def test_data_key_that_is_not_32_bytes_names_the_key(tmp_path):
    msg = error_of(tmp_path, 'security: {secret_key: "a-long-enough-secret-key", data_key: "c2hvcnQ="}\n')
    assert "security.data_key" in msg and "32" in msg


def test_unknown_key_is_refused_as_a_typo(tmp_path):
    msg = error_of(tmp_path, GOOD + "server: {hots: 0.0.0.0}\n")
    assert "server.hots" in msg


def test_a_booking_limit_below_one_or_not_a_number_names_the_key(tmp_path):
    assert "booking.max_upcoming_per_user" in error_of(tmp_path, GOOD + "booking: {max_upcoming_per_user: 0}\n")
    msg = error_of(tmp_path, GOOD + "booking: {max_upcoming_per_user: many}\n")
    assert "booking.max_upcoming_per_user" in msg and "类型错误" in msg


def test_callback_path_must_start_with_slash(tmp_path):
    assert "callback_path" in error_of(tmp_path, GOOD + "wechat: {official_account: {callback_path: 'wx'}}\n")


def test_yaml_syntax_error_is_one_line(tmp_path):
    assert "YAML" in error_of(tmp_path, "server: [unclosed\n")


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "nope.yaml", environ={})
    assert "找不到配置文件" in str(exc.value)


def test_bad_config_stops_the_cli_with_one_line_and_exit_2(tmp_path):
    p = write(tmp_path, GOOD + "wechat: {official_account: {encoding_aes_key: 'short'}}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHUANGYE")}
    proc = subprocess.run([sys.executable, "-m", "server.cli", "--config", str(p), "serve"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "wechat.official_account.encoding_aes_key" in lines[0]


def test_serve_refuses_the_example_dev_keys_on_a_public_interface(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHUANGYE")}
    proc = subprocess.run([sys.executable, "-m", "server.cli", "--config", str(ROOT / "config.example.yaml"),
                           "serve", "--host", "0.0.0.0"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2 and "security.secret_key" in proc.stderr
