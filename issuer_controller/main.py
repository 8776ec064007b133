"""ASGI entry point: ``uvicorn issuer_controller.main:create_app --factory``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from common.app import create_controller_app
from common.db import make_engine, migrate, session_factory
from common.tasks import every
from revocation.chain import ChainClient

from .api import bulk, credentials, institutions, offers, public, templates
from .config import IssuerSettings
from .context import IssuerContext
from .db import MIGRATIONS
from .services.anchoring import anchor_forever
from .services.bulk import fill_job, unfinished_jobs
from .services.offers import on_webhook, reconcile

log = logging.getLogger(__name__)


async def _catch_up(ctx: IssuerContext) -> None:
    """What webhooks or a restart left behind: unfinished bulk jobs, unfinished offers."""
    for job_id in await unfinished_jobs(ctx):
        if not ctx.tasks.named(f"bulk {job_id}"):
            ctx.tasks.spawn(fill_job(ctx, job_id), name=f"bulk {job_id}")
    moved = await reconcile(ctx)
    if moved:
        log.info("reconciled: %s", moved)


def create_app(settings: IssuerSettings | None = None) -> FastAPI:
    settings = settings or IssuerSettings()

    @asynccontextmanager
    async def services(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        await migrate(engine, MIGRATIONS)
        ctx = IssuerContext(
            settings=settings,
            agent=app.state.agent,
            engine=engine,
            sessions=session_factory(engine),
            didcomm=asyncio.Semaphore(settings.didcomm_concurrency),
        )
        app.state.issuer = ctx
        ctx.tasks.spawn(
            every(settings.reconcile_interval, lambda: _catch_up(ctx), "reconcile"), name="reconciler"
        )
        if settings.chain_rpc_url and settings.chain_key and settings.status_registry:
            ctx.chain = ChainClient(
                settings.chain_rpc_url,
                settings.chain_key.get_secret_value(),
                receipt_timeout=settings.chain_receipt_timeout,
            )
            ctx.tasks.spawn(anchor_forever(ctx), name="anchoring")
        try:
            yield
        finally:
            await ctx.tasks.drain()
            if ctx.chain is not None:
                await ctx.chain.aclose()
            await engine.dispose()

    async def webhook(app: FastAPI, topic: str, payload: dict[str, Any]) -> None:
        await on_webhook(app.state.issuer, topic, payload)

    return create_controller_app(
        settings,
        title="mcred issuer",
        description="Institutions define microcredentials and issue them to learners' wallets.",
        version="0.1.0",
        routers=[
            institutions.router,
            templates.router,
            offers.router,
            bulk.router,
            credentials.router,
            public.router,
        ],
        services=services,
        on_webhook=webhook,
    )
