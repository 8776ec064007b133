"""Proof requests: invitation → connection → present-proof request → presentation → report.

Webhooks drive each step; a reconciler follows up what webhooks missed (a restart, a lost message). Every
request ends final: verified or rejected (a report), failed (the wallet declined or could not answer) or
expired; an employer's callback is then called once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from agent.client import ACTIVE_CONNECTION_STATES
from agent.errors import AgentError, AgentNotFoundError
from common import present_proof
from common.clock import aware
from common.db import change_row
from common.errors import InvalidRequest, NotFound
from common.lifecycle import move, required
from common.outbound import OutboundRefused
from common.verification import Criteria, PortUnavailable, verify_document
from common.verification.request import presentation_definition

from ..context import VerifierContext
from ..models import CallbackState, Employer, ProofRequest, ProofRequestEvent, RequestState, now
from ..views import request_out

log = logging.getLogger(__name__)

CALLBACK_ANSWER_BYTES = 64_000
"""How much of an employer's answer to a callback is read (it is not kept)."""


def criteria_of(request: ProofRequest) -> Criteria:
    """As stored; requests made before ``accredited_only`` left the API still carry it (it did nothing)."""
    known = {name: value for name, value in request.criteria.items() if name in Criteria.__dataclass_fields__}
    return Criteria(**known)


