"""Offers: one learner's microcredential, from invitation to issued.

invited → connected → offered → issued, or failed / expired with the reason. Agent webhooks advance an
offer; ``reconcile`` asks the agent about offers webhooks left alone too long, so a webhook missed while the
controller was down changes nothing but the delay (docs/issuance.md). Each offer has its own invitation and
so its own connection: that connection's exchanges tell, after a crash, whether the credential was already
offered (never twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer, selectinload

from agent.client import ACTIVE_CONNECTION_STATES, AdminClient, Record
from agent.errors import AgentError, AgentNotFoundError, AgentRejectedError, AgentUnavailableError
from common.clock import aware
from common.db import change_row, existing
from common.lifecycle import move, required
from common.microcredential import (
    Award,
    Profile,
    StatusEntry,
    Template as TemplateDefinition,
    build_credential,
    hashed_email,
    ob3_document,
)
from revocation.errors import ChainError

from ..context import IssuerContext
from ..domain import Learner, Protocol
from ..errors import NotFound
from ..models import (
    Institution,
    Offer,
    OfferEvent,
    OfferState,
    StatusAllocation,
    StatusChange,
    StatusList,
    Template,
    new_id,
    now,
)
from . import status_index
from .anchoring import ensure_lists_on_chain
from .holder import HolderBindingError, holder_did
from .institutions import issuer_profile
from .oid4vci_offers import new_pre_authorized_code, offer_uri, tx_code_hash
from .status_lists import list_url
from .templates import active, get_template

log = logging.getLogger(__name__)

WITHOUT_CREDENTIALS = (defer(Offer.wallet_credential), defer(Offer.standard_credential), defer(Offer.sd_jwt))
"""For listings: an offer's signed credentials are kilobytes each and no listing shows them."""
RECONCILE_BATCH = 500
"""Stuck exchanges one reconcile pass asks the agent about, longest-untouched first."""
ANSWER_POLL = 1.0
"""Seconds between looks at an offered credential's row while its slot waits for the wallet's answer."""


def record_event(offer: Offer, state: OfferState, detail: str | None = None) -> bool:
    """Move the offer forward (``common.lifecycle``), noting why; False if nothing changed."""
    if not move(offer, state):
        return False
    if state in (OfferState.FAILED, OfferState.EXPIRED):
        offer.error = detail
    offer.events.append(OfferEvent(state=state, detail=detail))
    return True


def _new_offer(
    ctx: IssuerContext,
    institution: Institution,
    template: Template,
    learner: Learner,
    award: Award,
    *,
    bulk: tuple[str, int] | None,
    protocol: Protocol,
    tx_code: str | None = None,
) -> Offer:
    """The offer as it will be stored; an OpenID4VCI one with its credential offer (no agent call)."""
    offer = Offer(
        id=new_id(),
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
        protocol=protocol,
        events=[],
    )
    if protocol == Protocol.OID4VCI:
        offer.pre_authorized_code = new_pre_authorized_code()
        offer.tx_code_hash = tx_code_hash(offer.id, tx_code) if tx_code else None
        offer.invitation_url = offer_uri(ctx.settings.public_url, offer)
        offer.events.append(OfferEvent(state=OfferState.INVITED, detail="credential offer created"))
    return offer


async def _store(ctx: IssuerContext, institution: Institution, offers: list[Offer]) -> None:
    """The offers and their status entries, in one transaction (all of them or none)."""
    async with ctx.sessions() as session, session.begin():
        session.add_all(offers)
        await session.flush()
        for protocol in {Protocol(o.protocol) for o in offers}:
            ids = [o.id for o in offers if o.protocol == protocol]
            for purpose in status_index.PURPOSES[protocol]:
                await status_index.allocate(
                    session, institution.id, purpose, ctx.settings.status_list_size, ids
                )


