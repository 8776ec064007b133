"""Asking a connected wallet for a presentation (present-proof v2, DIF Presentation Exchange) and reading its
answer: what an employer's proof request and each part of a stacking claim do, written once.

Crash safety is the caller's row plus ``ask``: the caller stores its row with a fresh challenge *before*
asking; ``ask`` adopts an exchange already started on the connection for that challenge (a crash came after
the agent sent the request, before the exchange's id was stored) instead of asking the wallet a second time.
Webhooks announce connections and answers (``event``); the reconciler reads an answer they missed
(``answer``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from agent.client import ACTIVE_CONNECTION_STATES

__all__ = [
    "Answer",
    "Answered",
    "Connected",
    "ExchangeAgent",
    "Problem",
    "answer",
    "ask",
    "challenge_of",
    "event",
]

Record = dict[str, Any]

ENDED = ("done", "abandoned")


class ExchangeAgent(Protocol):
    """What this needs of the agent's admin client (``agent.client.AdminClient``)."""

    async def presentation_exchanges(self, *, connection_id: str | None = None) -> list[Record]: ...

    async def presentation_exchange(self, pres_ex_id: str) -> Record: ...

    async def request_presentation(
        self,
        connection_id: str | None,
        presentation_definition: Record,
        *,
        challenge: str,
        domain: str,
        comment: str | None = None,
    ) -> Record: ...


async def ask(
    agent: ExchangeAgent,
    connection_id: str,
    definition: Record,
    *,
    challenge: str,
    domain: str,
    comment: str | None,
) -> Record:
    """The exchange asking for ``definition`` with ``challenge``: the one a crash left on the connection, else
    a new request. Either way the wallet is asked once."""
    for record in await agent.presentation_exchanges(connection_id=connection_id):
        if challenge_of(record) == challenge:
            return record
    return await agent.request_presentation(
        connection_id, definition, challenge=challenge, domain=domain, comment=comment
    )


@dataclass(frozen=True)
class Answer:
    ended: bool
    """The exchange is over (presented, or the wallet declined / failed)."""
    presentation: Record | None = None
    """What the wallet presented, as received (verify it: the agent checked only signatures)."""
    why_not: str | None = None
    """Why there is no presentation, in the wallet's or the agent's words."""


async def answer(agent: ExchangeAgent, pres_ex_id: str) -> Answer:
    record = await agent.presentation_exchange(pres_ex_id)
    if record.get("state") not in ENDED:
        return Answer(ended=False)
    presentation = ((record.get("by_format") or {}).get("pres") or {}).get("dif")
    if record.get("state") == "done" and presentation:
        return Answer(ended=True, presentation=presentation)
    return Answer(ended=True, why_not=record.get("error_msg") or "the wallet did not present")


@dataclass(frozen=True)
class Connected:
    invitation_msg_id: str
    connection_id: str


@dataclass(frozen=True)
class Answered:
    pres_ex_id: str
    error: str | None


@dataclass(frozen=True)
class Problem:
    thread_id: str
    description: str


def event(topic: str, payload: Record) -> Connected | Answered | Problem | None:
    """What a webhook of the agent means for an exchange, if anything."""
    if topic == "connections":
        if payload.get("state") in ACTIVE_CONNECTION_STATES and payload.get("invitation_msg_id"):
            return Connected(payload["invitation_msg_id"], payload["connection_id"])
    elif topic == "present_proof_v2_0":
        if payload.get("state") in ENDED and payload.get("pres_ex_id"):
            return Answered(payload["pres_ex_id"], payload.get("error_msg"))
    elif topic == "problem_report":
        thread = (payload.get("~thread") or {}).get("thid")
        if thread:
            description = (payload.get("description") or {}).get("en") or "the wallet could not answer"
            return Problem(thread, description)
    return None


def challenge_of(record: Record) -> str | None:
    """The challenge an exchange asked the wallet to answer."""
    request = ((record.get("by_format") or {}).get("pres_request") or {}).get("dif") or {}
    return (request.get("options") or {}).get("challenge")