async def create_request(
    ctx: VerifierContext,
    employer: Employer,
    criteria: Criteria,
    purpose: str | None,
    callback_url: str | None,
) -> ProofRequest:
    """Persisted with its invitation before it is returned: nothing half-made is left if the agent fails."""
    if callback_url is not None:
        try:
            await ctx.settings.outbound.check(callback_url)
        except OutboundRefused as err:
            raise InvalidRequest(
                f"callback_url: {err}", errors=[{"field": "callback_url", "reason": str(err)}]
            ) from err
    goal = purpose or f"{employer.name} asks for a microcredential"
    invitation = await ctx.agent.create_invitation(
        label=employer.name,
        image_url=employer.logo_url,
        alias=employer.name,
        goal_code="aries.vc.verify",
        goal=goal,
    )
    request = ProofRequest(
        employer_id=employer.id,
        criteria=criteria.__dict__,
        purpose=purpose,
        challenge=str(uuid.uuid4()),
        domain=ctx.domain,
        invitation_msg_id=invitation.invitation_msg_id,
        invitation_url=invitation.url,
        callback_url=callback_url,
        expires_at=now() + timedelta(hours=ctx.settings.request_ttl_hours),
        events=[ProofRequestEvent(state=RequestState.INVITED, detail="invitation made")],
    )
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
    ctx: VerifierContext, employer: Employer, limit: int, offset: int
) -> list[ProofRequest]:
    async with ctx.sessions() as session:
        return list(
            await session.scalars(
                select(ProofRequest)
                .where(ProofRequest.employer_id == employer.id)
                .options(selectinload(ProofRequest.events))
                .order_by(ProofRequest.created_at)
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


# --- state changes -------------------------------------------------------------------------------------
async def _change(ctx: VerifierContext, where, apply: Callable[[ProofRequest], bool]) -> ProofRequest | None:
    query = select(ProofRequest).where(where).options(selectinload(ProofRequest.events))
    return await change_row(ctx.sessions, query, apply)


async def _advance(
    ctx: VerifierContext, where, state: RequestState, detail: str, **fields: Any
) -> ProofRequest | None:
    """Move forward only: a late or repeated event never moves a request back or out of a final state."""

    def forward(request: ProofRequest) -> bool:
        if not move(request, state):
            return False
        request.events.append(ProofRequestEvent(state=state, detail=detail))
        for name, value in fields.items():
            setattr(request, name, value)
        if state.final:
            request.finished_at = now()
            if request.callback_url:
                request.callback_state = CallbackState.PENDING
        return True

    moved = await _change(ctx, where, forward)
    if moved is not None and state.final and moved.callback_url:
        ctx.tasks.spawn(deliver_callback(ctx, moved.id), name=f"callback {moved.id}")
    return moved


# --- webhooks ------------------------------------------------------------------------------------------
async def on_webhook(ctx: VerifierContext, topic: str, payload: dict[str, Any]) -> None:
    match present_proof.event(topic, payload):
        case present_proof.Connected(invitation_msg_id, connection_id):
            await _connected(ctx, invitation_msg_id, connection_id)
        case present_proof.Answered(pres_ex_id, _):
            await finish(ctx, pres_ex_id)
        case present_proof.Problem(thread_id, description):
            await _advance(
                ctx, ProofRequest.thread_id == thread_id, RequestState.FAILED, f"wallet: {description}"
            )


async def _connected(ctx: VerifierContext, invitation_msg_id: str, connection_id: str) -> None:
    moved = await _advance(
        ctx,
        ProofRequest.invitation_msg_id == invitation_msg_id,
        RequestState.CONNECTED,
        "wallet connected",
        connection_id=connection_id,
    )
    if moved is not None:
        ctx.tasks.spawn(send_request(ctx, moved.id), name=f"request {moved.id}")


async def send_request(ctx: VerifierContext, request_id: str) -> None:
    """Ask the wallet, once (``present_proof.ask`` adopts what a crash left behind)."""
    async with ctx.sessions() as session:
        request = await session.get(ProofRequest, request_id)
    if request is None or request.state != RequestState.CONNECTED:
        return
    record = await present_proof.ask(
        ctx.agent,
        required(request.connection_id, f"connected request {request.id}'s connection"),
        presentation_definition(criteria_of(request), request.purpose),
        challenge=request.challenge,
        domain=request.domain,
        comment=request.purpose,
    )
    await _advance(
        ctx,
        ProofRequest.id == request_id,
        RequestState.REQUESTED,
        "presentation requested",
        pres_ex_id=record["pres_ex_id"],
        thread_id=record["thread_id"],
    )
    if record.get("state") in ("done", "abandoned"):
        await finish(ctx, record["pres_ex_id"])


async def finish(ctx: VerifierContext, pres_ex_id: str) -> None:
    """The wallet answered: every credential presented through the pipeline, the report stored; or the
    reason there is nothing to verify."""
    async with ctx.sessions() as session:
        request = await session.scalar(select(ProofRequest).where(ProofRequest.pres_ex_id == pres_ex_id))
    if request is None or RequestState(request.state).final:
        return
    answered = await present_proof.answer(ctx.agent, pres_ex_id)
    if not answered.ended:
        return
    if answered.presentation is None:
        await _advance(ctx, ProofRequest.id == request.id, RequestState.FAILED, answered.why_not or "")
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
    await _advance(
        ctx, ProofRequest.id == request.id, state, detail,
        report=report, verified=report["verified"], presentation=answered.presentation,
    )  # fmt: skip


# --- callbacks -----------------------------------------------------------------------------------------
async def deliver_callback(ctx: VerifierContext, request_id: str) -> None:
    """POST the final request (with its report) to the employer's URL; a 2xx marks it delivered, so it is
    called once; failures are retried by the reconciler, up to ``callback_attempts``."""
    async with ctx.sessions() as session:
        request = await session.get(ProofRequest, request_id, options=[selectinload(ProofRequest.events)])
    if request is None or request.callback_state != CallbackState.PENDING:
        return
    body = request_out(request, ctx.settings.public_url).model_dump(mode="json")
    try:
        response = await ctx.settings.outbound.request(
            ctx.http, "POST", required(request.callback_url, "a pending callback's URL"), json=body,
            max_bytes=CALLBACK_ANSWER_BYTES, timeout=ctx.settings.fetch_timeout,
        )  # fmt: skip
        delivered = 200 <= response.status < 300
        why = "callback delivered" if delivered else "callback not accepted"  # never the remote's code
    except OutboundRefused as err:
        delivered, why = False, f"callback not delivered: {err}"

    def record(request: ProofRequest) -> bool:
        if request.callback_state != CallbackState.PENDING:
            return False
        request.callback_attempts += 1
        if delivered:
            request.callback_state = CallbackState.DELIVERED
        elif request.callback_attempts >= ctx.settings.callback_attempts:
            request.callback_state = CallbackState.GAVE_UP
        request.events.append(ProofRequestEvent(state=request.state, detail=why))
        return True

    await _change(ctx, ProofRequest.id == request_id, record)


# --- reconciliation ------------------------------------------------------------------------------------
async def reconcile(ctx: VerifierContext) -> None:
    """Follow up requests no webhook moved for ``exchange_timeout``: a connection we did not hear of, a
    request not sent, a presentation not processed; expire the stale; retry callbacks."""
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
    if request.state == RequestState.INVITED:
        invitation = required(request.invitation_msg_id, f"invited request {request.id}'s invitation")
        for connection in await ctx.agent.connections(invitation_msg_id=invitation):
            if connection.get("state") in ACTIVE_CONNECTION_STATES:
                await _connected(ctx, invitation, connection["connection_id"])
                return
    elif request.state == RequestState.CONNECTED:
        await send_request(ctx, request.id)
        return
    elif request.state == RequestState.REQUESTED:
        try:
            await finish(ctx, required(request.pres_ex_id, f"requested {request.id}'s exchange"))
        except AgentNotFoundError:
            await _advance(ctx, ProofRequest.id == request.id, RequestState.FAILED, "the exchange is gone")
            return
    if aware(request.expires_at) < now():
        await _advance(
            ctx, ProofRequest.id == request.id, RequestState.EXPIRED,
            f"not answered within {ctx.settings.request_ttl_hours:g} h",
        )  # fmt: skip
