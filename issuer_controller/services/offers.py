"""Offers: one learner's microcredential, from invitation to issued.

invited → connected → offered → issued, or failed / expired with the reason. Agent webhooks advance an
offer; ``reconcile`` asks the agent about every unfinished offer, so a webhook missed while the controller
was down changes nothing but the delay. Each offer has its own invitation and so its own connection: that
connection's exchanges tell, after a crash, whether the credential was already offered (never twice).
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from agent.client import Record
from agent.errors import AgentError, AgentNotFoundError, AgentRejectedError, AgentUnavailableError
from common.microcredential import (
    Award,
    Profile,
    StatusEntry,
    build_credential,
    hashed_email,
    ob3_document,
)
from common.microcredential import (
    Institution as IssuerProfile,
)
from common.microcredential import (
    Template as TemplateDefinition,
)
from common.problems import Problem

from ..context import IssuerContext
from ..errors import NotFound
from ..models import (
    Institution,
    Offer,
    OfferEvent,
    OfferState,
    StatusAllocation,
    StatusList,
    Template,
    aware,
    now,
)
from ..schemas import Learner
from . import status_index
from .holder import holder_did
from .templates import active, get_template

log = logging.getLogger(__name__)

ACTIVE_CONNECTION_STATES = ("active", "completed")


def record_event(offer: Offer, state: OfferState, detail: str | None = None) -> bool:
    """Move the offer forward (never back, never out of a final state); False if nothing changed."""
    current = OfferState(offer.state)
    if current.final or (state.rank <= current.rank and not state.final):
        return False
    offer.state = state
    if state in (OfferState.FAILED, OfferState.EXPIRED):
        offer.error = detail
    offer.events.append(OfferEvent(state=state, detail=detail))
    return True


async def create_offer(
    ctx: IssuerContext,
    institution: Institution,
    template_id: str,
    learner: Learner,
    award: Award,
    *,
    bulk: tuple[str, int] | None = None,
) -> Offer:
    """Allocate status indexes and an invitation; nothing is stored unless all of it succeeded."""
    template = active(await get_template(ctx, institution, template_id))
    definition = TemplateDefinition.model_validate(template.definition)
    offer = Offer(
        institution_id=institution.id,
        template_id=template.id,
        credential_id=f"urn:uuid:{uuid.uuid4()}",
        learner_name=learner.name,
        learner_email=learner.email,
        learner_ref=learner.ref,
        identifier_salt=secrets.token_hex(8),
        award=award.model_dump(mode="json", exclude_none=True),
        expires_at=now() + timedelta(hours=ctx.settings.offer_ttl_hours),
        bulk_job_id=bulk[0] if bulk else None,
        bulk_row=bulk[1] if bulk else None,
        events=[],
    )
    async with ctx.sessions() as session, session.begin():
        session.add(offer)
        await session.flush()
        for purpose in status_index.PURPOSES:
            await status_index.allocate(
                session, institution.id, purpose, ctx.settings.status_list_size, offer.id
            )
        invitation = await ctx.agent.create_invitation(
            alias=f"offer {offer.id}", goal_code="aries.vc.issue", goal=definition.text(definition.title)
        )
        offer.oob_id = invitation.oob_id
        offer.invitation_msg_id = invitation.invitation_msg_id
        offer.invitation_url = invitation.url
        offer.events.append(OfferEvent(state=OfferState.INVITED, detail="invitation created"))
    return offer


async def get_offer(ctx: IssuerContext, institution: Institution, offer_id: str) -> Offer:
    async with ctx.sessions() as session:
        offer = await session.get(Offer, offer_id, options=[selectinload(Offer.events)])
    if offer is None or offer.institution_id != institution.id:
        raise NotFound(f"no offer {offer_id} for this institution")
    return offer


async def public_offer(ctx: IssuerContext, offer_id: str) -> tuple[Offer, Institution, Template]:
    """What the learner's landing page shows; the offer id is the unguessable part of its URL."""
    async with ctx.sessions() as session:
        offer = await session.get(Offer, offer_id)
        if offer is None:
            raise NotFound(f"no offer {offer_id}")
        institution = await session.get(Institution, offer.institution_id)
        template = await session.get(Template, offer.template_id)
    return offer, institution, template


