"""``python -m issuer_controller.tenants``: institutions registered before tenancy move into tenant wallets
of their own, keeping their DIDs and keys (``common.tenant_migration``). Run it with the controller's
settings while its instances are stopped (compose: ``docker compose run --rm issuer python -m
issuer_controller.tenants``); it prints what it did, and what it left and why."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from common.tenant_migration import command

from .config import IssuerSettings
from .db import MIGRATIONS
from .domain import Protocol
from .models import Claim, ClaimState, Institution, Offer, OfferState, Pathway

OPEN_OFFERS = [OfferState.INVITED, OfferState.CONNECTED, OfferState.OFFERED]


async def busy(session: AsyncSession, institution: Institution) -> str | None:
    """DIDComm offers and claims still open: their connections are in the base wallet."""
    offers = await session.scalar(
        select(func.count()).where(
            Offer.institution_id == institution.id,
            Offer.protocol == Protocol.DIDCOMM,
            Offer.state.in_(OPEN_OFFERS),
        )
    )
    claims = await session.scalar(
        select(func.count())
        .select_from(Claim)
        .join(Pathway, Pathway.id == Claim.pathway_id)
        .where(
            Pathway.institution_id == institution.id,
            Claim.state.in_([ClaimState.INVITED, ClaimState.CHECKING]),
        )
    )
    if offers or claims:
        return f"{offers} DIDComm offers and {claims} claims still open: run again once they have ended"
    return None


def main() -> None:
    settings = IssuerSettings()  # pyright: ignore[reportCallIssue] - filled from MCRED_ISSUER_*
    asyncio.run(
        command(
            settings,
            settings.database_url,
            MIGRATIONS,
            Institution,
            name=lambda i: i.shown_name,
            dids=lambda i: [i.did],
            busy=busy,
        )  # fmt: skip
    )


if __name__ == "__main__":
    main()
