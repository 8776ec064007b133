"""A proof request's lifecycle, whichever protocol asked the wallet (DIDComm present-proof or OpenID4VP):
forward-only state moves, and the employer's callback, called once when the request is final."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from common.db import change_row
from common.lifecycle import move, required
from common.outbound import OutboundRefused
from common.verification import Criteria

from ..context import VerifierContext
from ..models import CallbackState, ProofRequest, ProofRequestEvent, RequestState, now
from ..views import request_out

CALLBACK_ANSWER_BYTES = 64_000
"""How much of an employer's answer to a callback is read (it is not kept)."""


def criteria_of(request: ProofRequest) -> Criteria:
    """As stored; requests made before ``accredited_only`` left the API still carry it (it did nothing)."""
    known = {name: value for name, value in request.criteria.items() if name in Criteria.__dataclass_fields__}
    return Criteria(**known)


async def change(ctx: VerifierContext, where, apply: Callable[[ProofRequest], bool]) -> ProofRequest | None:
    query = select(ProofRequest).where(where).options(selectinload(ProofRequest.events))
    return await change_row(ctx.sessions, query, apply)


async def advance(
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

    moved = await change(ctx, where, forward)
    if moved is not None and state.final and moved.callback_url:
        ctx.tasks.spawn(deliver_callback(ctx, moved.id), name=f"callback {moved.id}")
    return moved


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

    await change(ctx, ProofRequest.id == request_id, record)
