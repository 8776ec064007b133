"""API keys: the operator's (registers employers) and one per employer, stored only as a SHA-256."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select

from common.api_keys import is_operator_key, key_hash
from common.errors import Unauthorized
from common.web.auth import api_key_header

from .models import Employer


async def current_employer(request: Request, key: Annotated[str | None, Depends(api_key_header)]) -> Employer:
    if not key:
        raise Unauthorized("send the employer's API key in the X-API-Key header")
    async with request.app.state.verifier.sessions() as session:
        employer = await session.scalar(select(Employer).where(Employer.api_key_hash == key_hash(key)))
    if employer is None:
        raise Unauthorized("the X-API-Key is not the key of any employer")
    return employer


async def optional_employer(
    request: Request, key: Annotated[str | None, Depends(api_key_header)]
) -> Employer | None:
    """Verifying a file is open to anyone (the public page); an employer's key files it under them."""
    return await current_employer(request, key) if key else None


async def operator(request: Request, key: Annotated[str | None, Depends(api_key_header)]) -> None:
    if not is_operator_key(key, request.app.state.verifier.settings.admin_api_key.get_secret_value()):
        raise Unauthorized("registering employers needs the operator's API key in X-API-Key")


CurrentEmployer = Annotated[Employer, Depends(current_employer)]
MaybeEmployer = Annotated[Employer | None, Depends(optional_employer)]
OperatorOnly = Depends(operator)
