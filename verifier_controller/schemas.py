"""Request and response bodies of the verifier API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from common.clock import UtcDatetime
from common.display import LogoUrl

from .models import ProofRequest


class EmployerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300, description="What candidates' wallets show")
    logo_url: LogoUrl | None = Field(None, description="An https image wallets show beside the name")


class EmployerUpdate(BaseModel):
    """How candidates' wallets show the employer: an omitted field is left as it is, ``null`` clears the
    logo."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=300)
    logo_url: LogoUrl | None = Field(None, description="An https image; null removes it")


class EmployerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    logo_url: str | None
    created_at: UtcDatetime


class EmployerCreated(EmployerOut):
    api_key: str = Field(description="Shown once: the employer's key for X-API-Key")


class CriteriaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    achievement_id: str | None = Field(None, max_length=500, description="A given achievement (its id)")
    iqr_code: str | None = Field(
        None, max_length=100, description="An IQR qualification or learning-outcome-set code"
    )
    min_eqf_level: int | None = Field(None, ge=1, le=8, description="At least this EQF level")
    not_expired: bool = Field(
        True,
        description="Valid now; false also accepts a credential past its validUntil (the skill was proven "
        "then). The issuer's accreditation at issuance is always checked: it is what makes a status list "
        "the issuer's.",
    )


class ProofRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    criteria: CriteriaIn = CriteriaIn()
    purpose: str | None = Field(None, max_length=500, description="Shown in the wallet: why you ask")
    callback_url: HttpUrl | None = Field(
        None, description="Called once (POST, this request's JSON) when final"
    )


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
    invitation_url: str | None
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


class VerificationOut(BaseModel):
    id: str
    kind: str
    verified: bool
    report: dict[str, Any]
    created_at: UtcDatetime
