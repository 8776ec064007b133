"""How an institution or an employer appears in a learner's wallet: the name and logo its invitations carry
(DIDComm out-of-band ``label`` and ``imageUrl``), so a wallet's connections are not all called "issuer"."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, HttpUrl

__all__ = ["DisplayName", "LogoUrl"]

DisplayName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"\S")]


def _https(url: HttpUrl) -> str:
    if url.scheme != "https":
        raise ValueError("a logo must be served over https (wallets on phones fetch it)")
    return str(url)


LogoUrl = Annotated[HttpUrl, Field(max_length=500), AfterValidator(_https)]
