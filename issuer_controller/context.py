"""What the issuer's services share for the controller's lifetime."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from common.context import ControllerContext
from common.mail import Letter
from revocation.chain import ChainClient

from .config import IssuerSettings
from .models import Institution, Offer, Template


@dataclass(kw_only=True)
class IssuerContext(ControllerContext):
    settings: IssuerSettings
    shard_slots: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    """Per agent shard, this instance's credential exchanges in flight (offered, not yet final): a burst of
    DIDComm traffic to one SQLite-backed agent loses messages (measured: 12 of 20 concurrent offers). The
    limit across instances is the shard's slot leases (``offers.send_credential``)."""
    finished: dict[str, asyncio.Event] = field(default_factory=dict)
    """Offers in flight → set when the offer reaches a final state, which frees its slot."""
    claims: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Decides one claim at a time (its last two parts may be answered at the same moment)."""
    anchoring: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One list creation at a time (the worker and an offer may both want the same list made)."""
    letters: Callable[[str, Offer, Institution, Template], Letter] | None = None
    """Renders an offer's invitation e-mail in a language (the web layer's templates, handed in at start):
    the mail worker writes a cohort's letters with it."""
    mail_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when an e-mail is written to the outbox: the mail worker sends it at once."""
    anchor_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    """Set by a status-change request: the anchoring worker runs without waiting for its interval."""

    def didcomm(self, shard: str) -> asyncio.Semaphore:
        return self.shard_slots.setdefault(shard, asyncio.Semaphore(self.settings.didcomm_concurrency))

    def status_registry(self) -> tuple[ChainClient, str]:
        """The chain and the StatusRegistry the issuer writes its lists to. The controller has a chain client
        only when both are configured (``main``), and the anchoring runs only then."""
        if self.chain is None or self.settings.status_registry is None:
            raise RuntimeError("no chain or StatusRegistry is configured: nothing is anchored")
        return self.chain, self.settings.status_registry
