"""Request and response bodies of the issuer API (the credential model itself is common.microcredential)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from common.microcredential import Award, Template

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


class InstitutionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300, description="EU 4 — awarding body")
    country_code: CountryCode = Field(description="EU 3 — ISO 3166-1 alpha-2 country of the issuer")
    url: str | None = Field(None, max_length=500)
    identifiers: dict[str, str] = Field({}, description='Official identifiers, e.g. {"REGON": "000001"}')


class InstitutionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    country_code: str
    url: str | None
    identifiers: dict[str, str]
    did: str
    created_at: datetime
    chain_account: str | None = Field(
        None,
        description="The chain account that owns the institution's status lists (bind it when accrediting)",
    )


class InstitutionCreated(InstitutionOut):
    api_key: str = Field(description="Shown once: the institution's key for X-API-Key")


class TemplateOut(BaseModel):
    id: str
    status: str
    achievement_id: str
    definition: Template
    created_at: datetime
    retired_at: datetime | None


class Learner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email | None = Field(None, description="Goes into the credential only as a salted hash (EU 1)")
    name: str | None = Field(None, max_length=300)
    ref: str | None = Field(None, max_length=200, description="The institution's own learner id")


class OfferCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_id: str
    learner: Learner = Learner()
    award: Award = Award()


class HistoryEntry(BaseModel):
    state: str
    at: datetime
    detail: str | None


class OfferOut(BaseModel):
    id: str
    state: str
    error: str | None
    template_id: str
    credential_id: str
    learner: Learner
    invitation_url: str | None
    page_url: str
    qr_png_url: str
    qr_svg_url: str
    holder_did: str | None
    bulk_row: int | None = Field(None, description="The CSV line, for offers of a bulk issuance")
    created_at: datetime
    expires_at: datetime
    issued_at: datetime | None
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
    requested_at: datetime
    anchored_at: datetime | None
    transaction: str | None = Field(None, description="The StatusRegistry.update transaction's hash")
    block: int | None
    last_error: str | None = Field(None, description="Why the last anchoring attempt failed, while it waits")


class CredentialStatus(BaseModel):
    revoked: bool = Field(description="As anchored on chain")
    suspended: bool = Field(description="As anchored on chain")
    changes: list[StatusChangeOut]


class CredentialOut(OfferOut):
    status: CredentialStatus