async def create_offer(
    ctx: IssuerContext,
    institution: Institution,
    template_id: str,
    learner: Learner,
    award: Award,
    *,
    bulk: tuple[str, int] | None = None,
    connection_id: str | None = None,
    protocol: Protocol = Protocol.DIDCOMM,
    tx_code: str | None = None,
) -> Offer:
    """Allocate status indexes and an invitation; nothing is stored unless all of it succeeded. With
    ``connection_id`` (a claim's, whose learner is already connected) there is no invitation: the offer
    starts connected and the caller sends it. Over OpenID4VCI the invitation is a credential offer with a
    one-time pre-authorized code (and ``tx_code``, if given, to be typed in by the learner). The agent is
    asked for a DIDComm invitation before the transaction opens: no database write waits on the agent (an
    invitation whose offer was then not stored is never answered by anything of ours)."""
    template = active(await get_template(ctx, institution, template_id))
    offer = _new_offer(
        ctx, institution, template, learner, award, bulk=bulk, protocol=protocol, tx_code=tx_code
    )
    if protocol == Protocol.DIDCOMM and connection_id is not None:
        offer.state, offer.connection_id = OfferState.CONNECTED, connection_id
        offer.events.append(OfferEvent(state=OfferState.CONNECTED, detail="on a claim's connection"))
    elif protocol == Protocol.DIDCOMM:
        definition = TemplateDefinition.model_validate(template.definition)
        invitation = await ctx.agents.of(institution).create_invitation(
            label=institution.shown_name,
            image_url=institution.logo_url,
            alias=f"offer {offer.id}",
            goal_code="aries.vc.issue",
            goal=definition.text(definition.title),
        )
        offer.oob_id = invitation.oob_id
        offer.invitation_msg_id = invitation.invitation_msg_id
        offer.invitation_url = invitation.url
        offer.events.append(OfferEvent(state=OfferState.INVITED, detail="invitation created"))
    await _store(ctx, institution, [offer])
    return offer


async def create_offers(
    ctx: IssuerContext,
    institution: Institution,
    template_id: str,
    rows: list[tuple[int, Learner, Award]],
    job_id: str,
) -> None:
    """A bulk job's OpenID4VCI offers, many in one transaction: they need no agent call, so a cohort's
    invitations are ready as fast as the database takes them."""
    template = active(await get_template(ctx, institution, template_id))
    offers = [
        _new_offer(ctx, institution, template, learner, award, bulk=(job_id, row), protocol=Protocol.OID4VCI)
        for row, learner, award in rows
    ]
    await _store(ctx, institution, offers)


async def get_offer(
    ctx: IssuerContext, institution: Institution, offer_id: str, *, history: bool = False
) -> Offer:
    """``history``: with its status changes and their batches (transactions) too."""
    options = [selectinload(Offer.events)]
    if history:
        options.append(selectinload(Offer.status_changes).selectinload(StatusChange.batch))
    async with ctx.sessions() as session:
        offer = await session.get(Offer, offer_id, options=options)
    if offer is None or offer.institution_id != institution.id:
        raise NotFound(f"no offer {offer_id} for this institution")
    return offer


async def list_offers(
    ctx: IssuerContext,
    institution: Institution,
    state: OfferState | None,
    limit: int,
    offset: int,
    *,
    search: str | None = None,
    newest_first: bool = False,
) -> list[Offer]:
    """``search``: part of the learner's name, e-mail address or reference, any case."""
    query = select(Offer).where(Offer.institution_id == institution.id)
    if state is not None:
        query = query.where(Offer.state == state)
    if search:
        pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                *(
                    func.lower(c).like(pattern, escape="\\")
                    for c in (Offer.learner_name, Offer.learner_email, Offer.learner_ref)
                )
            )
        )
    query = query.options(
        *WITHOUT_CREDENTIALS, selectinload(Offer.events), selectinload(Offer.status_changes)
    )
    order = Offer.created_at.desc() if newest_first else Offer.created_at
    query = query.order_by(order).limit(limit).offset(offset)
    async with ctx.sessions() as session:
        return list(await session.scalars(query))


async def count_by_state(ctx: IssuerContext, institution: Institution) -> dict[str, int]:
    query = (
        select(Offer.state, func.count()).where(Offer.institution_id == institution.id).group_by(Offer.state)
    )
    async with ctx.sessions() as session:
        counted = dict((state, count) for state, count in (await session.execute(query)).all())
    return {state.value: counted.get(state.value, 0) for state in OfferState}


