"""What the issuer's services share for the controller's lifetime (built in the lifespan, never at import)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agent.client import AdminClient
from common.tasks import BackgroundTasks
from common.verification import Ports
from revocation.chain import ChainClient

from .config import IssuerSettings


@dataclass
class IssuerContext:
    settings: IssuerSettings
    agent: AdminClient
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    """Fetches other issuers' status lists when the parts of a claim are verified."""
    ports: Ports
    """The verification pipeline's ports (the same pipeline the verifier runs), for claimed parts."""
    didcomm: asyncio.Semaphore
    """Bounds the credential exchanges in flight (offered, not yet final): a burst of DIDComm traffic to one
    SQLite-backed wallet agent loses messages (measured: 12 of 20 concurrent offers)."""
    tasks: BackgroundTasks = field(default_factory=BackgroundTasks)
    finished: dict[str, asyncio.Event] = field(default_factory=dict)
    """Offers in flight → set when the offer reaches a final state, which frees its slot."""
    chain: ChainClient | None = None
    """Owns this controller's status lists on chain; None when no chain is configured."""
    claims: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Decides one claim at a time (its last two parts may be answered at the same moment)."""
    anchoring: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One list creation at a time (the worker and an offer may both want the same list made)."""
    anchor_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    """Set by a status-change request: the anchoring worker runs without waiting for its interval."""
