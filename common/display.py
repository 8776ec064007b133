"""How an institution or an employer appears in a learner's wallet: the name and logo its invitations carry
(DIDComm out-of-band ``label`` and ``imageUrl``), so a wallet's connections are not all called "issuer"."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, HttpUrl, TypeAdapter, ValidationError

__all__ = ["DisplayName", "LogoUrl"]

DisplayName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S")]

_HTTP_URL = TypeAdapter(HttpUrl)


def _https(value: Any) -> str:
    try:
        url = _HTTP_URL.validate_python(value)
    except ValidationError as err:
        raise ValueError(err.errors()[0]["msg"]) from None
    if url.scheme != "https":
        raise ValueError("a logo must be served over https (wallets on phones fetch it)")
    return str(url)


LogoUrl = Annotated[str, Field(max_length=500, json_schema_extra={"format": "uri"}), AfterValidator(_https)]
"""The URL as the API was given it, normalised (a str: what the database stores and invitations carry)."""