# --- webhooks -------------------------------------------------------------------------------------------
async def on_webhook(ctx: IssuerContext, topic: str, payload: dict[str, Any]) -> None:
    if topic == "connections":
        await _on_connection(ctx, payload)
    elif topic == "issue_credential_v2_0":
        await _on_credential_exchange(ctx, payload)
    elif topic == "problem_report":
        thread = (payload.get("~thread") or {}).get("thid")
        description = (payload.get("description") or {}).get("en", "problem report")
        if thread:
            await _advance(ctx, Offer.thread_id == thread, OfferState.FAILED, f"wallet: {description}")


async def _on_connection(ctx: IssuerContext, payload: dict[str, Any]) -> None:
    if payload.get("state") not in ACTIVE_CONNECTION_STATES or not payload.get("invitation_msg_id"):
        return
    moved = await _advance(
        ctx,
        Offer.invitation_msg_id == payload["invitation_msg_id"],
        OfferState.CONNECTED,
        "wallet connected",
        connection_id=payload["connection_id"],
    )
    if moved is not None:
        ctx.spawn(send_credential(ctx, moved), name=f"send credential {moved}")


async def _on_credential_exchange(ctx: IssuerContext, payload: dict[str, Any]) -> None:
    cred_ex_id = payload.get("cred_ex_id")
    if not cred_ex_id:
        return
    await _apply_exchange(ctx, Offer.cred_ex_id == cred_ex_id, payload)


async def _apply_exchange(ctx: IssuerContext, where, record: Record) -> None:
    state = record.get("state")
    if state == "done":
        credential = ((record.get("by_format") or {}).get("cred_issue") or {}).get("ld_proof")
        if credential is None:
            record = await ctx.agent.credential_exchange(record["cred_ex_id"])
            credential = record["by_format"]["cred_issue"]["ld_proof"]
        await _advance(
            ctx, where, OfferState.ISSUED, "stored by the wallet",
            wallet_credential=credential, issued_at=now(),
        )  # fmt: skip
    elif state == "abandoned":
        await _advance(ctx, where, OfferState.FAILED, record.get("error_msg") or "exchange abandoned")


async def _advance(ctx: IssuerContext, where, state: OfferState, detail: str, **fields: Any) -> str | None:
    """Move the offer matching ``where`` to ``state`` (if that is forward); returns its id if it moved."""
    async with ctx.sessions() as session, session.begin():
        offer = await session.scalar(
            select(Offer).where(where).options(selectinload(Offer.events)).with_for_update()
        )
        if offer is None or not record_event(offer, state, detail):
            return None
        for name, value in fields.items():
            setattr(offer, name, value)
        return offer.id


# --- connected → offered --------------------------------------------------------------------------------
class OfferFailed(Problem):
    """The agent refused the credential we built: our bug or bad template data, never worth a retry."""


async def send_credential(ctx: IssuerContext, offer_id: str) -> None:
    """Offer the wallet its credential over the offer's connection, once: an exchange that already
    exists on that connection (a crash after sending, before saving) is adopted instead of repeated."""
    async with ctx.didcomm:
        try:
            await _send_credential(ctx, offer_id)
        except (AgentRejectedError, OfferFailed, AgentNotFoundError) as err:
            await _advance(ctx, Offer.id == offer_id, OfferState.FAILED, f"not offered: {err}")
        except AgentUnavailableError as err:
            log.warning("offer %s waits for the agent: %s", offer_id, err)


async def _send_credential(ctx: IssuerContext, offer_id: str) -> None:
    async with ctx.sessions() as session:
        offer = await session.get(Offer, offer_id)
        if offer is None or offer.state != OfferState.CONNECTED:
            return
        existing = await ctx.agent.credential_exchanges(connection_id=offer.connection_id)
        if existing:
            record = existing[0]
            await _advance(
                ctx, Offer.id == offer_id, OfferState.OFFERED, "offer found in the agent",
                cred_ex_id=record["cred_ex_id"], thread_id=record["thread_id"],
            )  # fmt: skip
            await _apply_exchange(ctx, Offer.id == offer_id, record)
            return
        holder = await holder_did(ctx.agent, offer.connection_id)
        wallet, standard = await _credentials(session, offer, holder, ctx.settings.public_url)

    signed = await ctx.agent.sign_credential(
        standard, {"proofType": Profile.STANDARD.proof_type, "proofPurpose": "assertionMethod"}
    )
    record = await ctx.agent.offer_credential(
        offer.connection_id,
        wallet,
        {"proofType": Profile.WALLET.proof_type, "proofPurpose": "assertionMethod"},
        comment=wallet["name"],
    )
    await _advance(
        ctx, Offer.id == offer_id, OfferState.OFFERED, "credential offered",
        cred_ex_id=record["cred_ex_id"], thread_id=record["thread_id"], holder_did=holder,
        standard_credential=ob3_document(signed),
    )  # fmt: skip