async def public_offer(ctx: IssuerContext, offer_id: str) -> tuple[Offer, Institution, Template]:
    """What the learner's landing page shows; the offer id is the unguessable part of its URL."""
    async with ctx.sessions() as session:
        offer = await session.get(Offer, offer_id)
        if offer is None:
            raise NotFound(f"no offer {offer_id}")
        institution = await existing(session, Institution, offer.institution_id)
        template = await existing(session, Template, offer.template_id)
    return offer, institution, template


# --- webhooks -------------------------------------------------------------------------------------------
async def on_webhook(ctx: IssuerContext, topic: str, payload: dict[str, Any], agent: AdminClient) -> None:
    """``agent``: the wallet the event came from (the institution's)."""
    if topic == "connections":
        await _on_connection(ctx, payload)
    elif topic == "issue_credential_v2_0":
        await _on_credential_exchange(ctx, payload, agent)
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
        ctx.tasks.spawn(send_credential(ctx, moved), name=f"send credential {moved}")


async def _on_credential_exchange(ctx: IssuerContext, payload: dict[str, Any], agent: AdminClient) -> None:
    # By connection: each offer has its own, and the wallet may answer before we stored the exchange id;
    # events of an exchange the offer replaced (an unanswered one, withdrawn) are not the offer's.
    if payload.get("connection_id") and payload.get("cred_ex_id"):
        current = or_(Offer.cred_ex_id.is_(None), Offer.cred_ex_id == payload["cred_ex_id"])
        await _apply_exchange(
            ctx, agent, and_(Offer.connection_id == payload["connection_id"], current), payload
        )


async def _apply_exchange(ctx: IssuerContext, agent: AdminClient, where, record: Record) -> None:
    ids = {"cred_ex_id": record["cred_ex_id"], "thread_id": record.get("thread_id")}
    state = record.get("state")
    if state == "offer-sent":
        await _advance(ctx, where, OfferState.OFFERED, "credential offered", **ids)
    elif state == "done":
        credential = ((record.get("by_format") or {}).get("cred_issue") or {}).get("ld_proof")
        if credential is None:
            record = await agent.credential_exchange(record["cred_ex_id"])
            credential = record["by_format"]["cred_issue"]["ld_proof"]
        await _advance(
            ctx, where, OfferState.ISSUED, "stored by the wallet",
            wallet_credential=credential, issued_at=now(), **ids,
        )  # fmt: skip
    elif state == "abandoned":
        await _advance(ctx, where, OfferState.FAILED, record.get("error_msg") or "exchange abandoned", **ids)


async def _advance(ctx: IssuerContext, where, state: OfferState, detail: str, **fields: Any) -> str | None:
    """Move the offer matching ``where`` to ``state`` (if that is forward); returns its id if it moved."""

    def forward(offer: Offer) -> bool:
        if not record_event(offer, state, detail):
            return False
        for name, value in fields.items():
            setattr(offer, name, value)
        return True

    moved = await _change(ctx, where, forward)
    if moved is not None and state.final and (event := ctx.finished.get(moved)) is not None:
        event.set()
    return moved


async def _change(ctx: IssuerContext, where, apply: Callable[[Offer], bool]) -> str | None:
    """Run ``apply`` on the offer matching ``where`` in one transaction; returns its id if it changed
    (a webhook and the reconciler changing it at once are serialised by its version: history gets each
    state once)."""
    query = select(Offer).where(where).options(selectinload(Offer.events))
    offer = await change_row(ctx.sessions, query, apply)
    return offer.id if offer is not None else None


