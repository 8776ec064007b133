from __future__ import annotations

from common.security import key_hash, new_api_key

from ..context import IssuerContext
from ..models import Institution
from ..schemas import InstitutionCreate, InstitutionUpdate


async def create_institution(ctx: IssuerContext, data: InstitutionCreate) -> tuple[Institution, str]:
    """A new institution with its own signing DID in the agent's wallet; returns it and its API key."""
    did = await ctx.agent.create_did_key()
    api_key = new_api_key("mci_")
    institution = Institution(
        name=data.name,
        country_code=data.country_code,
        url=data.url,
        identifiers=data.identifiers,
        display_name=data.display_name,
        logo_url=data.logo_url,
        did=did.did,
        api_key_hash=key_hash(api_key),
    )
    async with ctx.sessions() as session, session.begin():
        session.add(institution)
    return institution, api_key


async def update_institution(
    ctx: IssuerContext, institution: Institution, data: InstitutionUpdate
) -> Institution:
    """Change how wallets show it; later invitations (and credentials' issuer image) carry the change."""
    async with ctx.sessions() as session, session.begin():
        stored = await session.get(Institution, institution.id)
        for field in data.model_fields_set:
            setattr(stored, field, getattr(data, field))
    return stored
