"""The API sub-app mounted at /api/v1: every endpoint from the declared route tables.

To add a resource, write a module with a ``routes = Routes(...)`` table and add it to
``ROUTE_TABLES``; its endpoints are then served and appear in ``GET /api/v1/openapi.json``.
"""
from __future__ import annotations

import asyncio

from aiohttp import web

from chuangye.config import Config

from api import (appointments, auth_routes, carriers, events, loans, mentors, policies, staff, staff_carriers, staff_desk,
                 staff_events, staff_export, staff_handoff, staff_kb, staff_meta, staff_mentors, staff_notifications,
                 staff_registry, staff_review, staff_stats, training, windows)
from api.dispatch import make_handler
from api.errors import dumps, error_middleware
from api.openapi import build_document
from api.ratelimit import document as document_rate_limits, rate_limit_middleware
from api.registry import Call, Endpoint, Routes

ROUTE_TABLES = [
    auth_routes.routes,
    policies.routes,
    windows.routes,
    appointments.routes,
    loans.routes,
    training.routes,
    mentors.routes,
    carriers.routes,
    events.routes,
    staff.routes,
    staff_meta.routes,
    staff_desk.routes,
    staff_review.routes,
    staff_export.routes,
    staff_stats.routes,
    staff_registry.routes,
    staff_mentors.routes,
    staff_carriers.routes,
    staff_notifications.routes,
    staff_handoff.routes,
    staff_kb.routes,
    staff_events.routes,
]


class LazyDocument:
    """The OpenAPI document, built on its first request (off the event loop) and kept: building it
    takes about 0.25 s, which every worker's start-up would otherwise pay."""

    def __init__(self, declared: list[Endpoint], tags: list[tuple[str, str]]) -> None:
        self._declared, self._tags = declared, tags
        self._document: dict | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> dict:
        async with self._lock:
            if self._document is None:
                self._document = await asyncio.to_thread(build_document, self._declared, self._tags)
            return self._document


OPENAPI = web.AppKey("openapi", LazyDocument)

docs = Routes("文档")


@docs.get("/openapi.json", summary="本接口的 OpenAPI 3.1 文档",
          content={"application/json": {"schema": {"type": "object"}}})
async def openapi_document(call: Call) -> web.StreamResponse:
    return web.json_response(await call.request.app[OPENAPI].get(), dumps=dumps)


def collect(tables: list[Routes] = ROUTE_TABLES) -> list[Routes]:
    """Every route table plus the document's own, rate limits declared."""
    return _with_docs(list(tables))


def _with_docs(tables: list[Routes]) -> list[Routes]:
    tables = [*tables, docs]
    document_rate_limits(endpoints(tables))
    return tables


def endpoints(tables: list[Routes]) -> list[Endpoint]:
    return [ep for table in tables for ep in table.endpoints]


def create_api_app(config: Config, tables: list[Routes] | None = None) -> web.Application:
    """The /api/v1 sub-app (``tables`` default: every table of ROUTE_TABLES plus the document).

    Config is read per request through ``request.config_dict``.
    """
    del config
    app = web.Application(middlewares=[error_middleware, rate_limit_middleware])
    tables = collect() if tables is None else _with_docs(tables)
    declared = endpoints(tables)
    for ep in declared:
        app.router.add_route(ep.method, ep.path, make_handler(ep), name=ep.operation_id)
    app[OPENAPI] = LazyDocument(declared, [(t.tag, t.description) for t in tables])
    return app
