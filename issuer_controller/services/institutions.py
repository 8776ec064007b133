from __future__ import annotations

from common.api_keys import key_hash, new_api_key
from common.db import existing
from common.microcredential import Institution as IssuerProfile

from ..context import IssuerContext
from ..domain import InstitutionCreate, InstitutionUpdate
from ..errors import NotFound
from ..models import Institution, new_id


async def create_institution(ctx: IssuerContext, data: InstitutionCreate) -> tuple[Institution, str]:
    """A new institution: a tenant wallet of its own on the shard with the fewest, holding its signing DID
    and chain account; returns it and its API key. The account is what an accreditation authority binds
    to the DID in IssuerRegistry."""
    institution_id = new_id()
    tenancy = await ctx.agents.enrol(
        ctx.sessions, Institution, f"institution-{institution_id}", label=data.display_name or data.name
    )
    agent = ctx.agents.of(tenancy)
    did = await agent.create_did_key()
    account = await agent.chain_account(did.did)
    api_key = new_api_key("mci_")
    institution = Institution(
        id=institution_id,
        agent_shard=tenancy.agent_shard,
        wallet_id=tenancy.wallet_id,
        wallet_token=tenancy.wallet_token,
        name=data.name,
        country_code=data.country_code,
        url=data.url,
        identifiers=data.identifiers,
        display_name=data.display_name,
        logo_url=data.logo_url,
        contact_email=data.contact_email,
        did=did.did,
        chain_account=account,
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
        stored = await existing(session, Institution, institution.id)
        for field in data.model_fields_set:
            setattr(stored, field, getattr(data, field))
    return stored


async def record_chain_account(ctx: IssuerContext, institution: Institution) -> str:
    """The chain account of an institution registered before institutions had their own (made now, in its
    agent's wallet, and stored)."""
    account = await ctx.agents.of(institution).chain_account(institution.did)
    async with ctx.sessions() as session, session.begin():
        (await existing(session, Institution, institution.id)).chain_account = account
    return account


def issuer_profile(institution: Institution) -> IssuerProfile:
    """The institution as its credentials name it (every copy, every format)."""
    return IssuerProfile(
        did=institution.did,
        name=institution.name,
        country_code=institution.country_code,
        url=institution.url,
        identifiers=institution.identifiers,
        image=institution.logo_url,
    )


async def institution_of(ctx: IssuerContext, institution_id: str) -> Institution:
    async with ctx.sessions() as session:
        institution = await session.get(Institution, institution_id)
    if institution is None:
        raise NotFound(f"no institution {institution_id}")
    return institution
