"""Employers: registered by the operator, each with its own API key and the name wallets show."""

from __future__ import annotations

from common.api_keys import key_hash, new_api_key
from common.db import existing

from ..context import VerifierContext
from ..domain import EmployerCreate, EmployerUpdate
from ..models import Employer


async def create_employer(ctx: VerifierContext, data: EmployerCreate) -> tuple[Employer, str]:
    api_key = new_api_key("mcv_")
    employer = Employer(name=data.name, logo_url=data.logo_url, api_key_hash=key_hash(api_key))
    async with ctx.sessions() as session, session.begin():
        session.add(employer)
    return employer, api_key


async def update_employer(ctx: VerifierContext, employer: Employer, data: EmployerUpdate) -> Employer:
    """Change how wallets show it; later invitations carry the change."""
    async with ctx.sessions() as session, session.begin():
        stored = await existing(session, Employer, employer.id)
        if "name" in data.model_fields_set and data.name is not None:
            stored.name = data.name
        if "logo_url" in data.model_fields_set:
            stored.logo_url = data.logo_url
    return stored