async def _credentials(
    session: AsyncSession, offer: Offer, holder: str, public_url: str
) -> tuple[Record, Record]:
    """Both delivery profiles of the offer's credential: same id, same status entries."""
    institution = await session.get(Institution, offer.institution_id)
    template = await session.get(Template, offer.template_id)
    rows = await session.execute(
        select(StatusAllocation, StatusList)
        .join(StatusList, StatusList.id == StatusAllocation.list_id)
        .where(StatusAllocation.offer_id == offer.id)
    )
    status = [
        StatusEntry(status_list.purpose, f"{public_url}/status-lists/{status_list.id}", allocation.index)
        for allocation, status_list in sorted(rows.tuples(), key=lambda r: r[1].purpose)
    ]
    issuer = IssuerProfile(
        did=institution.did,
        name=institution.name,
        country_code=institution.country_code,
        url=institution.url,
        identifiers=institution.identifiers,
    )
    identifier = hashed_email(offer.learner_email, offer.identifier_salt) if offer.learner_email else None
    issued_at = now()
    built = [
        build_credential(
            profile,
            template=TemplateDefinition.model_validate(template.definition),
            institution=issuer,
            credential_id=offer.credential_id,
            achievement_id=template.achievement_id,
            subject_did=holder,
            issued_at=issued_at,
            status=status,
            award=Award.model_validate(offer.award),
            identifier=identifier,
        )
        for profile in (Profile.WALLET, Profile.STANDARD)
    ]
    return built[0], built[1]


# --- reconciliation -------------------------------------------------------------------------------------
async def reconcile(ctx: IssuerContext) -> dict[str, int]:
    """One pass over unfinished offers against the agent; returns how many moved, by new state."""
    async with ctx.sessions() as session:
        pending = list(
            await session.scalars(
                select(Offer).where(
                    Offer.state.in_([OfferState.INVITED, OfferState.CONNECTED, OfferState.OFFERED])
                )
            )
        )
    moved: dict[str, int] = {}
    for offer in pending:
        try:
            state = await _reconcile_offer(ctx, offer)
        except AgentError as err:
            log.warning("reconcile %s: %s", offer.id, err)
            continue
        if state:
            moved[state] = moved.get(state, 0) + 1
    return moved


async def _reconcile_offer(ctx: IssuerContext, offer: Offer) -> str | None:
    if offer.state == OfferState.INVITED:
        connections = await ctx.agent.connections(invitation_msg_id=offer.invitation_msg_id)
        live = [c for c in connections if c.get("state") in ACTIVE_CONNECTION_STATES]
        if live:
            await _on_connection(ctx, {**live[0], "invitation_msg_id": offer.invitation_msg_id})
            return OfferState.CONNECTED
        if aware(offer.expires_at) < now():
            if await _advance(
                ctx, Offer.id == offer.id, OfferState.EXPIRED,
                f"the invitation was not accepted within {ctx.settings.offer_ttl_hours:g} h",
            ):  # fmt: skip
                return OfferState.EXPIRED
        return None
    if offer.state == OfferState.CONNECTED:
        await send_credential(ctx, offer.id)
        return None
    try:
        record = await ctx.agent.credential_exchange(offer.cred_ex_id)
    except AgentNotFoundError:
        await _advance(ctx, Offer.id == offer.id, OfferState.FAILED, "the agent lost the exchange")
        return OfferState.FAILED
    await _apply_exchange(ctx, Offer.id == offer.id, record)
    return record.get("state") if record.get("state") in ("done", "abandoned") else None
