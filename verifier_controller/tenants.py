"""``python -m verifier_controller.tenants``: employers registered before tenancy move into tenant wallets
of their own, keeping their DIDs (``common.tenant_migration``). Run it with the controller's settings while
its instances are stopped; it prints what it did, and what it left and why."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from common.tenant_migration import command

from .config import VerifierSettings
from .db import MIGRATIONS
from .domain import Protocol
from .models import Employer, ProofRequest, RequestState


async def busy(session: AsyncSession, employer: Employer) -> str | None:
    """DIDComm requests still open: their connections are in the base wallet."""
    open_requests = await session.scalar(
        select(func.count()).where(
            ProofRequest.employer_id == employer.id,
            ProofRequest.protocol == Protocol.DIDCOMM,
            ProofRequest.state.in_([RequestState.INVITED, RequestState.CONNECTED, RequestState.REQUESTED]),
        )
    )
    return (
        f"{open_requests} DIDComm requests still open: run again once they have ended"
        if open_requests
        else None
    )


def main() -> None:
    settings = VerifierSettings()  # pyright: ignore[reportCallIssue] - filled from MCRED_VERIFIER_*
    asyncio.run(
        command(
            settings,
            settings.database_url,
            MIGRATIONS,
            Employer,
            name=lambda e: e.name,
            dids=lambda e: [e.did] if e.did else [],
            busy=busy,
        )  # fmt: skip
    )


if __name__ == "__main__":
    main()
