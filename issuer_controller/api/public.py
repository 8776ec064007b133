"""Public pages: the learner's offer page (QR + deep link) and our JSON-LD context at its stable URL."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agent.contexts import MCRED_CONTEXT_URL, bundle
from common.microcredential import Template as TemplateDefinition
from common.web.html import invitation, public_page
from common.web.i18n import language_of
from common.web.qr import deep_link, qr_png, qr_svg

from ..domain import Learner
from ..errors import NotReady
from ..letters import claim_letter
from ..models import ClaimState, OfferState
from ..schemas import ClaimCreate
from ..services import claims, mail, pathways
from ..services.institutions import institution_of
from ..services.offers import public_offer
from ..services.status_lists import ServedList, signed_list
from . import IssuerDep

router = APIRouter(tags=["public"])


async def _invitation(ctx, offer_id: str) -> str:
    offer, _, _ = await public_offer(ctx, offer_id)
    if offer.state != OfferState.INVITED or not offer.invitation_url:
        raise NotReady(f"offer {offer_id} is {offer.state}: its invitation can no longer be used")
    return offer.invitation_url


@router.get("/offers/{offer_id}/qr.png", operation_id="public-offer-qr-png")
async def offer_qr_png(offer_id: str, ctx: IssuerDep) -> Response:
    return Response(qr_png(await _invitation(ctx, offer_id)), media_type="image/png")


@router.get("/offers/{offer_id}/qr.svg", operation_id="public-offer-qr-svg")
async def offer_qr_svg(offer_id: str, ctx: IssuerDep) -> Response:
    return Response(qr_svg(await _invitation(ctx, offer_id)), media_type="image/svg+xml")


@router.get("/offers/{offer_id}", response_class=HTMLResponse, operation_id="public-offer-page")
async def offer_page(offer_id: str, ctx: IssuerDep, request: Request) -> HTMLResponse:
    """The page a learner opens on a phone (or sees on a screen to scan)."""
    offer, institution, template = await public_offer(ctx, offer_id)
    definition = TemplateDefinition.model_validate(template.definition)
    usable = offer.state == OfferState.INVITED and offer.invitation_url
    return public_page(
        request,
        "offer.html",
        institution.shown_name,
        contact=institution.contact_email,
        title=definition.text(definition.title),
        titles=definition.title,
        institution=institution.name,
        state=offer.state,
        expires_at=offer.expires_at,
        **(invitation(offer.invitation_url) if usable else {}),
    )


@router.get(
    "/contexts/mcred/v1",
    operation_id="public-context",
    responses={200: {"content": {"application/ld+json": {}}}},
)
async def context() -> Response:
    """The retired JSON-LD context credentials named before our terms were embedded, byte for byte."""
    return Response(
        bundle().raw(MCRED_CONTEXT_URL),
        media_type="application/ld+json",
        headers={"Cache-Control": "public, max-age=86400", "Access-Control-Allow-Origin": "*"},
    )


@router.get(
    "/status-lists/{list_id}",
    operation_id="public-status-list",
    responses={200: {"content": {"application/vc+ld+json": {}}}, 304: {"description": "Not modified"}},
)
async def status_list(list_id: str, request: Request, ctx: IssuerDep) -> Response:
    """The signed BitstringStatusListCredential: the bits last anchored on chain (whose commitment a
    verifier can check there). Cached briefly, so a revocation shows within a minute."""
    return _served(await signed_list(ctx, list_id), request, "application/vc+ld+json")


@router.get(
    "/token-status-lists/{list_id}",
    operation_id="public-token-status-list",
    responses={200: {"content": {"application/statuslist+jwt": {}}}, 304: {"description": "Not modified"}},
)
async def token_status_list(list_id: str, request: Request, ctx: IssuerDep) -> Response:
    """The signed IETF Token Status List of SD-JWT VCs (``statuslist+jwt``): the bits last anchored on
    chain, as the Bitstring lists. Wallets fetch it when a credential arrives."""
    return _served(await signed_list(ctx, list_id, token=True), request, "application/statuslist+jwt")


def _served(served: ServedList, request: Request, media_type: str) -> Response:
    """Cached briefly, so a revocation shows within a minute; 304 for a copy the client has."""
    headers = {
        "ETag": served.etag,
        "Cache-Control": "public, max-age=60, must-revalidate",
        "Access-Control-Allow-Origin": "*",
    }
    if served.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(served.body, media_type=media_type, headers=headers)


@router.get("/claims/{claim_id}/qr.svg", operation_id="public-claim-qr-svg")
async def claim_qr_svg(claim_id: str, ctx: IssuerDep) -> Response:
    claim = await claims.public_claim(ctx, claim_id)
    if claim.state != ClaimState.INVITED or not claim.invitation_url:
        raise NotReady(f"claim {claim_id} is {claim.state}: its invitation can no longer be used")
    return Response(qr_svg(claim.invitation_url), media_type="image/svg+xml")


@router.post("/pathways/{pathway_id}/claims", status_code=201, operation_id="public-claim-create")
async def public_claim(pathway_id: str, data: ClaimCreate, ctx: IssuerDep, request: Request) -> dict:
    """A learner starts a claim from the pathway's page: the invitation to scan, also e-mailed to the
    learner's address (in the page's language) where a mail server is configured."""
    pathway = await pathways.get_pathway(ctx, None, pathway_id)
    claim = await claims.start_claim(ctx, pathway, Learner(email=data.email, name=data.name))
    if mail.can_mail(ctx):
        institution = await institution_of(ctx, pathway.institution_id)
        letter = claim_letter(request.app.state.console, language_of(request), claim, pathway, institution)
        await mail.queue(ctx, letter, claim_id=claim.id)
    return {
        "id": claim.id,
        "invitation_url": claim.invitation_url,
        "deep_link": deep_link(claim.invitation_url),
        "qr_svg_url": f"{ctx.settings.public_url}/claims/{claim.id}/qr.svg",
    }


@router.get("/pathways/{pathway_id}", response_class=HTMLResponse, operation_id="public-pathway-page")
async def pathway_page(pathway_id: str, ctx: IssuerDep, request: Request) -> HTMLResponse:
    """What a pathway takes, and a form to claim it with one's wallet."""
    pathway = await pathways.get_pathway(ctx, None, pathway_id)
    parts = [
        {"name": r.name, "needed": r.at_least or len(r.items), "options": r.items}
        for r in pathways.requirements(pathway)
    ]
    institution = await institution_of(ctx, pathway.institution_id)
    return public_page(
        request, "pathway.html", institution.shown_name, name=pathway.name, parts=parts,
        claims_url=f"{pathway.id}/claims",
    )  # fmt: skip
