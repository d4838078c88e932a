"""Endpoints declared once: the same declaration validates requests and writes the OpenAPI document.

A resource module makes a ``Routes`` table and declares each endpoint with its method, path,
summary, auth (``none``, ``user`` or ``staff``), request body (a pydantic model or a form spec
from handlers/forms/definitions.py), query model, response model and the error statuses it can answer::

    routes = Routes("预约")

    @routes.post("/appointments", summary="预约窗口", auth="user", body=APPOINTMENT_FORM,
                 response=AppointmentOut, status=201, errors={409: "slot_full / duplicate"})
    async def book(call: Call) -> dict: ...

The handler gets a ``Call`` (validated body, query and path ids, the principal) and returns a
dict or model matching ``response`` (or ``Reply`` for another status, or a ready aiohttp
response when ``response`` is None). api/dispatch.py runs it; api/openapi.py documents it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Literal

from aiohttp import web
from pydantic import BaseModel

from chuangye import appkeys as K

Auth = Literal["none", "user", "staff"]
# Path parameters are database ids unless declared otherwise: 1 .. 2^31-1.
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}


@dataclass
class Call:
    """One validated request, as a handler sees it."""

    request: web.Request
    body: Any = None
    query: Any = None
    path: dict[str, Any] = field(default_factory=dict)
    user: Any = None  # api.auth.UserPrincipal for auth="user"
    staff: Any = None  # whatever the registered staff verifier returned, for auth="staff"

    @property
    def config(self) -> Any:
        return self.request.config_dict[K.CONFIG]

    def resource(self, key: web.AppKey) -> Any:
        return self.request.config_dict[key]


@dataclass
class Reply:
    """A body with a status other than the endpoint's default (e.g. 200 on an idempotent re-post)."""

    body: Any
    status: int


@dataclass
class Endpoint:
    method: str
    path: str
    handler: Callable[[Call], Awaitable[Any]]
    summary: str
    tag: str
    auth: Auth = "none"
    body: Any = None  # pydantic model class or form spec
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: dict[int, str] = field(default_factory=dict)
    description: str = ""
    idempotent: bool = False
    path_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    content: dict[str, Any] | None = None  # non-JSON answer, e.g. {"application/vnd...": {...}}
    request_content: dict[str, Any] | None = None  # non-JSON request body the handler reads itself (multipart)

    @property
    def operation_id(self) -> str:
        """Unique across modules: ``appointments_mine``, ``loans_mine``..."""
        return f"{self.handler.__module__.rsplit('.', 1)[-1]}_{self.handler.__name__}"

    @property
    def path_names(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    def path_schema(self, name: str) -> dict[str, Any]:
        return self.path_params.get(name, ID_SCHEMA)


class Routes:
    """A table of endpoints of one resource (one OpenAPI tag)."""

    def __init__(self, tag: str, description: str = "") -> None:
        self.tag, self.description = tag, description
        self.endpoints: list[Endpoint] = []

    def route(self, method: str, path: str, *, summary: str, **options: Any) -> Callable:
        def register(handler: Callable[[Call], Awaitable[Any]]) -> Callable[[Call], Awaitable[Any]]:
            if "idempotent" not in options:
                options["idempotent"] = method == "POST" and options.get("auth", "none") != "none"
            self.endpoints.append(Endpoint(method, path, handler, summary, self.tag, **options))
            return handler

        return register

    def get(self, path: str, *, summary: str, **options: Any) -> Callable:
        return self.route("GET", path, summary=summary, **options)

    def post(self, path: str, *, summary: str, **options: Any) -> Callable:
        return self.route("POST", path, summary=summary, **options)

    def put(self, path: str, *, summary: str, **options: Any) -> Callable:
        return self.route("PUT", path, summary=summary, **options)

    def patch(self, path: str, *, summary: str, **options: Any) -> Callable:
        return self.route("PATCH", path, summary=summary, **options)

    def delete(self, path: str, *, summary: str, **options: Any) -> Callable:
        return self.route("DELETE", path, summary=summary, **options)
