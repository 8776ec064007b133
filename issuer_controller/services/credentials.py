"""Issued credentials: list, read with history, download the standard profile (JSON or baked PNG)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from common.baking import badge_png, bake_png

from ..context import IssuerContext
from ..errors import NotFound, NotReady
from ..models import Institution, Offer, OfferState, StatusChange
from .offers import WITHOUT_CREDENTIALS

WITH_HISTORY = (
    selectinload(Offer.events),
    selectinload(Offer.status_changes).selectinload(StatusChange.batch),
)


async def list_credentials(
    ctx: IssuerContext, institution: Institution, template_id: str | None, limit: int, offset: int
) -> list[Offer]:
    query = select(Offer).where(Offer.institution_id == institution.id, Offer.state == OfferState.ISSUED)
    if template_id:
        query = query.where(Offer.template_id == template_id)
    query = query.options(*WITHOUT_CREDENTIALS, *WITH_HISTORY)
    query = query.order_by(Offer.issued_at).limit(limit).offset(offset)
    async with ctx.sessions() as session:
        return list(await session.scalars(query))


async def issued_credential(ctx: IssuerContext, institution: Institution, offer_id: str) -> Offer:
    async with ctx.sessions() as session:
        offer = await session.get(Offer, offer_id, options=list(WITH_HISTORY))
    if offer is None or offer.institution_id != institution.id:
        raise NotFound(f"no credential {offer_id} for this institution")
    if offer.state != OfferState.ISSUED:
        raise NotReady(f"credential {offer_id} is {offer.state}, not issued")
    return offer


def copy_of(offer: Offer, copy: dict | None, profile: str) -> dict:
    """One W3C copy of an issued credential; an SD-JWT VC delivered over OpenID4VCI has none."""
    if copy is None:
        raise NotReady(f"credential {offer.id} was delivered as {offer.protocol}: it has no {profile} copy")
    return copy


def baked_badge(offer: Offer) -> bytes:
    return bake_png(badge_png(), copy_of(offer, offer.standard_credential, "standard"))
