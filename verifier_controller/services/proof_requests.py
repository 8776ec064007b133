"""Proof requests: invitation → connection → present-proof request → presentation → report.

Webhooks drive each step; a reconciler follows up what webhooks missed (a restart, a lost message). Every
request ends final: verified or rejected (a report), failed (the wallet declined or could not answer) or
expired; an employer's callback is then called once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from agent.client import ACTIVE_CONNECTION_STATES, AdminClient
from agent.errors import AgentError, AgentNotFoundError
from common import present_proof
from common.clock import aware
from common.db import existing
from common.errors import InvalidRequest, NotFound
from common.lifecycle import required
from common.outbound import OutboundRefused
from common.verification import Criteria, PortUnavailable, verify_document
from common.verification.request import presentation_definition

from ..context import VerifierContext
from ..domain import Protocol
from ..models import CallbackState, Employer, ProofRequest, ProofRequestEvent, RequestState, new_id, now
from . import oid4vp
from .request_lifecycle import advance, criteria_of, deliver_callback

log = logging.getLogger(__name__)


async def create_request(
    ctx: VerifierContext,
    employer: Employer,
    criteria: Criteria,
    purpose: str | None,
    callback_url: str | None,
    protocol: Protocol = Protocol.DIDCOMM,
) -> ProofRequest:
    """Persisted with its invitation before it is returned: nothing half-made is left if the agent fails.
    Over OpenID4VP the invitation is an ``openid4vp://`` link to a request signed by the employer's DID."""
    if callback_url is not None:
        try:
            await ctx.settings.outbound.check(callback_url)
        except OutboundRefused as err:
            raise InvalidRequest(
                f"callback_url: {err}", errors=[{"field": "callback_url", "reason": str(err)}]
            ) from err
    request = ProofRequest(
        id=new_id(),
        employer_id=employer.id,
        criteria=criteria.__dict__,
        protocol=protocol,
        purpose=purpose,
        challenge=str(uuid.uuid4()),
        callback_url=callback_url,
        expires_at=now() + timedelta(hours=ctx.settings.request_ttl_hours),
    )
    if protocol == Protocol.OID4VP:
        did = await oid4vp.employer_did(ctx, employer)
        request.domain = oid4vp.client_id(did)
        request.invitation_url = oid4vp.authorization_link(ctx.settings.public_url, did, request.id)
        request.events = [ProofRequestEvent(state=RequestState.INVITED, detail="authorization request made")]
    else:
        invitation = await ctx.agents.of(employer).create_invitation(
            label=employer.name,
            image_url=employer.logo_url,
            alias=employer.name,
            goal_code="aries.vc.verify",
            goal=purpose or f"{employer.name} asks for a microcredential",
        )
        request.domain = ctx.domain
        request.invitation_msg_id = invitation.invitation_msg_id
        request.invitation_url = invitation.url
        request.events = [ProofRequestEvent(state=RequestState.INVITED, detail="invitation made")]
    async with ctx.sessions() as session, session.begin():
        session.add(request)
    return await get_request(ctx, employer, request.id)


async def get_request(ctx: VerifierContext, employer: Employer, request_id: str) -> ProofRequest:
    async with ctx.sessions() as session:
        request = await session.get(ProofRequest, request_id, options=[selectinload(ProofRequest.events)])
    if request is None or request.employer_id != employer.id:
        raise NotFound(f"no proof request {request_id} for this employer")
    return request


async def list_requests(
    ctx: VerifierContext, employer: Employer, limit: int, offset: int, *, newest_first: bool = False
) -> list[ProofRequest]:
    order = ProofRequest.created_at.desc() if newest_first else ProofRequest.created_at
    async with ctx.sessions() as session:
        return list(
            await session.scalars(
                select(ProofRequest)
                .where(ProofRequest.employer_id == employer.id)
                .options(selectinload(ProofRequest.events))
                .order_by(order)
                .limit(limit)
                .offset(offset)
            )
        )


async def public_request(ctx: VerifierContext, request_id: str) -> ProofRequest:
    async with ctx.sessions() as session:
        request = await session.get(ProofRequest, request_id)
    if request is None:
        raise NotFound(f"no proof request {request_id}")
    return request


# --- webhooks ------------------------------------------------------------------------------------------
async def on_webhook(ctx: VerifierContext, topic: str, payload: dict[str, Any], agent: AdminClient) -> None:
    """``agent``: the wallet the event came from (the employer's)."""
    match present_proof.event(topic, payload):
        case present_proof.Connected(invitation_msg_id, connection_id):
            await _connected(ctx, invitation_msg_id, connection_id)
        case present_proof.Answered(pres_ex_id, _):
            await finish(ctx, agent, pres_ex_id)
        case present_proof.Problem(thread_id, description):
            await advance(
                ctx, ProofRequest.thread_id == thread_id, RequestState.FAILED, f"wallet: {description}"
            )


async def _connected(ctx: VerifierContext, invitation_msg_id: str, connection_id: str) -> None:
    moved = await advance(
        ctx,
        ProofRequest.invitation_msg_id == invitation_msg_id,
        RequestState.CONNECTED,
        "wallet connected",
        connection_id=connection_id,
    )
    if moved is not None:
        ctx.tasks.spawn(send_request(ctx, moved.id), name=f"request {moved.id}")