# --- connected → offered --------------------------------------------------------------------------------
async def send_credential(ctx: IssuerContext, offer_id: str) -> None:
    """Offer the wallet its credential over the offer's connection, once: an exchange that already
    exists on that connection (a crash after sending, before saving) is adopted instead of repeated."""
    if offer_id in ctx.finished:
        return  # already being sent (a webhook and the reconciler can both ask)
    finished = ctx.finished[offer_id] = asyncio.Event()
    try:
        async with ctx.sessions() as session:
            offer = await existing(session, Offer, offer_id)
            institution = await existing(session, Institution, offer.institution_id)
        shard, agent = institution.agent_shard, ctx.agents.of(institution)
        # At most `didcomm_concurrency` exchanges in flight per agent shard, across every instance: this
        # instance's waiters queue on its semaphore, the instances share the shard's slots (leases).
        slot = ctx.leases.slot(f"didcomm:{shard}", ctx.settings.didcomm_concurrency)
        async with ctx.didcomm(shard), slot:
            try:
                # One sender across instances (a webhook here and a reconciler there may both start one):
                # the other finds the lease taken, or the offer no longer connected once it is free.
                async with ctx.leases.held(f"send:{offer_id}") as mine:
                    sent = mine and await _send_credential(ctx, agent, offer_id)
                if sent:
                    # Hold the slot until the wallet has answered (or a while has passed: the reconciler
                    # follows up).
                    await asyncio.wait_for(_answered(ctx, offer_id, finished), ctx.settings.exchange_timeout)
            except (AgentRejectedError, AgentNotFoundError, HolderBindingError) as err:
                # The agent refused what we built, or the wallet has no key to bind to: a retry
                # would fail the same way.
                await _advance(ctx, Offer.id == offer_id, OfferState.FAILED, f"not offered: {err}")
            except AgentUnavailableError as err:
                log.warning("offer %s waits for the agent: %s", offer_id, err)
            except ChainError as err:
                log.warning("offer %s waits for the chain (its status lists): %s", offer_id, err)
            except TimeoutError:
                log.info("offer %s: the wallet has not answered yet; the reconciler follows it", offer_id)
    finally:
        ctx.finished.pop(offer_id, None)


async def _answered(ctx: IssuerContext, offer_id: str, finished: asyncio.Event) -> None:
    """Until the offer is final: told at once when this instance takes the wallet's answer (``finished``),
    read from the database within a second when another instance took it (its agent's webhooks go there)."""
    while not finished.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(finished.wait(), ANSWER_POLL)
        async with ctx.sessions() as session:
            offer = await session.get(Offer, offer_id)
        if offer is None or OfferState(offer.state).final:
            return


async def _send_credential(ctx: IssuerContext, agent: AdminClient, offer_id: str) -> bool:
    """True if an exchange is now in flight for the offer (``agent``: its institution's wallet)."""
    async with ctx.sessions() as session:
        offer = await session.get(Offer, offer_id)
        if offer is None or offer.state != OfferState.CONNECTED:
            return False
        started = [
            record
            for record in await agent.credential_exchanges(connection_id=offer.connection_id)
            if record["state"] != "abandoned"
        ]
    if started:
        await _apply_exchange(ctx, agent, Offer.id == offer_id, started[0])
        return started[0]["state"] not in ("done", "abandoned")
    await _deliver(ctx, offer_id)
    return True


async def _deliver(ctx: IssuerContext, offer_id: str, replacing: str | None = None) -> None:
    """Sign the standard profile (once, eddsa-rdfc-2022) and offer the wallet profile over the offer's
    connection; ``replacing`` names an unanswered exchange this one takes over from (withdrawn after)."""
    await ensure_lists_on_chain(ctx, offer_id)
    async with ctx.sessions() as session:
        offer = await existing(session, Offer, offer_id)
        institution = await existing(session, Institution, offer.institution_id)
        agent = ctx.agents.of(institution)
        connection_id = required(offer.connection_id, f"connected offer {offer_id}'s connection")
        holder = offer.holder_did or await holder_did(agent, connection_id)
        wallet, standard = await _credentials(session, offer, holder, ctx.settings.public_url)
    if offer.standard_credential is None:
        signed = await agent.sign_data_integrity(standard)
        await _update(ctx, offer_id, holder_did=holder, standard_credential=ob3_document(signed))
    record = await agent.offer_credential(
        connection_id,
        wallet,
        {"proofType": Profile.WALLET.proof_type, "proofPurpose": "assertionMethod"},
        comment=wallet["name"],
    )
    if replacing is None:
        await _apply_exchange(ctx, agent, Offer.id == offer_id, record)
        return
    await _update(
        ctx, offer_id, event=(OfferState.OFFERED, "offered again: the wallet did not answer the first offer"),
        cred_ex_id=record["cred_ex_id"], thread_id=record["thread_id"],
    )  # fmt: skip
    try:
        await agent.abandon_credential_exchange(replacing, "replaced by a new offer of the same credential")
    except AgentNotFoundError:
        pass


