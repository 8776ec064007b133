"""Request and response bodies of the issuer API (the credential model itself is common.microcredential)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from common.clock import UtcDatetime
from common.display import DisplayName, LogoUrl
from common.microcredential import Award, Template

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


class InstitutionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300, description="EU 4 — awarding body")
    country_code: CountryCode = Field(description="EU 3 — ISO 3166-1 alpha-2 country of the issuer")
    url: str | None = Field(None, max_length=500)
    identifiers: dict[str, str] = Field({}, description='Official identifiers, e.g. {"REGON": "000001"}')
    display_name: DisplayName | None = Field(None, description="What wallets show; the name when not set")
    logo_url: LogoUrl | None = Field(None, description="An https image wallets show beside the name")


class InstitutionUpdate(BaseModel):
    """How learners' wallets show the institution: an omitted field is left as it is, ``null`` clears it."""

    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = Field(None, description="What wallets show; the name when null")
    logo_url: LogoUrl | None = Field(None, description="An https image wallets show beside the name")


class InstitutionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    display_name: str | None
    logo_url: str | None
    country_code: str
    url: str | None
    identifiers: dict[str, str]
    did: str
    created_at: UtcDatetime
    chain_account: str | None = Field(
        None,
        description="The institution's own chain account: owns its status lists; bind it when accrediting",
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
    at: UtcDatetime
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
    transaction: str | None = Field(None, description="The StatusRegistry.update transaction's hash")
    block: int | None
    last_error: str | None = Field(None, description="Why the last anchoring attempt failed, while it waits")


class CredentialStatus(BaseModel):
    revoked: bool = Field(description="As anchored on chain")
    suspended: bool = Field(description="As anchored on chain")
    changes: list[StatusChangeOut]


class CredentialOut(OfferOut):
    status: CredentialStatus


class IssuerRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["self", "accredited", "list"] = Field(
        "accredited", description="this institution, any issuer accredited for `scope`, or one of `dids`"
    )
    scope: str = Field("any", max_length=200, description="For `accredited`: e.g. an IQR qualification code")
    dids: list[str] = Field([], description="For `list`: the issuers accepted")


class Requirement(BaseModel):
    """One kind of part: which achievements (or IQR learning-outcome-set codes) count, and how many."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    achievement_ids: list[str] = Field([], description="Parts that count, by achievement id")
    iqr_codes: list[str] = Field([], description="Parts that count, by IQR code (learning-outcome set)")
    at_least: int | None = Field(None, ge=1, description="How many of those (default: all)")
    issuers: IssuerRule = IssuerRule()
    max_age_days: int | None = Field(None, ge=1, description="Issued at most this many days ago")

    @model_validator(mode="after")
    def _one_kind_of_item(self) -> Requirement:
        if bool(self.achievement_ids) == bool(self.iqr_codes):
            raise ValueError("give achievement_ids or iqr_codes (one of them, not empty)")
        if self.at_least and self.at_least > len(self.items):
            raise ValueError(f"at_least {self.at_least} is more than the {len(self.items)} parts listed")
        return self

    @property
    def items(self) -> list[str]:
        return self.achievement_ids or self.iqr_codes


class PathwayCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    template_id: str = Field(description="The larger credential: one of this institution's templates")
    requirements: list[Requirement] = Field(min_length=1, max_length=50)
    policy: Literal["flag", "suspend", "revoke"] = Field(
        "flag",
        description="When a part is later revoked or suspended: list it, or also suspend / revoke the whole",
    )


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
    name: str | None = Field(None, max_length=300)


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
