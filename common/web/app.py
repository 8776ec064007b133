"""The skeleton both controllers are built on: lifespan-owned agent client, problem+json, /health,
the endpoint the controller's agent posts its webhooks to, request body limits and security headers on
every response (docs/security.md)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from ..agents import MAIN_SHARD, Agents, Source
from ..errors import Unauthorized
from ..settings import ControllerSettings
from .headers import SECURITY_HEADERS, SecurityHeaders, docs_policy
from .html import install_static
from .problems import install_problem_handlers, problem_response
from .uploads import RequestLimits

__all__ = ["PROBLEM_RESPONSES", "create_controller_app"]

log = logging.getLogger(__name__)


async def get_agents(request: Request) -> Agents:
    return request.app.state.agents


AgentsDep = Annotated[Agents, Depends(get_agents)]

health_router = APIRouter(tags=["health"])

_PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "content": {"application/problem+json": {"schema": _PROBLEM}}}
    for status, description in [
        (400, "The request cannot be served as asked (a body over a limit among others)"),
        (401, "Missing or wrong API key"),
        (404, "Not found"),
        (409, "Conflicts with the current state"),
        (413, "The body is over the size limit"),
        (422, "The request is not valid: each field and reason in errors"),
        (502, "The credential agent failed"),
        (503, "A service this needs is not available; retry"),
    ]
}
"""The errors every route may answer, documented in the OpenAPI with their media type."""


@health_router.get(
    "/health",
    operation_id="health-get",
    responses={503: {"description": "Degraded: what is missing", "content": {"application/json": {}}}},
)
async def health(request: Request, agents: AgentsDep) -> JSONResponse:
    """200 when the controller and its agents can take work; still 200 with one shard down (the other
    shards' institutions keep working, so a balancer must keep sending them here), the status saying so;
    503 when no agent is ready."""
    answers = await asyncio.gather(*(agents.base(name).is_ready() for name in agents.names))
    ready = dict(zip(agents.names, answers, strict=True))
    body = {
        "status": "ok" if all(ready.values()) else "degraded",
        "service": request.app.title,
        "version": request.app.version,
        "agent": {"ready": ready[MAIN_SHARD]},
        "shards": {name: {"ready": up} for name, up in ready.items()},
    }
    return JSONResponse(body, status_code=200 if any(ready.values()) else 503)


webhook_router = APIRouter(tags=["webhooks"], include_in_schema=False)


WebhookHandler = Callable[[FastAPI, str, dict[str, Any], Source], Awaitable[None]]


@webhook_router.post("/webhooks/topic/{topic}/")
async def webhook(request: Request, topic: str, payload: dict[str, Any]) -> dict[str, str]:
    """Events from our own agents, handed to the controller's handler. Each agent sends the admin API key it
    shares with us as ``x-api-key`` (agent.config): an event from anyone else is refused, unread. A
    tenant's event carries its wallet in ``x-wallet-id``."""
    agents: Agents = request.app.state.agents
    shard = agents.shard_with_key(request.headers.get("x-api-key") or "")
    if shard is None:
        raise Unauthorized("webhooks are taken from this controller's own agents only")
    log.debug("webhook %s from %s: %s", topic, shard, payload.get("state"))
    handler: WebhookHandler | None = request.app.state.on_webhook
    if handler is not None:
        await handler(request.app, topic, payload, Source(shard, request.headers.get("x-wallet-id")))
    return {"status": "received"}


def _configure_logging(level: str) -> None:
    """Our loggers to stderr with level and time (uvicorn configures only its own): what the workers did
    and why a pass failed ends up in the controller's log."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    for name in ("agent", "common", "issuer_controller", "verifier_controller", "revocation"):
        logging.getLogger(name).setLevel(level.upper())


def _with_docs_policy(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = docs_policy(bytes(page.body).decode())
    return page


def _install_docs(app: FastAPI) -> None:
    """FastAPI's /docs and /redoc, each with a policy that lets it load its UI from the CDN (the strict one
    every other response carries would leave them blank). No OAuth redirect page: we use API keys."""
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title} - Swagger UI", oauth2_redirect_url=None
        )
        return _with_docs_policy(page)

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _with_docs_policy(get_redoc_html(openapi_url=openapi_url, title=f"{app.title} - ReDoc"))


def _install_last_resort(app: FastAPI) -> None:
    """A failure nobody foresaw is still problem+json (with the security headers: Starlette sends this
    answer outside the middleware); the traceback goes to the log, not to the client."""

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            500, "internal-error", "Internal error",
            "The service failed to answer this request; the failure is in its log.",
            request.url.path, headers=SECURITY_HEADERS,
        )  # fmt: skip


def create_controller_app(
    settings: ControllerSettings,
    *,
    title: str,
    description: str,
    version: str,
    routers: list[APIRouter],
    services: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    on_webhook: WebhookHandler | None = None,
) -> FastAPI:
    """``services`` starts and stops what the controller adds (database, workers) around its lifetime."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _configure_logging(settings.log_level)
        app.state.settings = settings
        app.state.on_webhook = on_webhook
        app.state.agents = settings.agents()
        try:
            if services is None:
                yield
            else:
                async with services(app):
                    yield
        finally:
            await app.state.agents.aclose()

    app = FastAPI(
        title=title, description=description, version=version, lifespan=lifespan,
        docs_url=None, redoc_url=None,  # ours, with their own policy: _install_docs
    )  # fmt: skip
    install_problem_handlers(app)
    _install_last_resort(app)
    # The last added runs first: headers go on every answer, RequestLimits' refusals included.
    app.add_middleware(RequestLimits, max_bytes=settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders)
    _install_docs(app)
    install_static(app)
    app.include_router(health_router)
    app.include_router(webhook_router)
    for router in routers:
        app.include_router(router, responses=PROBLEM_RESPONSES)
    return app