async def send_request(ctx: VerifierContext, request_id: str) -> None:
    """Ask the wallet, once (``present_proof.ask`` adopts what a crash left behind), by one instance at a
    time (a webhook here and a reconciler there may both start it)."""
    async with ctx.leases.held(f"ask:{request_id}") as mine:
        if mine:
            await _send_request(ctx, request_id)


async def _send_request(ctx: VerifierContext, request_id: str) -> None:
    async with ctx.sessions() as session:
        request = await session.get(ProofRequest, request_id)
        if request is None or request.state != RequestState.CONNECTED:
            return
        agent = ctx.agents.of(await existing(session, Employer, request.employer_id))
    record = await present_proof.ask(
        agent,
        required(request.connection_id, f"connected request {request.id}'s connection"),
        presentation_definition(criteria_of(request), request.purpose),
        challenge=request.challenge,
        domain=request.domain,
        comment=request.purpose,
    )
    await advance(
        ctx,
        ProofRequest.id == request_id,
        RequestState.REQUESTED,
        "presentation requested",
        pres_ex_id=record["pres_ex_id"],
        thread_id=record["thread_id"],
    )
    if record.get("state") in ("done", "abandoned"):
        await finish(ctx, agent, record["pres_ex_id"])


async def finish(ctx: VerifierContext, agent: AdminClient, pres_ex_id: str) -> None:
    """The wallet answered: every credential presented through the pipeline, the report stored; or the
    reason there is nothing to verify."""
    async with ctx.sessions() as session:
        request = await session.scalar(select(ProofRequest).where(ProofRequest.pres_ex_id == pres_ex_id))
    if request is None or RequestState(request.state).final:
        return
    answered = await present_proof.answer(agent, pres_ex_id)
    if not answered.ended:
        return
    if answered.presentation is None:
        await advance(ctx, ProofRequest.id == request.id, RequestState.FAILED, answered.why_not or "")
        return
    try:
        report = await verify_document(
            ctx.ports,
            answered.presentation,
            challenge=request.challenge,
            domain=request.domain,
            criteria=criteria_of(request),
        )
    except PortUnavailable as err:  # no verdict yet: the request stays open, the reconciler verifies again
        log.warning("proof request %s waits: %s", request.id, err)
        return
    state = RequestState.VERIFIED if report["verified"] else RequestState.REJECTED
    failed = [c["id"] for cred in report["credentials"] for c in cred["checks"] if c["status"] == "failed"]
    detail = "every check passed" if report["verified"] else "failed: " + ", ".join(failed)
    await advance(
        ctx, ProofRequest.id == request.id, state, detail,
        report=report, verified=report["verified"], presentation=answered.presentation,
    )  # fmt: skip


# --- reconciliation ------------------------------------------------------------------------------------
async def reconcile(ctx: VerifierContext) -> None:
    """Follow up requests no webhook moved for ``exchange_timeout``: a connection we did not hear of, a
    request not sent, a presentation not processed; expire the stale; retry callbacks. One instance at a
    time (a lease); the others' passes skip while it runs."""
    async with ctx.leases.held("reconcile") as mine:
        if mine:
            await _reconcile(ctx)


async def _reconcile(ctx: VerifierContext) -> None:
    cutoff = now() - timedelta(seconds=ctx.settings.exchange_timeout)
    async with ctx.sessions() as session:
        stale = list(
            await session.scalars(
                select(ProofRequest).where(
                    ProofRequest.state.in_(
                        [RequestState.INVITED, RequestState.CONNECTED, RequestState.REQUESTED]
                    ),
                    ProofRequest.updated_at < cutoff,
                )
            )
        )
        callbacks = list(
            await session.scalars(
                select(ProofRequest.id).where(
                    ProofRequest.callback_state == CallbackState.PENDING, ProofRequest.updated_at < cutoff
                )
            )
        )
    for request in stale:
        try:
            await _follow(ctx, request)
        except AgentError as err:
            log.warning("reconcile proof request %s: %s", request.id, err)
    for request_id in callbacks:
        await deliver_callback(ctx, request_id)


async def _follow(ctx: VerifierContext, request: ProofRequest) -> None:
    if request.protocol == Protocol.OID4VP:
        await oid4vp.follow(ctx, request)
        return
    async with ctx.sessions() as session:
        agent = ctx.agents.of(await existing(session, Employer, request.employer_id))
    if request.state == RequestState.INVITED:
        invitation = required(request.invitation_msg_id, f"invited request {request.id}'s invitation")
        for connection in await agent.connections(invitation_msg_id=invitation):
            if connection.get("state") in ACTIVE_CONNECTION_STATES:
                await _connected(ctx, invitation, connection["connection_id"])
                return
    elif request.state == RequestState.CONNECTED:
        await send_request(ctx, request.id)
        return
    elif request.state == RequestState.REQUESTED:
        try:
            await finish(ctx, agent, required(request.pres_ex_id, f"requested {request.id}'s exchange"))
        except AgentNotFoundError:
            await advance(ctx, ProofRequest.id == request.id, RequestState.FAILED, "the exchange is gone")
            return
    if aware(request.expires_at) < now():
        await advance(
            ctx, ProofRequest.id == request.id, RequestState.EXPIRED,
            f"not answered within {ctx.settings.request_ttl_hours:g} h",
        )  # fmt: skip
