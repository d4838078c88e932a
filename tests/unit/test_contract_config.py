"""CONTRACT §2: every configuration key of the contract, its default, and its environment override."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chuangye.config import DEV_DATA_KEY, Config, ConfigError, config_from_dict, load_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.yaml"
SECURITY = {"security": {"secret_key": "operator-secret-0123456789", "data_key": DEV_DATA_KEY}}
OTHER_DATA_KEY = "b3BlcmF0b3ItZGF0YS1rZXktMzItYnl0ZXMtbG9uZyE="  # urlsafe base64 of 32 bytes

# The contract's YAML block, key by key: its value there, and a valid value to override it with.
CONTRACT_KEYS: list[tuple[str, Any, str, Any]] = [
    ("server.host", "127.0.0.1", "0.0.0.0", "0.0.0.0"),
    ("server.port", 8080, "9090", 9090),
    ("database.url", "sqlite://data/chuangye.db", "postgres://u:p@db:5432/cy", "postgres://u:p@db:5432/cy"),
    ("redis.url", None, "redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("wechat.api_base_url", "https://api.weixin.qq.com", "http://standin:8081", "http://standin:8081"),
    ("wechat.official_account.app_id", "", "wx123", "wx123"),
    ("wechat.official_account.app_secret", "", "oa-secret", "oa-secret"),
    ("wechat.official_account.token", "", "tok", "tok"),
    ("wechat.official_account.encoding_aes_key", "", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
     "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
    ("wechat.official_account.callback_path", "/wechat/official", "/wx/cb", "/wx/cb"),
    ("wechat.mini_program.app_id", "", "wxmp", "wxmp"),
    ("wechat.mini_program.app_secret", "", "mp-secret", "mp-secret"),
    ("wechat.staff_template_id", "", "TPL1", "TPL1"),
    ("notify.wecom_webhook_url", None, "https://qyapi.example/cgi-bin/webhook/send?key=k",
     "https://qyapi.example/cgi-bin/webhook/send?key=k"),
    ("security.secret_key", "", "env-secret-0123456789abcdef", "env-secret-0123456789abcdef"),
    ("security.data_key", "", OTHER_DATA_KEY, OTHER_DATA_KEY),
    ("knowledge.dir", "knowledge/docs", "/srv/kb", "/srv/kb"),
    ("booking.max_upcoming_per_user", 2, "3", 3),  # CONTRACT §4, POST /appointments
]
SECRETS = {"security.secret_key", "security.data_key"}


def value_at(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def env_name(dotted: str) -> str:
    return "CHUANGYE__" + "__".join(part.upper() for part in dotted.split("."))


@pytest.mark.parametrize("key, default", [(k, d) for k, d, _, _ in CONTRACT_KEYS if k not in SECRETS])
def test_every_contract_key_has_the_contracts_default(key: str, default: Any) -> None:
    assert value_at(config_from_dict(SECURITY), key) == default


@pytest.mark.parametrize("key", [k for k, _, _, _ in CONTRACT_KEYS])
def test_every_contract_key_is_in_the_example_config(key: str) -> None:
    node: Any = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for part in key.split("."):
        assert isinstance(node, dict) and part in node, f"{key} is missing from config.example.yaml"
        node = node[part]


@pytest.mark.parametrize("key, raw, expected", [(k, r, e) for k, _, r, e in CONTRACT_KEYS])
def test_every_contract_key_is_overridden_by_its_environment_variable(key: str, raw: str, expected: Any) -> None:
    config = load_config(EXAMPLE, environ={env_name(key): raw})
    assert value_at(config, key) == expected


def test_secrets_can_live_in_the_environment_only(tmp_path: Path) -> None:
    settings = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    del settings["security"]
    path = tmp_path / "no-secrets.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    config = load_config(path, environ={"CHUANGYE__SECURITY__SECRET_KEY": "from-the-environment-0123",
                                        "CHUANGYE__SECURITY__DATA_KEY": OTHER_DATA_KEY})
    assert (config.security.secret_key, config.security.data_key) == ("from-the-environment-0123", OTHER_DATA_KEY)
    assert not config.uses_dev_keys


@pytest.mark.parametrize("key", sorted(SECRETS))
def test_an_empty_secret_as_in_the_contracts_block_stops_start_up_naming_the_key(key: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(EXAMPLE, environ={env_name(key): ""})
    assert key in str(exc.value) and "\n" not in str(exc.value)


def test_the_reply_budget_is_four_and_a_half_seconds_by_default() -> None:
    assert Config.model_validate(SECURITY).bot.reply_budget_seconds == 4.5
    assert load_config(EXAMPLE, environ={}).bot.reply_budget_seconds <= 4.5
