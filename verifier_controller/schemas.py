"""Request and response bodies of the verifier API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from common.clock import UtcDatetime

from .domain import Protocol


class EmployerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    logo_url: str | None
    created_at: UtcDatetime
    agent_shard: str = Field(
        description="The agent shard holding its wallet (where its DIDComm traffic goes)"
    )


class EmployerCreated(EmployerOut):
    api_key: str = Field(description="Shown once: the employer's key for X-API-Key")


class CriteriaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    achievement_id: str | None = Field(
        default=None, max_length=500, description="A given achievement (its id)"
    )
    iqr_code: str | None = Field(
        None, max_length=100, description="An IQR qualification or learning-outcome-set code"
    )
    min_eqf_level: int | None = Field(default=None, ge=1, le=8, description="At least this EQF level")
    not_expired: bool = Field(
        True,
        description="Valid now; false also accepts a credential past its validUntil (the skill was proven "
        "then). The issuer's accreditation at issuance is always checked: it is what makes a status list "
        "the issuer's.",
    )


class ProofRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    criteria: CriteriaIn = CriteriaIn()
    protocol: Protocol = Field(
        default=Protocol.DIDCOMM,
        description="didcomm: a DIDComm invitation (Credo 0.5 wallets); oid4vp: an OpenID4VP request for the "
        "SD-JWT VC (Bifold 3, BC Wallet, Paradym, EU Digital Identity Wallets)",
    )
    purpose: str | None = Field(default=None, max_length=500, description="Shown in the wallet: why you ask")
    callback_url: HttpUrl | None = Field(
        None, description="Called once (POST, this request's JSON) when final"
    )


class VerificationOut(BaseModel):
    id: str
    kind: str
    verified: bool
    report: dict[str, Any]
    created_at: UtcDatetime
