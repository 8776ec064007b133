"""How a proof request is shown: to its employer over the API, and in the callback when it is final (the
same JSON both ways)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from common.clock import UtcDatetime

from .models import ProofRequest


class HistoryEntry(BaseModel):
    state: str
    at: UtcDatetime
    detail: str | None


class ProofRequestOut(BaseModel):
    id: str
    state: str
    error: str | None
    criteria: dict[str, Any]
    purpose: str | None
    protocol: str
    invitation_url: str | None = Field(
        description="What the QR code carries: a DIDComm invitation or an `openid4vp://` request"
    )
    page_url: str
    qr_png_url: str
    qr_svg_url: str
    challenge: str
    domain: str
    verified: bool | None
    report: dict[str, Any] | None
    presentation: dict[str, Any] | None = Field(description="What the wallet presented, as received")
    callback_url: str | None
    callback_state: str | None
    created_at: UtcDatetime
    expires_at: UtcDatetime
    finished_at: UtcDatetime | None
    history: list[HistoryEntry]


def request_out(request: ProofRequest, public_url: str) -> ProofRequestOut:
    page = f"{public_url}/requests/{request.id}"
    return ProofRequestOut(
        id=request.id,
        state=request.state,
        error=request.error,
        criteria=request.criteria,
        purpose=request.purpose,
        protocol=request.protocol,
        invitation_url=request.invitation_url,
        page_url=page,
        qr_png_url=f"{page}/qr.png",
        qr_svg_url=f"{page}/qr.svg",
        challenge=request.challenge,
        domain=request.domain,
        verified=request.verified,
        report=request.report,
        presentation=request.presentation,
        callback_url=request.callback_url,
        callback_state=request.callback_state,
        created_at=request.created_at,
        expires_at=request.expires_at,
        finished_at=request.finished_at,
        history=[HistoryEntry(state=e.state, at=e.at, detail=e.detail) for e in request.events],
    )