async def _update(
    ctx: IssuerContext, offer_id: str, event: tuple[OfferState, str] | None = None, **fields: Any
) -> None:
    """Change fields without moving the state, optionally noting an event in the history."""

    def change(offer: Offer) -> bool:
        for name, value in fields.items():
            setattr(offer, name, value)
        if event is not None:
            offer.events.append(OfferEvent(state=event[0], detail=event[1]))
        return True

    await _change(ctx, Offer.id == offer_id, change)


async def _credentials(
    session: AsyncSession, offer: Offer, holder: str, public_url: str
) -> tuple[Record, Record]:
    """Both delivery profiles of the offer's credential: same id, same status entries."""
    institution = await existing(session, Institution, offer.institution_id)
    template = await existing(session, Template, offer.template_id)
    rows = await session.execute(
        select(StatusAllocation, StatusList)
        .join(StatusList, StatusList.id == StatusAllocation.list_id)
        .where(StatusAllocation.offer_id == offer.id)
    )
    status = [
        StatusEntry(purpose, list_url(public_url, status_list.id), allocation.index)
        for allocation, status_list in sorted(rows.tuples(), key=lambda r: r[1].purpose)
        if (purpose := status_list.purpose) != "token"
    ]
    issuer = issuer_profile(institution)
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
    """One pass over offers that webhooks left alone for longer than ``exchange_timeout``; returns how
    many moved, by new state. Its cost to the agent stays small whatever the backlog: one listing of
    the connections that matter, then one call per stuck exchange."""
    cutoff = now() - timedelta(seconds=ctx.settings.exchange_timeout)
    unfinished = [OfferState.INVITED, OfferState.CONNECTED, OfferState.OFFERED]
    async with ctx.sessions() as session:
        pending = list(
            await session.scalars(
                select(Offer)
                .where(Offer.state.in_(unfinished), Offer.updated_at < cutoff)
                .order_by(Offer.updated_at)
            )
        )
        owners = {o.institution_id for o in pending}
        institutions = {
            i.id: i for i in await session.scalars(select(Institution).where(Institution.id.in_(owners)))
        }
    followed = [o for o in pending if o.state == OfferState.OFFERED][:RECONCILE_BATCH]
    invited = {
        o.institution_id for o in pending if o.state == OfferState.INVITED and o.protocol == Protocol.DIDCOMM
    }
    by_invitation: dict[str, list[Record]] = {}
    for institution_id in invited:
        try:
            for state in ("active", "request"):
                for connection in await ctx.agents.of(institutions[institution_id]).connections(state=state):
                    if invitation := connection.get("invitation_msg_id"):
                        by_invitation.setdefault(invitation, []).append(connection)
        except AgentError as err:  # its shard is down: the others' offers still move
            log.warning("reconcile: institution %s's connections: %s", institution_id, err)
    moved: dict[str, int] = {}
    for offer in [o for o in pending if o.state != OfferState.OFFERED] + followed:
        agent = ctx.agents.of(institutions[offer.institution_id])
        try:
            if offer.protocol == Protocol.OID4VCI:
                state = await _reconcile_oid4vci(ctx, offer)
            elif offer.state == OfferState.INVITED:
                state = await _reconcile_invited(
                    ctx, agent, offer, by_invitation.get(offer.invitation_msg_id or "", [])
                )
            elif offer.state == OfferState.CONNECTED:
                ctx.tasks.spawn(send_credential(ctx, offer.id), name=f"send credential {offer.id}")
                state = None
            else:
                state = await _follow_exchange(ctx, agent, offer)
        except AgentError as err:
            log.warning("reconcile %s: %s", offer.id, err)
            continue
        if state:
            moved[state] = moved.get(state, 0) + 1
    return moved


