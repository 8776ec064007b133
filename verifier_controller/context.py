"""What the verifier's services share for the controller's lifetime (built in the lifespan)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agent.client import AdminClient
from common.tasks import BackgroundTasks
from common.verification import Ports
from revocation.chain import ChainClient

from .config import VerifierSettings


@dataclass
class VerifierContext:
    settings: VerifierSettings
    agent: AdminClient
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    """Fetches published status lists and calls employers' callback URLs."""
    ports: Ports
    chain: ChainClient | None = None
    tasks: BackgroundTasks = field(default_factory=BackgroundTasks)

    @property
    def domain(self) -> str:
        return self.settings.domain or httpx.URL(self.settings.public_url).host
