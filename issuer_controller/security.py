"""API keys: the operator's (creates institutions) and one per institution, stored only as a SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from sqlalchemy import select

from .errors import Unauthorized
from .models import Institution

_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An institution's API key")


def new_api_key() -> str:
    return "mci_" + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def current_institution(request: Request, key: Annotated[str | None, Depends(_header)]) -> Institution:
    if not key:
        raise Unauthorized("send the institution's API key in the X-API-Key header")
    async with request.app.state.issuer.sessions() as session:
        institution = await session.scalar(
            select(Institution).where(Institution.api_key_hash == key_hash(key))
        )
    if institution is None:
        raise Unauthorized("the X-API-Key is not the key of any institution")
    return institution


async def operator(request: Request, key: Annotated[str | None, Depends(_header)]) -> None:
    expected = request.app.state.issuer.settings.admin_api_key.get_secret_value()
    if not key or not hmac.compare_digest(key.encode(), expected.encode()):
        raise Unauthorized("creating institutions needs the operator's API key in X-API-Key")


CurrentInstitution = Annotated[Institution, Depends(current_institution)]
OperatorOnly = Depends(operator)