async def _reconcile_invited(
    ctx: IssuerContext, agent: AdminClient, offer: Offer, connections: list[Record]
) -> str | None:
    live = [c for c in connections if c.get("state") in ACTIVE_CONNECTION_STATES]
    if live:
        await _on_connection(ctx, {**live[0], "invitation_msg_id": offer.invitation_msg_id})
        return OfferState.CONNECTED
    for waiting in connections:
        # The wallet's request arrived but our agent never answered it (overload, a crash).
        if waiting.get("rfc23_state") == "request-received" and _stale(ctx, waiting):
            await agent.accept_connection_request(waiting["connection_id"])
    if aware(offer.expires_at) < now() and await _advance(
        ctx, Offer.id == offer.id, OfferState.EXPIRED,
        f"the invitation was not accepted within {ctx.settings.offer_ttl_hours:g} h",
    ):  # fmt: skip
        return OfferState.EXPIRED
    return None


async def _reconcile_oid4vci(ctx: IssuerContext, offer: Offer) -> str | None:
    """An OpenID4VCI offer has no exchange to follow: it ends when its code or its token runs out unused."""
    if offer.state == OfferState.INVITED and aware(offer.expires_at) < now():
        why = f"the credential offer was not redeemed within {ctx.settings.offer_ttl_hours:g} h"
        return (
            OfferState.EXPIRED if await _advance(ctx, Offer.id == offer.id, OfferState.EXPIRED, why) else None
        )
    ended = offer.token_expires_at is not None and aware(offer.token_expires_at) < now()
    if offer.state == OfferState.CONNECTED and ended:
        why = "the wallet redeemed the code but did not ask for the credential before its token expired"
        return (
            OfferState.FAILED if await _advance(ctx, Offer.id == offer.id, OfferState.FAILED, why) else None
        )
    return None


def _updated_at(record: Record) -> datetime:
    return aware(datetime.fromisoformat(record["updated_at"].replace("Z", "+00:00")))


def _stale(ctx: IssuerContext, record: Record) -> bool:
    """Unchanged in the agent for longer than a wallet takes to answer."""
    return now() - _updated_at(record) > timedelta(seconds=ctx.settings.exchange_timeout)


async def _follow_exchange(ctx: IssuerContext, agent: AdminClient, offer: Offer) -> str | None:
    """An offered credential: apply what the agent knows; an exchange stuck longer than
    ``exchange_timeout`` (a crash, a lost message) is resumed, re-offered or closed — never doubled."""
    try:
        record = await agent.credential_exchange(required(offer.cred_ex_id, f"offer {offer.id}'s exchange"))
    except AgentNotFoundError:  # the agent's exchange record is gone (a restored backup): offer anew
        await _deliver(ctx, offer.id, replacing=offer.cred_ex_id)
        return None
    state = record.get("state")
    if state in ("done", "abandoned"):
        await _apply_exchange(ctx, agent, Offer.id == offer.id, record)
        return state
    if not _stale(ctx, record):
        return None
    if state == "request-received":  # the crash came between the wallet's request and our answer
        await agent.issue_credential(record["cred_ex_id"])
        return None
    if state == "credential-issued":
        # Sent, never confirmed: the credential or the wallet's acknowledgement was lost. Offering again
        # could give the learner two copies, so the row ends here and says what to check.
        await _advance(
            ctx, Offer.id == offer.id, OfferState.FAILED,
            "unconfirmed: the credential was sent but the wallet never confirmed storing it; "
            "check the learner's wallet before offering again",
            wallet_credential=record["by_format"]["cred_issue"]["ld_proof"],
        )  # fmt: skip
        return OfferState.FAILED
    # offer-sent: the wallet never asked. Nothing was issued yet, so offering anew cannot double it.
    await _deliver(ctx, offer.id, replacing=offer.cred_ex_id)
    return None
