"""Configuration: YAML file plus ``CHUANGYE__SECTION__KEY`` overrides, validated once.

Loading happens in the CLI (or a test) and the validated ``Config`` is passed into
``create_app``; nothing reads the environment at import time. Any problem raises
``ConfigError`` whose message is one line naming the key, so start-up stops cleanly.
"""
from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from typing import Any, Literal, Mapping
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from chuangye import yamlio

ENV_PREFIX = "CHUANGYE__"
# Values of config.example.yaml's development keys: refused on a public interface.
DEV_SECRET_KEY = "dev-only-secret-key-change-me-in-production"
DEV_DATA_KEY = "ZGV2LW9ubHktZGF0YS1rZXktY2hhbmdlLW1lLTMyYnk="
DEV_OA_TOKEN = "chuangye-dev-token"  # config.example.yaml's callback token: anyone could sign with it


class ConfigError(Exception):
    """A configuration problem, worded as one line that names the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


def _check_url(value: str | None, schemes: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ValueError(f"不是有效的 URL，应以 {' 或 '.join(s + '://' for s in schemes)} 开头：{value!r}")
    return value.rstrip("/")


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)


class DatabaseConfig(_Section):
    url: str = "sqlite://data/chuangye.db"

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, v: str) -> str:
        scheme = v.split("://", 1)[0] if "://" in v else ""
        if scheme not in {"sqlite", "postgres", "postgresql", "asyncpg"}:
            raise ValueError(f"数据库 URL 应为 sqlite://路径 或 postgres://用户:密码@主机:端口/库名，实际为 {v!r}")
        return v


class RedisConfig(_Section):
    url: str | None = None
    namespace: str = Field("cy:", min_length=1, description="prefix of every key, so deployments can share a Redis")

    @field_validator("url")
    @classmethod
    def _redis_url(cls, v: str | None) -> str | None:
        return _check_url(v, ("redis", "rediss", "unix"))


class OfficialAccountConfig(_Section):
    app_id: str = ""
    app_secret: str = ""
    token: str = ""
    encoding_aes_key: str = ""
    callback_path: str = "/wechat/official"

    @field_validator("encoding_aes_key")
    @classmethod
    def _aes_key(cls, v: str) -> str:
        if v and len(v) != 43:
            raise ValueError(f"EncodingAESKey 必须是 43 个字符（当前 {len(v)} 个）")
        if v:
            try:
                key = base64.b64decode(v + "=", validate=True)
            except binascii.Error:
                raise ValueError("EncodingAESKey 只能由字母和数字组成") from None
            if len(key) != 32:
                raise ValueError("EncodingAESKey 解码后不是 32 字节")
        return v

    @field_validator("callback_path")
    @classmethod
    def _path(cls, v: str) -> str:
        if not v.startswith("/"):
            raise ValueError(f"回调路径必须以 / 开头：{v!r}")
        return v


class MiniProgramConfig(_Section):
    app_id: str = ""
    app_secret: str = ""


class WechatConfig(_Section):
    api_base_url: str = "https://api.weixin.qq.com"
    official_account: OfficialAccountConfig = OfficialAccountConfig()
    mini_program: MiniProgramConfig = MiniProgramConfig()
    staff_template_id: str = ""
    # Template used to tell applicants about a decision when they have no subscribe grant.
    applicant_template_id: str = ""
    # Mini-program subscribe-message template for decisions and reminders.
    subscribe_template_id: str = ""

    @field_validator("api_base_url")
    @classmethod
    def _base(cls, v: str) -> str:
        return _check_url(v, ("http", "https"))  # type: ignore[return-value]


class NotifyConfig(_Section):
    wecom_webhook_url: str | None = None
    # Delivery loop inside `serve`; turn off when `chuangye worker` processes run instead.
    in_process_worker: bool = True
    max_attempts: int = Field(6, ge=1, le=50)
    backoff_base_seconds: float = Field(2.0, gt=0)
    poll_seconds: float = Field(1.0, gt=0)

    @field_validator("wecom_webhook_url")
    @classmethod
    def _hook(cls, v: str | None) -> str | None:
        return _check_url(v, ("http", "https"))


class SecurityConfig(_Section):
    secret_key: str = Field(..., min_length=16)
    data_key: str
    token_ttl_seconds: int = Field(7 * 24 * 3600, ge=60)
    staff_session_seconds: int = Field(8 * 3600, ge=60)
    # Wrong staff passwords in a row, from any address, that lock the account (an administrator
    # unlocks it in the console, or it unlocks after staff_lock_minutes). Single addresses are
    # throttled long before this (handlers/staff/throttle.py).
    staff_lock_failures: int = Field(50, ge=10)
    staff_lock_minutes: int = Field(24 * 60, ge=1)

    @field_validator("data_key")
    @classmethod
    def _data_key(cls, v: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(v.encode())
        except (binascii.Error, ValueError):
            raise ValueError("必须是 urlsafe base64 编码的 32 字节密钥") from None
        if len(raw) != 32:
            raise ValueError(f"必须是 urlsafe base64 编码的 32 字节密钥（当前解码后 {len(raw)} 字节）")
        return v


class KnowledgeConfig(_Section):
    dir: str = "knowledge/docs"


class BotConfig(_Section):
    # WeChat waits 5 s; anything slower than this budget is answered by customer-service message.
    reply_budget_seconds: float = Field(4.5, gt=0, le=4.8)
    dialogue_ttl_seconds: int = Field(30 * 60, ge=60)
    # 人工服务: a waiting user is told how else to get help after this long without staff.
    handoff_wait_minutes: float = Field(10, gt=0)
    # This many unconfident policy answers in a row put the user in the staff queue.
    handoff_unconfident_streak: int = Field(3, ge=1)


class LlmConfig(_Section):
    """An OpenAI-compatible model server the operator runs (vLLM, Ollama, Xinference, a domestic
    cloud): optional, off by default. See docs/knowledge.md, "Generative answers"."""

    mode: Literal["off", "rewrite", "answer"] = "off"
    base_url: str | None = None  # the server root: {base_url}/v1/chat/completions and /v1/embeddings
    api_key: str | None = None  # or CHUANGYE__LLM__API_KEY
    chat_model: str = ""
    embedding_model: str = ""  # empty: BM25 alone
    connect_timeout_seconds: float = Field(0.5, gt=0, le=5)
    embedding_timeout_seconds: float = Field(0.8, gt=0, le=5)
    chat_timeout_seconds: float = Field(2.5, gt=0, le=4.5)
    # All model calls of one question together (the question's embedding and the chat): the
    # answer, model included, stays within bot.reply_budget_seconds.
    answer_budget_seconds: float = Field(3.2, gt=0, le=4.5)
    background_timeout_seconds: float = Field(30.0, gt=0, le=600)  # embedding segments after publishing
    max_tokens: int = Field(400, ge=32, le=2000)
    top_passages: int = Field(3, ge=1, le=5)

    @field_validator("mode", mode="before")
    @classmethod
    def _yaml_off(cls, v: Any) -> Any:
        return "off" if v is False else v  # YAML 1.1 reads an unquoted `off` as false

    @field_validator("base_url")
    @classmethod
    def _base(cls, v: str | None) -> str | None:
        url = _check_url(v, ("http", "https"))
        return url[:-3] if url and url.endswith("/v1") else url

    @model_validator(mode="after")
    def _usable(self) -> "LlmConfig":
        if self.mode != "off" and not self.base_url:
            raise ValueError("llm.mode 不是 off 时必须设置 llm.base_url（模型服务地址）")
        if self.mode != "off" and not self.chat_model:
            raise ValueError("llm.mode 不是 off 时必须设置 llm.chat_model（对话模型名称）")
        if self.embedding_model and not self.base_url:
            raise ValueError("设置了 llm.embedding_model 时必须设置 llm.base_url")
        return self

    @property
    def enabled(self) -> bool:
        return self.mode != "off" or bool(self.embedding_model)


class BookingConfig(_Section):
    # Upcoming (booked, not yet due) appointments one user may hold at once, across all windows.
    max_upcoming_per_user: int = Field(2, ge=1, le=20)


class MetricsConfig(_Section):
    # `GET /metrics` answers loopback peers, and anyone presenting `Authorization: Bearer <token>`.
    token: str | None = None

    @field_validator("token")
    @classmethod
    def _token(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if len(v) < 16 or any(c.isspace() for c in v) or not v.isprintable():
            raise ValueError("令牌至少 16 个字符，不能含空白（或设为 null 只允许本机访问）")
        return v


class LoggingConfig(_Section):
    level: str = "INFO"
    json_format: bool = Field(True, alias="json")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Config(_Section):
    server: ServerConfig = ServerConfig()
    database: DatabaseConfig = DatabaseConfig()
    redis: RedisConfig = RedisConfig()
    wechat: WechatConfig = WechatConfig()
    notify: NotifyConfig = NotifyConfig()
    security: SecurityConfig
    knowledge: KnowledgeConfig = KnowledgeConfig()
    bot: BotConfig = BotConfig()
    booking: BookingConfig = BookingConfig()
    metrics: MetricsConfig = MetricsConfig()
    logging: LoggingConfig = LoggingConfig()
    llm: LlmConfig = LlmConfig()

    @model_validator(mode="after")
    def _llm_fits_budget(self) -> "Config":
        # Leave at least half a second of the reply budget for retrieval, the database and WeChat.
        if self.llm.enabled and self.llm.answer_budget_seconds > self.bot.reply_budget_seconds - 0.5:
            raise ValueError(f"llm.answer_budget_seconds 必须比 bot.reply_budget_seconds 至少少 0.5 秒"
                             f"（当前 {self.llm.answer_budget_seconds} / {self.bot.reply_budget_seconds}）")
        return self

    @property
    def uses_dev_keys(self) -> bool:
        return self.security.secret_key == DEV_SECRET_KEY or self.security.data_key == DEV_DATA_KEY

    @property
    def dev_values(self) -> list[str]:
        """The keys still holding config.example.yaml's public development values."""
        found = [("security.secret_key", self.security.secret_key == DEV_SECRET_KEY),
                 ("security.data_key", self.security.data_key == DEV_DATA_KEY),
                 ("wechat.official_account.token", self.wechat.official_account.token == DEV_OA_TOKEN)]
        return [key for key, dev in found if dev]


