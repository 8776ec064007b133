"""ASGI entry point: ``uvicorn verifier_controller.main:create_app --factory``."""

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
from .api import employers, oid4vp, proof_requests, public, verifications
from .config import VerifierSettings
from .context import VerifierContext
from .db import MIGRATIONS
from .models import AuditEvent, Employer, Lease, SignInFailure, StaffSession, StaffUser
from .security import current_employer
from .services.proof_requests import on_webhook, reconcile

log = logging.getLogger(__name__)

READ_ONLY_KEY = "0x" + "01" * 32
"""The verifier only reads the chain; the client wants a key, this one never signs anything."""


def create_app(settings: VerifierSettings | None = None) -> FastAPI:
    settings = settings or VerifierSettings()

    @asynccontextmanager
    async def services(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        await migrate(engine, MIGRATIONS)
        sessions = session_factory(engine)
        http = httpx.AsyncClient(timeout=settings.fetch_timeout, follow_redirects=False)
        agents = app.state.agents
        chain = ChainClient(settings.chain_rpc_url, READ_ONLY_KEY) if settings.chain_rpc_url else None
        ports = chain_ports(agents.main, chain, http, settings)
        ctx = VerifierContext(
            settings=settings,
            agents=agents,
            engine=engine,
            sessions=sessions,
            http=http,
            ports=ports,
            chain=chain,
            leases=Leases(sessions, Lease),
            accounts=Accounts(sessions, StaffUser, StaffSession, SignInFailure, AuditEvent),
            mailer=settings.mailer(),
        )
        app.state.verifier = ctx
        ctx.tasks.spawn(
            every(settings.reconcile_interval, lambda: reconcile(ctx), "reconcile"), name="reconciler"
        )
        try:
            yield
        finally:
            await ctx.close()

    async def webhook(app: FastAPI, topic: str, payload: dict[str, Any], source: Source) -> None:
        ctx: VerifierContext = app.state.verifier
        async with ctx.sessions() as session:
            agent = await ctx.agents.of_source(session, Employer, source)
        if agent is None:
            log.info("webhook %s from wallet %s, which no one here owns: ignored", topic, source.wallet_id)
            return
        await on_webhook(ctx, topic, payload, agent)

    app = create_controller_app(
        settings,
        title="mcred verifier",
        description="Employers request microcredentials and get verification reports.",
        version="0.1.0",
        routers=[
            employers.router,
            proof_requests.router,
            verifications.router,
            public.router,
            oid4vp.router,
            staff_router(current_employer),
        ],
        services=services,
        on_webhook=webhook,
    )
    include_console(app, console.of(settings), console.routers)
    return app
