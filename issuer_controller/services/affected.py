"""Awarded wholes whose parts were revoked or suspended since: noted on the claim, and the pathway's policy
applied (flag only, or suspend / revoke the whole through the usual status change)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from common.db import existing
from revocation.errors import ChainError

from ..context import IssuerContext
from ..models import (
    Claim,
    ClaimState,
    Institution,
    Offer,
    OfferState,
    Pathway,
    PathwayPolicy,
    StatusAction,
)
from . import status_changes
from .claims import update_claim

log = logging.getLogger(__name__)

POLICY_ACTION = {PathwayPolicy.SUSPEND: StatusAction.SUSPEND, PathwayPolicy.REVOKE: StatusAction.REVOKE}
POLICY_DONE = {
    PathwayPolicy.FLAG: "flagged",
    PathwayPolicy.SUSPEND: "suspended",
    PathwayPolicy.REVOKE: "revoked",
}


async def watch_awarded(ctx: IssuerContext) -> None:
    """Awarded wholes whose parts were revoked or suspended since: noted, and the pathway's policy applied
    (flag only, or suspend / revoke the whole through the usual status change)."""
    if ctx.ports.status is None:
        return
    async with ctx.sessions() as session:
        rows = (
            await session.execute(
                select(Claim, Pathway, Offer)
                .join(Pathway, Pathway.id == Claim.pathway_id)
                .join(Offer, Offer.id == Claim.offer_id)
                .where(Claim.state == ClaimState.AWARDED, Claim.affected_action.is_(None))
                .where(Offer.state == OfferState.ISSUED)
            )
        ).tuples()
        rows = list(rows)
    for claim, pathway, offer in rows:
        try:
            why = await _part_lost(ctx, claim)
        except (ChainError, LookupError) as err:
            log.warning("claim %s: parts not checked: %s", claim.id, err)
            continue
        if why is None:
            continue
        policy = PathwayPolicy(pathway.policy)
        if policy in POLICY_ACTION:
            async with ctx.sessions() as session:
                institution = await existing(session, Institution, pathway.institution_id)
            await status_changes.request_change(ctx, institution, offer.id, POLICY_ACTION[policy], why)
        await update_claim(ctx, Claim.id == claim.id, _noting(why, POLICY_DONE[policy]))


def _noting(why: str, action: str):
    def note(claim: Claim) -> bool:
        claim.affected, claim.affected_action = why, action
        return True

    return note


async def _part_lost(ctx: IssuerContext, claim: Claim) -> str | None:
    for part in claim.parts or []:
        entries = part.get("status_entries") or []
        if ctx.ports.status is None:
            raise LookupError("no chain is configured: a part's status cannot be read")
        views = await ctx.ports.status.read(
            sorted({e["statusListCredential"] for e in entries}), part["issuer"]
        )
        for entry in entries:
            view = views[entry["statusListCredential"]]
            if isinstance(view, Exception):
                raise view
            if view.bits[int(entry["statusListIndex"])]:
                said = "revoked" if entry.get("statusPurpose") == "revocation" else "suspended"
                return f"part {part['id']} ({part['name']}, from {part['issuer']}) was {said}"
    return None


async def affected_claims(ctx: IssuerContext, pathway: Pathway) -> list[tuple[Claim, Offer]]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(Claim, Offer)
            .join(Offer, Offer.id == Claim.offer_id)
            .where(Claim.pathway_id == pathway.id, Claim.affected.is_not(None))
            .order_by(Claim.updated_at)
        )
        return list(rows.tuples())
