"""Institutions and employers registered before tenancy move into tenant wallets of their own, keeping
their DIDs and keys (``python -m issuer_controller.tenants``, ``python -m verifier_controller.tenants``, run
with the controller's settings while its instances are stopped; ``docs/operations.md``).

Each owner without a tenant gets one on its shard, stored on its row first; then its DIDs move from the
shard's base wallet into it (the agent's ``/mcred/tenants/{id}/adopt``: the tenant's copy is committed
before the base wallet's is removed). Run again after a crash, it finishes what was left: a DID already in
the tenant's wallet is not moved twice. An owner with DIDComm exchanges still open is left where it is (its
connections live in the base wallet): the report says so; run again once they have ended.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .agents import Agents, TenantColumns
from .db import existing, make_engine, migrate, session_factory
from .settings import ControllerSettings


@dataclass
class Report:
    tenants_made: list[str] = field(default_factory=list)
    dids_moved: list[str] = field(default_factory=list)
    left: dict[str, str] = field(default_factory=dict)
    """Owner id → why it stays in the base wallet for now."""


async def move_to_tenants[T: TenantColumns](
    agents: Agents,
    sessions: async_sessionmaker[AsyncSession],
    model: type[T],
    *,
    name: Callable[[T], str],
    dids: Callable[[T], Sequence[str]],
    busy: Callable[[AsyncSession, T], Awaitable[str | None]],
) -> Report:
    """``name``: the tenant's label; ``dids``: what moves; ``busy``: why an owner cannot move yet, or None."""
    report = Report()
    async with sessions() as session:
        owners = list(await session.scalars(select(model)))
    for owner in owners:
        owner_id, base, wallet_id = (
            str(inspect(owner).identity[0]),
            agents.base(owner.agent_shard),
            owner.wallet_id,
        )
        if wallet_id is None:
            async with sessions() as session:
                why = await busy(session, owner)
            if why is not None:
                report.left[owner_id] = why
                continue
            wallet_id, token = await base.create_tenant(
                f"{model.__name__.lower()}-{owner_id}", label=name(owner)
            )
            async with sessions() as session, session.begin():
                stored = await existing(session, model, owner_id)
                stored.wallet_id, stored.wallet_token = wallet_id, agents.seal(token)
            report.tenants_made.append(owner_id)
        for did in dids(owner):
            if await base.adopt(wallet_id, did):
                report.dids_moved.append(did)
    return report


async def command[T: TenantColumns](
    settings: ControllerSettings,
    database_url: str,
    migrations: Path,
    model: type[T],
    *,
    name: Callable[[T], str],
    dids: Callable[[T], Sequence[str]],
    busy: Callable[[AsyncSession, T], Awaitable[str | None]],
) -> None:
    """The controller's ``python -m …tenants``: its own settings (environment), its database migrated
    first; prints the report as JSON."""
    agents, engine = settings.agents(), make_engine(database_url)
    try:
        await migrate(engine, migrations)
        report = await move_to_tenants(
            agents, session_factory(engine), model, name=name, dids=dids, busy=busy
        )
    finally:
        await agents.aclose()
        await engine.dispose()
    print(json.dumps(asdict(report), indent=2))
