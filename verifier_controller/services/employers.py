"""Employers: registered by the operator, each with its own API key and the name wallets show."""

from __future__ import annotations

from common.api_keys import key_hash, new_api_key
from common.db import existing

from ..context import VerifierContext
from ..domain import EmployerCreate, EmployerUpdate
from ..models import Employer, new_id


async def create_employer(ctx: VerifierContext, data: EmployerCreate) -> tuple[Employer, str]:
    """A new employer, with a tenant wallet of its own on the verifier agent shard with the fewest."""
    employer_id = new_id()
    tenancy = await ctx.agents.enrol(ctx.sessions, Employer, f"employer-{employer_id}", label=data.name)
    api_key = new_api_key("mcv_")
    employer = Employer(
        id=employer_id,
        name=data.name,
        logo_url=data.logo_url,
        api_key_hash=key_hash(api_key),
        agent_shard=tenancy.agent_shard,
        wallet_id=tenancy.wallet_id,
        wallet_token=tenancy.wallet_token,
    )
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


async def employer_of(ctx: VerifierContext, employer_id: str) -> Employer:
    async with ctx.sessions() as session:
        return await existing(session, Employer, employer_id)
