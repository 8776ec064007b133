"""What the verifier's services take of an employer. The API takes these as request bodies (``schemas``);
services never import the API's modules."""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict, Field

from common.display import LogoUrl


class Protocol(enum.StrEnum):
    """How the wallet is asked: DIDComm present-proof, or OpenID4VP."""

    DIDCOMM = "didcomm"
    OID4VP = "oid4vp"


class EmployerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300, description="What candidates' wallets show")
    logo_url: LogoUrl | None = Field(default=None, description="An https image wallets show beside the name")


class EmployerUpdate(BaseModel):
    """How candidates' wallets show the employer: an omitted field is left as it is, ``null`` clears the
    logo."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=300)
    logo_url: LogoUrl | None = Field(default=None, description="An https image; null removes it")