def _apply_env(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """Overlay CHUANGYE__A__B=value onto the YAML tree."""
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX):].split("__") if p]
        if not path:
            continue
        node = data
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        # Strings stay strings (pydantic coerces "9090" for int fields); only null means None.
        node[path[-1]] = None if raw.strip().lower() in ("null", "~", "none") else raw
    return data


def _format_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    if kind == "missing":
        detail = "缺少必填项"
    elif kind == "extra_forbidden":
        detail = "未知的配置项（拼写错误？）"
    elif kind.endswith("_type") or kind.endswith("_parsing"):
        detail = f"类型错误：{err['msg']}（实际为 {err.get('input')!r}）"
    else:
        detail = err["msg"].removeprefix("Value error, ")
    more = f"（另有 {len(exc.errors()) - 1} 处错误）" if len(exc.errors()) > 1 else ""
    return f"配置错误 {key}：{detail}{more}"


def load_config(path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read YAML (if given) and environment overrides; raise ConfigError on any problem."""
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"配置错误：找不到配置文件 {p}")
        try:
            loaded = yamlio.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"配置错误：{p} 不是有效的 YAML（{str(exc).splitlines()[0]}）") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"配置错误：{p} 的顶层必须是键值对")
        data = loaded or {}
    return config_from_dict(_apply_env(data, environ))


def config_from_dict(data: dict[str, Any]) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc)) from None


def default_config_path(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    if environ.get("CHUANGYE_CONFIG"):
        return environ["CHUANGYE_CONFIG"]
    return "config.yaml" if Path("config.yaml").is_file() else "config.example.yaml"
