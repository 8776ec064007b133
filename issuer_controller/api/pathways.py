from fastapi import APIRouter

from ..domain import Learner, PathwayCreate
from ..models import Claim, Pathway
from ..schemas import ClaimCreate, ClaimOut, PathwayOut
from ..security import CurrentInstitution
from ..services import claims, pathways
from ..services.affected import affected_claims
from . import IssuerDep

router = APIRouter(prefix="/v1/pathways", tags=["pathways"])


def pathway_out(pathway: Pathway, public_url: str) -> PathwayOut:
    return PathwayOut(
        id=pathway.id,
        name=pathway.name,
        template_id=pathway.template_id,
        requirements=pathways.requirements(pathway),
        policy=pathway.policy,
        page_url=f"{public_url}/pathways/{pathway.id}",
        created_at=pathway.created_at,
    )


def claim_out(claim: Claim, public_url: str) -> ClaimOut:
    return ClaimOut(
        id=claim.id,
        pathway_id=claim.pathway_id,
        state=claim.state,
        email=claim.learner_email,
        invitation_url=claim.invitation_url,
        qr_svg_url=f"{public_url}/claims/{claim.id}/qr.svg",
        outcome=claim.outcome,
        parts=claim.parts,
        offer_id=claim.offer_id,
        affected=claim.affected,
        affected_action=claim.affected_action,
        created_at=claim.created_at,
        expires_at=claim.expires_at,
    )


@router.post("", status_code=201, response_model=PathwayOut, operation_id="pathways-create")
async def create(data: PathwayCreate, institution: CurrentInstitution, ctx: IssuerDep):
    """Define a larger credential (one of your templates) by the parts that add up to it."""
    return pathway_out(await pathways.create_pathway(ctx, institution, data), ctx.settings.public_url)


@router.get("", response_model=list[PathwayOut], operation_id="pathways-list")
async def list_(institution: CurrentInstitution, ctx: IssuerDep):
    return [pathway_out(p, ctx.settings.public_url) for p in await pathways.list_pathways(ctx, institution)]


@router.get("/{pathway_id}", response_model=PathwayOut, operation_id="pathways-get")
async def read(pathway_id: str, institution: CurrentInstitution, ctx: IssuerDep):
    return pathway_out(await pathways.get_pathway(ctx, institution, pathway_id), ctx.settings.public_url)


@router.post("/{pathway_id}/claims", status_code=201, response_model=ClaimOut, operation_id="claims-create")
async def claim(pathway_id: str, data: ClaimCreate, institution: CurrentInstitution, ctx: IssuerDep):
    """Invite a learner to claim the larger credential: the wallet scans the invitation and is asked for the
    parts; ``state`` ends awarded (the credential follows) or refused (``outcome`` says what is missing)."""
    pathway = await pathways.get_pathway(ctx, institution, pathway_id)
    started = await claims.start_claim(ctx, pathway, Learner(email=data.email, name=data.name))
    return claim_out(started, ctx.settings.public_url)


@router.get("/{pathway_id}/claims/{claim_id}", response_model=ClaimOut, operation_id="claims-get")
async def read_claim(pathway_id: str, claim_id: str, institution: CurrentInstitution, ctx: IssuerDep):
    pathway = await pathways.get_pathway(ctx, institution, pathway_id)
    return claim_out(await claims.get_claim(ctx, pathway, claim_id), ctx.settings.public_url)


@router.get("/{pathway_id}/affected", response_model=list[ClaimOut], operation_id="pathways-affected")
async def affected(pathway_id: str, institution: CurrentInstitution, ctx: IssuerDep):
    """Larger credentials awarded on this pathway whose parts were revoked or suspended since, with what
    the pathway's policy did (flagged, suspended, revoked) — for the institution to review."""
    pathway = await pathways.get_pathway(ctx, institution, pathway_id)
    return [claim_out(c, ctx.settings.public_url) for c, _ in await affected_claims(ctx, pathway)]
