"""The API sub-app mounted at /api/v1: every endpoint from the declared route tables.

To add a resource, write a module with a ``routes = Routes(...)`` table and list it in
``ROUTE_MODULES``; its endpoints are then served and appear in ``GET /api/v1/openapi.json``.
"""
from __future__ import annotations

import importlib

from aiohttp import web

from chuangye.config import Config

from .dispatch import make_handler
from .errors import dumps, error_middleware
from .openapi import build_document
from .ratelimit import document as document_rate_limits, rate_limit_middleware
from .registry import Call, Endpoint, Routes

ROUTE_MODULES = [
    "api.auth_routes",
    "api.policies",
    "api.windows",
    "api.appointments",
    "api.loans",
    "api.training",
    "api.staff",
    "api.staff_desk",
    "api.staff_review",
    "api.staff_export",
    "api.staff_stats",
    "api.staff_registry",
    "api.staff_notifications",
    "api.staff_handoff",
]
OPENAPI = web.AppKey("openapi", dict)

docs = Routes("文档")


@docs.get("/openapi.json", summary="本接口的 OpenAPI 3.1 文档",
          content={"application/json": {"schema": {"type": "object"}}})
async def openapi_document(call: Call) -> web.StreamResponse:
    return web.json_response(call.request.app[OPENAPI], dumps=dumps)


def collect(modules: list[str] = ROUTE_MODULES) -> list[Routes]:
    """The route tables of ``modules`` plus the document's own, rate limits declared."""
    return _with_docs([importlib.import_module(name).routes for name in modules])


def _with_docs(tables: list[Routes]) -> list[Routes]:
    tables = [*tables, docs]
    document_rate_limits(endpoints(tables))
    return tables


def endpoints(tables: list[Routes]) -> list[Endpoint]:
    return [ep for table in tables for ep in table.endpoints]


def create_api_app(config: Config, tables: list[Routes] | None = None) -> web.Application:
    """The /api/v1 sub-app (``tables`` default: every module of ROUTE_MODULES plus the document).

    Config is read per request through ``request.config_dict``.
    """
    del config
    app = web.Application(middlewares=[error_middleware, rate_limit_middleware])
    tables = collect() if tables is None else _with_docs(tables)
    declared = endpoints(tables)
    for ep in declared:
        app.router.add_route(ep.method, ep.path, make_handler(ep), name=ep.operation_id)
    app[OPENAPI] = build_document(declared, [(t.tag, t.description) for t in tables])
    return app
