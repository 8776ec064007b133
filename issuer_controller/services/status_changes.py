"""Revoke, suspend, reinstate: the request is persisted first (the outbox) and the anchoring worker puts it
on chain. A repeated request returns the change already made, so retries never double a status change."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from revocation.token_status_list import position as token_position

from ..context import IssuerContext
from ..errors import Conflict, NotFound, NotReady, ServiceUnavailable
from ..models import (
    Institution,
    Offer,
    OfferEvent,
    OfferState,
    StatusAction,
    StatusAllocation,
    StatusChange,
    StatusList,
    now,
)

ATTEMPTS = 5


def effective(changes: list[StatusChange]) -> tuple[StatusChange | None, StatusChange | None]:
    """The revocation (if any) and the latest suspension or reinstatement, requested or anchored."""
    revoked = next((c for c in changes if c.action == StatusAction.REVOKE), None)
    suspension = [c for c in changes if c.action != StatusAction.REVOKE]
    return revoked, (suspension[-1] if suspension else None)


def _repeat_or_refuse(offer: Offer, action: StatusAction) -> StatusChange | None:
    """The change this request repeats (returned as is), None when it is a new one; refuses what the
    credential's status does not allow."""
    revoked, suspension = effective(offer.status_changes)
    if revoked is not None:
        if action is StatusAction.REVOKE:
            return revoked
        raise Conflict(f"credential {offer.id} is revoked: revocation is final")
    suspended = suspension is not None and suspension.action == StatusAction.SUSPEND
    if action is StatusAction.SUSPEND and suspended:
        return suspension
    if action is StatusAction.REINSTATE and not suspended:
        if suspension is not None:
            return suspension
        raise Conflict(f"credential {offer.id} is not suspended: there is nothing to reinstate")
    return None


async def request_change(
    ctx: IssuerContext, institution: Institution, offer_id: str, action: StatusAction, reason: str
) -> tuple[StatusChange, bool]:
    """Returns the change and whether it is new. Concurrent requests for one credential are serialised by
    the offer's version (optimistic lock): the later one re-reads and sees the first."""
    if ctx.chain is None:
        raise ServiceUnavailable("no chain is configured (MCRED_ISSUER_CHAIN_RPC_URL): status cannot change")
    for _ in range(ATTEMPTS):
        try:
            change, created = await _record(ctx, institution, offer_id, action, reason)
        except StaleDataError:
            continue
        if created:
            ctx.anchor_wakeup.set()
        return change, created
    raise Conflict(f"credential {offer_id} is being changed by another request; try again")


async def _record(
    ctx: IssuerContext, institution: Institution, offer_id: str, action: StatusAction, reason: str
) -> tuple[StatusChange, bool]:
    async with ctx.sessions() as session, session.begin():
        offer = await session.get(
            Offer, offer_id, options=[selectinload(Offer.status_changes).selectinload(StatusChange.batch)]
        )
        if offer is None or offer.institution_id != institution.id:
            raise NotFound(f"no credential {offer_id} for this institution")
        if offer.state != OfferState.ISSUED:
            raise NotReady(f"credential {offer_id} is {offer.state}, not issued: its status cannot change")
        repeated = _repeat_or_refuse(offer, action)
        if repeated is not None:
            return repeated, False
        entries = (
            await session.execute(
                select(StatusAllocation.list_id, StatusAllocation.index, StatusList.purpose)
                .join(StatusList, StatusList.id == StatusAllocation.list_id)
                .where(
                    StatusAllocation.offer_id == offer.id, StatusList.purpose.in_([action.purpose, "token"])
                )
                .order_by(StatusList.purpose)
            )
        ).all()
        # One change per list the credential's copies point to: its W3C list of this purpose and, for an
        # SD-JWT VC, the bit of this purpose in its token status list entry.
        changes = [
            StatusChange(
                offer_id=offer.id,
                action=action,
                reason=reason,
                list_id=list_id,
                index=token_position(index, action.purpose) if purpose == "token" else index,
                batch=None,
            )
            for list_id, index, purpose in entries
        ]
        session.add_all(changes)
        session.add(OfferEvent(offer_id=offer.id, state=action, detail=f"requested: {reason}"))
        offer.updated_at = now()  # bumps the offer's version: a concurrent request for it fails and re-reads
    return changes[0], True
