"""Typed aiohttp application keys for every shared resource."""
from __future__ import annotations

import aiohttp
from aiohttp import web

from chuangye.config import Config
from chuangye.store import Store

CONFIG = web.AppKey("config", Config)
STORE = web.AppKey("store", Store)
HTTP = web.AppKey("http", aiohttp.ClientSession)
KB = web.AppKey("kb", object)  # knowledge.KnowledgeBase
WECHAT = web.AppKey("wechat", object)  # chuangye.wechat_api.WeChatAPI
WORKER = web.AppKey("worker", object)  # notification delivery loop, when in-process
LLM = web.AppKey("llm", object)  # handlers.knowledge_ops.generative.Assistant, or None (llm: off)
ASK = web.AppKey("ask", object)  # handlers.knowledge_ops.ask.Asking: question logs written behind, counties
EXTRA = web.AppKey("extra", dict)  # per-feature state (e.g. background tasks)

