"""Pathways: a larger credential defined by its parts (which achievements or IQR codes, how many, from which
issuers, how recent) and what to do when a part is revoked later. Claims (``claims``) ask a learner's wallet
for the parts; ``judging`` decides; ``affected`` watches awarded wholes."""

from __future__ import annotations

from sqlalchemy import select

from common.errors import NotFound

from ..context import IssuerContext
from ..domain import PathwayCreate, Requirement
from ..models import Institution, Pathway
from .templates import active, get_template


async def create_pathway(ctx: IssuerContext, institution: Institution, data: PathwayCreate) -> Pathway:
    active(await get_template(ctx, institution, data.template_id))
    pathway = Pathway(
        institution_id=institution.id,
        template_id=data.template_id,
        name=data.name,
        requirements=[r.model_dump(mode="json") for r in data.requirements],
        policy=data.policy,
    )
    async with ctx.sessions() as session, session.begin():
        session.add(pathway)
    return pathway


async def get_pathway(ctx: IssuerContext, institution: Institution | None, pathway_id: str) -> Pathway:
    """An institution's own pathway; with ``institution=None`` any (the public page)."""
    async with ctx.sessions() as session:
        pathway = await session.get(Pathway, pathway_id)
    if pathway is None or (institution is not None and pathway.institution_id != institution.id):
        raise NotFound(f"no pathway {pathway_id}")
    return pathway


async def list_pathways(ctx: IssuerContext, institution: Institution) -> list[Pathway]:
    async with ctx.sessions() as session:
        query = select(Pathway).where(Pathway.institution_id == institution.id).order_by(Pathway.created_at)
        return list(await session.scalars(query))


def requirements(pathway: Pathway) -> list[Requirement]:
    return [Requirement.model_validate(r) for r in pathway.requirements]
