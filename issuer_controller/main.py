"""ASGI entry point: ``uvicorn issuer_controller.main:create_app --factory``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from common.accounts import Accounts
from common.agents import Source
from common.db import make_engine, migrate, session_factory
from common.leases import Leases
from common.tasks import every
from common.verification.sources import chain_ports
from common.web.app import create_controller_app
from common.web.console import include_console
from common.web.staff_api import staff_router
from revocation.chain import ChainClient

from . import console
from .api import (
    bulk,
    credentials,
    institutions,
    offers,
    oid4vci as oid4vci_api,
    pathways as pathways_api,
    public,
    templates,
)
from .config import IssuerSettings
from .context import IssuerContext
from .db import MIGRATIONS
from .letters import offer_letter
from .models import AuditEvent, Institution, Lease, SignInFailure, StaffSession, StaffUser
from .security import current_institution
from .services import affected, claims
from .services.anchoring import anchor_forever
from .services.bulk import fill_job, unfinished_jobs
from .services.mail import mail_forever
from .services.offers import on_webhook, reconcile

log = logging.getLogger(__name__)


async def _catch_up(ctx: IssuerContext) -> None:
    """What webhooks or a restart left behind. Bulk jobs whose filler is gone are taken up by any instance
    (each job's own lease says whether it is); the rest — unfinished offers, claims — one instance at a time
    (a lease); the others' passes skip while it runs."""
    for job_id in await unfinished_jobs(ctx):
        if not ctx.tasks.named(f"bulk {job_id}"):
            ctx.tasks.spawn(fill_job(ctx, job_id), name=f"bulk {job_id}")
    async with ctx.leases.held("reconcile") as mine:
        if mine:
            await _reconcile(ctx)


async def _reconcile(ctx: IssuerContext) -> None:
    moved = await reconcile(ctx)
    if moved:
        log.info("reconciled: %s", moved)
    await claims.follow_claims(ctx)
    await affected.watch_awarded(ctx)


def create_app(settings: IssuerSettings | None = None) -> FastAPI:
    settings = settings or IssuerSettings()
    pages = console.of(settings)

    @asynccontextmanager
    async def services(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        await migrate(engine, MIGRATIONS)
        sessions = session_factory(engine)
        agents, http = app.state.agents, httpx.AsyncClient(timeout=settings.fetch_timeout)
        chain = (
            ChainClient(
                settings.chain_rpc_url,
                settings.chain_key.get_secret_value(),
                receipt_timeout=settings.chain_receipt_timeout,
            )
            if settings.chain_rpc_url and settings.chain_key and settings.status_registry
            else None
        )
        ctx = IssuerContext(
            settings=settings,
            agents=agents,
            engine=engine,
            sessions=sessions,
            http=http,
            ports=chain_ports(agents.main, chain, http, settings),
            chain=chain,
            leases=Leases(sessions, Lease),
            accounts=Accounts(sessions, StaffUser, StaffSession, SignInFailure, AuditEvent),
            mailer=settings.mailer(),
        )
        if ctx.mailer is not None:
            ctx.letters = lambda lang, offer, institution, template: offer_letter(
                pages, lang, offer, institution, template
            )
            ctx.tasks.spawn(mail_forever(ctx), name="mail")
        app.state.issuer = ctx
        ctx.tasks.spawn(
            every(settings.reconcile_interval, lambda: _catch_up(ctx), "reconcile"), name="reconciler"
        )
        if chain is not None:
            ctx.tasks.spawn(anchor_forever(ctx), name="anchoring")
        try:
            yield
        finally:
            await ctx.close()

    async def webhook(app: FastAPI, topic: str, payload: dict[str, Any], source: Source) -> None:
        ctx: IssuerContext = app.state.issuer
        async with ctx.sessions() as session:
            agent = await ctx.agents.of_source(session, Institution, source)
        if agent is None:
            log.info("webhook %s from wallet %s, which no one here owns: ignored", topic, source.wallet_id)
            return
        await on_webhook(ctx, topic, payload, agent)
        await claims.on_webhook(ctx, topic, payload, agent)

    app = create_controller_app(
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
            pathways_api.router,
            public.router,
            oid4vci_api.router,
            staff_router(current_institution),
        ],
        services=services,
        on_webhook=webhook,
    )
    include_console(app, pages, console.routers)
    return app
