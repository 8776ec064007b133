"""Request and response bodies of the issuer API (the credential model itself is common.microcredential)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from common.clock import UtcDatetime
from common.microcredential import Award, Template

from .domain import Email, Learner, Protocol, Requirement


class InstitutionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    display_name: str | None
    logo_url: str | None
    contact_email: str | None = None
    country_code: str
    url: str | None
    identifiers: dict[str, str]
    did: str
    created_at: UtcDatetime
    chain_account: str | None = Field(
        None,
        description="The institution's own chain account: owns its status lists; bind it when accrediting",
    )
    agent_shard: str = Field(
        description="The agent shard holding its wallet (where its DIDComm traffic goes)"
    )


class InstitutionCreated(InstitutionOut):
    api_key: str = Field(description="Shown once: the institution's key for X-API-Key")


class TemplateOut(BaseModel):
    id: str
    status: str
    achievement_id: str
    definition: Template
    created_at: UtcDatetime
    retired_at: UtcDatetime | None


class OfferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_id: str
    learner: Learner = Learner()
    award: Award = Award()
    protocol: Protocol = Field(
        default=Protocol.DIDCOMM,
        description="didcomm: a DIDComm invitation (Credo 0.5 wallets); oid4vci: an OpenID4VCI credential "
        "offer of an SD-JWT VC (Bifold 3, BC Wallet, Paradym, EU Digital Identity Wallets)",
    )
    tx_code: bool = Field(
        default=False,
        description="oid4vci only: the wallet must also give a 6-digit code, returned once in `tx_code`, "
        "for the institution to send the learner apart from the offer",
    )
    send_email: bool = Field(
        default=False,
        description="E-mail the invitation (its link and QR code) to `learner.email`; its fate goes on the "
        "offer's history. Needs a mail server (503, nothing made, without one)",
    )
    email_language: Literal["pl", "en"] = Field(default="pl", description="The e-mail's language")


class HistoryEntry(BaseModel):
    state: str
    at: UtcDatetime
    detail: str | None


class OfferOut(BaseModel):
    id: str
    state: str
    error: str | None
    template_id: str
    credential_id: str
    learner: Learner
    protocol: Protocol
    invitation_url: str | None = Field(
        description="What the QR code carries: a DIDComm invitation, or an `openid-credential-offer://` link "
        "to the offer by reference"
    )
    credential_offer_url: str | None = Field(
        default=None,
        description="oid4vci: the offer by value (`openid-credential-offer://?credential_offer=`)",
    )
    tx_code: str | None = Field(
        default=None, description="oid4vci: the transaction code, in the answer that created the offer only"
    )
    page_url: str
    qr_png_url: str
    qr_svg_url: str
    holder_did: str | None
    bulk_row: int | None = Field(default=None, description="The CSV line, for offers of a bulk issuance")
    created_at: UtcDatetime
    expires_at: UtcDatetime
    issued_at: UtcDatetime | None
    history: list[HistoryEntry]


class BulkJobOut(BaseModel):
    id: str
    template_id: str
    filename: str | None
    total: int
    offers_made: int
    by_state: dict[str, int]
    finished: bool


class StatusChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000, description="Why; kept in the credential's history")


class StatusChangeOut(BaseModel):
    id: str
    action: str = Field(description="revoke, suspend or reinstate")
    reason: str
    state: str = Field(description="pending (in the outbox), batched (transaction on its way) or anchored")
    requested_at: UtcDatetime
    anchored_at: UtcDatetime | None
    transaction: str | None = Field(default=None, description="The StatusRegistry.update transaction's hash")
    block: int | None
    last_error: str | None = Field(
        default=None, description="Why the last anchoring attempt failed, while it waits"
    )


class CredentialStatus(BaseModel):
    revoked: bool = Field(description="As anchored on chain")
    suspended: bool = Field(description="As anchored on chain")
    changes: list[StatusChangeOut]


class CredentialOut(OfferOut):
    status: CredentialStatus


class PathwayOut(BaseModel):
    id: str
    name: str
    template_id: str
    requirements: list[Requirement]
    policy: str
    page_url: str
    created_at: UtcDatetime


class ClaimCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email = Field(description="The learner's address: every part must name it (as its salted hash)")
    name: str | None = Field(default=None, max_length=300)


class ClaimOut(BaseModel):
    id: str
    pathway_id: str
    state: str
    email: str | None
    invitation_url: str | None
    qr_svg_url: str
    outcome: list[dict[str, Any]] | None
    parts: list[dict[str, Any]] | None
    offer_id: str | None
    affected: str | None
    affected_action: str | None
    created_at: UtcDatetime
    expires_at: UtcDatetime
