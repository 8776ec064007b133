"""What the issuer's services take: the institution, the learner, a pathway's rules. The API takes these as
its request bodies (``schemas`` adds the answers); services never import the API's modules."""

from __future__ import annotations

import enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from common.display import DisplayName, LogoUrl


class Protocol(enum.StrEnum):
    """How the credential reaches the learner's wallet."""

    DIDCOMM = "didcomm"
    OID4VCI = "oid4vci"


CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


class InstitutionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300, description="EU 4 — awarding body")
    country_code: CountryCode = Field(description="EU 3 — ISO 3166-1 alpha-2 country of the issuer")
    url: str | None = Field(default=None, max_length=500)
    identifiers: dict[str, str] = Field(
        default_factory=dict, description='Official identifiers, e.g. {"REGON": "000001"}'
    )
    display_name: DisplayName | None = Field(
        default=None, description="What wallets show; the name when not set"
    )
    logo_url: LogoUrl | None = Field(default=None, description="An https image wallets show beside the name")
    contact_email: Email | None = Field(
        default=None, description="Where learners write with questions (offer pages, invitation e-mails)"
    )


class InstitutionUpdate(BaseModel):
    """How learners' wallets show the institution: an omitted field is left as it is, ``null`` clears it."""

    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = Field(
        default=None, description="What wallets show; the name when null"
    )
    logo_url: LogoUrl | None = Field(default=None, description="An https image wallets show beside the name")
    contact_email: Email | None = Field(
        default=None, description="Where learners write with questions (offer pages, invitation e-mails)"
    )


class Learner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email | None = Field(
        default=None, description="Goes into the credential only as a salted hash (EU 1)"
    )
    name: str | None = Field(default=None, max_length=300)
    ref: str | None = Field(default=None, max_length=200, description="The institution's own learner id")


class IssuerRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["self", "accredited", "list"] = Field(
        "accredited", description="this institution, any issuer accredited for `scope`, or one of `dids`"
    )
    scope: str = Field(
        default="any", max_length=200, description="For `accredited`: e.g. an IQR qualification code"
    )
    dids: list[str] = Field(default_factory=list, description="For `list`: the issuers accepted")


class Requirement(BaseModel):
    """One kind of part: which achievements (or IQR learning-outcome-set codes) count, and how many."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    achievement_ids: list[str] = Field(
        default_factory=list, description="Parts that count, by achievement id"
    )
    iqr_codes: list[str] = Field(
        default_factory=list, description="Parts that count, by IQR code (learning-outcome set)"
    )
    at_least: int | None = Field(default=None, ge=1, description="How many of those (default: all)")
    issuers: IssuerRule = IssuerRule()
    max_age_days: int | None = Field(default=None, ge=1, description="Issued at most this many days ago")

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
