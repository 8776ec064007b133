"""The skeleton both controllers are built on: lifespan-owned agent client, problem+json, /health,
and the endpoint the controller's agent posts its webhooks to."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from agent.client import AdminClient

from .problems import install_problem_handlers
from .settings import ControllerSettings

__all__ = ["AgentDep", "create_controller_app"]

log = logging.getLogger(__name__)


async def get_agent(request: Request) -> AdminClient:
    return request.app.state.agent


AgentDep = Annotated[AdminClient, Depends(get_agent)]

health_router = APIRouter(tags=["health"])


@health_router.get("/health", operation_id="health-get")
async def health(request: Request, agent: AgentDep) -> JSONResponse:
    """200 when the controller and its agent can take work, 503 (with what is missing) otherwise."""
    ready = await agent.is_ready()
    body = {
        "status": "ok" if ready else "degraded",
        "service": request.app.title,
        "version": request.app.version,
        "agent": {"ready": ready},
    }
    return JSONResponse(body, status_code=200 if ready else 503)


webhook_router = APIRouter(tags=["webhooks"], include_in_schema=False)

WebhookHandler = Callable[[FastAPI, str, dict[str, Any]], Awaitable[None]]


@webhook_router.post("/webhooks/topic/{topic}/")
async def webhook(request: Request, topic: str, payload: dict[str, Any]) -> dict[str, str]:
    """Events from our own agent (``--webhook-url``), handed to the controller's handler."""
    log.debug("webhook %s: %s", topic, payload.get("state"))
    handler: WebhookHandler | None = request.app.state.on_webhook
    if handler is not None:
        await handler(request.app, topic, payload)
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
        app.state.agent = AdminClient(
            settings.agent_admin_url,
            settings.agent_admin_api_key.get_secret_value(),
            timeout=settings.agent_timeout,
        )
        try:
            if services is None:
                yield
            else:
                async with services(app):
                    yield
        finally:
            await app.state.agent.aclose()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    install_problem_handlers(app)
    for router in [health_router, webhook_router, *routers]:
        app.include_router(router)
    return app
