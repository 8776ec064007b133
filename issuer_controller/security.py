"""API keys: the operator's (creates institutions) and one per institution, stored only as a SHA-256."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select

from common.api_keys import is_operator_key, key_hash
from common.errors import Unauthorized
from common.web.auth import api_key_header

from .models import Institution


async def current_institution(
    request: Request, key: Annotated[str | None, Depends(api_key_header)]
) -> Institution:
    if not key:
        raise Unauthorized("send the institution's API key in the X-API-Key header")
    async with request.app.state.issuer.sessions() as session:
        institution = await session.scalar(
            select(Institution).where(Institution.api_key_hash == key_hash(key))
        )
    if institution is None:
        raise Unauthorized("the X-API-Key is not the key of any institution")
    return institution


async def operator(request: Request, key: Annotated[str | None, Depends(api_key_header)]) -> None:
    if not is_operator_key(key, request.app.state.issuer.settings.admin_api_key.get_secret_value()):
        raise Unauthorized("creating institutions needs the operator's API key in X-API-Key")


CurrentInstitution = Annotated[Institution, Depends(current_institution)]
OperatorOnly = Depends(operator)
