"""What a controller's services share for its lifetime (built in the lifespan, never at import)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common.accounts import Accounts
from common.agents import Agents
from common.leases import Leases
from common.mail import Mailer
from common.tasks import BackgroundTasks
from common.verification import Ports
from revocation.chain import ChainClient


@dataclass(kw_only=True)
class ControllerContext:
    agents: Agents
    """The agent shards; ``agents.of(owner)`` is an institution's (employer's) own wallet."""
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    """Fetches published status lists (and, in the verifier, calls employers' callback URLs)."""
    ports: Ports
    """The verification pipeline's ports: the verifier runs it on what it is sent, the issuer on the parts
    of a claim."""
    chain: ChainClient | None = None
    """None when no chain is configured; the issuer's signs its status-list transactions, the verifier's only
    reads."""
    leases: Leases
    """Work one instance does at a time, however many run on the database (``common.leases``)."""
    accounts: Accounts
    """The owners' staff, their console sessions and the audit trail (``common.accounts``)."""
    mailer: Mailer | None = None
    """None when no mail server is configured: nothing is e-mailed."""
    tasks: BackgroundTasks = field(default_factory=BackgroundTasks)

    async def close(self) -> None:
        """Background work first (it may still use the rest), then the connections."""
        await self.tasks.drain()
        await self.http.aclose()
        if self.chain is not None:
            await self.chain.aclose()
        await self.engine.dispose()
