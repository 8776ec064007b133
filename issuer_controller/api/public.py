"""Public pages: the learner's offer page (QR + deep link) and our JSON-LD context at its stable URL."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from agent.contexts import MCRED_CONTEXT_URL, bundle
from common.headers import html_page
from common.microcredential import Template as TemplateDefinition
from common.qr import deep_link, qr_png, qr_svg

from ..domain import Learner
from ..errors import NotReady
from ..models import ClaimState, OfferState
from ..schemas import ClaimCreate
from ..services import claims, pathways
from ..services.offers import public_offer
from ..services.status_lists import signed_list
from . import IssuerDep

router = APIRouter(tags=["public"])

# The pages' only inline code: constants, each allowed by its hash in the page's Content-Security-Policy
# (common.headers.html_page). Nothing interpolated goes inside a <style> or <script>.
OFFER_STYLE = """
body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
.title{font-size:1.3rem;font-weight:600;margin:.2rem 0}.qr svg{width:100%;height:auto;max-width:20rem}
.button{display:inline-block;padding:.8rem 1.2rem;background:#003399;color:#fff;border-radius:.4rem;
text-decoration:none}.small{color:#555;font-size:.9rem}"""

PATHWAY_STYLE = """body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
#qr img{width:100%;max-width:20rem}"""

PATHWAY_SCRIPT = """
document.getElementById("claim").addEventListener("submit", async (event) => {
  event.preventDefault();
  const field = (id) => document.getElementById(id).value || null;
  const body = {email: field("email"), name: field("name")};
  const response = await fetch(event.target.dataset.claims, {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const claim = await response.json();
  const qr = document.getElementById("qr");
  qr.replaceChildren();
  if (!response.ok) { qr.textContent = claim.detail; return; }
  const img = document.createElement("img"); img.src = claim.qr_svg_url; img.alt = "QR";
  const link = document.createElement("a"); link.href = claim.deep_link; link.textContent = "Open in wallet";
  qr.append(img, link);
});
"""


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
async def offer_page(offer_id: str, ctx: IssuerDep) -> HTMLResponse:
    """The page a learner opens on a phone (or sees on a screen to scan)."""
    offer, institution, template = await public_offer(ctx, offer_id)
    definition = TemplateDefinition.model_validate(template.definition)
    titles = "".join(
        f'<p lang="{escape(lang)}" class="title">{escape(text)}</p>'
        for lang, text in definition.title.items()
    )
    if offer.state == OfferState.INVITED and offer.invitation_url:
        body = f"""
  <p>Scan with your wallet app (e.g. Bifold, BC Wallet) / Zeskanuj w aplikacji portfela:</p>
  <div class="qr">{qr_svg(offer.invitation_url)}</div>
  <p><a class="button" href="{escape(deep_link(offer.invitation_url))}">
    Open in wallet / Otwórz w portfelu</a></p>
  <p class="small">Valid until / Ważne do {offer.expires_at:%Y-%m-%d %H:%M} UTC</p>"""
    elif offer.state == OfferState.ISSUED:
        body = (
            "<p>This credential is already in your wallet. / Ten mikropoświadczenie jest już w portfelu.</p>"
        )
    else:
        body = f"<p>This offer is {escape(offer.state)}. Ask {escape(institution.name)} for a new one.</p>"
    page = f"""<!doctype html>
<html lang="pl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(definition.text(definition.title))} — {escape(institution.name)}</title>
<style>{OFFER_STYLE}</style></head>
<body>
  <p class="small">{escape(institution.name)} offers you a microcredential / oferuje Ci mikropoświadczenie</p>
  {titles}
  {body}
</body></html>"""
    return html_page(page, styles=[OFFER_STYLE])


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
    served = await signed_list(ctx, list_id)
    headers = {
        "ETag": served.etag,
        "Cache-Control": "public, max-age=60, must-revalidate",
        "Access-Control-Allow-Origin": "*",
    }
    if served.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(served.body, media_type="application/vc+ld+json", headers=headers)


@router.get("/claims/{claim_id}/qr.svg", operation_id="public-claim-qr-svg")
async def claim_qr_svg(claim_id: str, ctx: IssuerDep) -> Response:
    claim = await claims.public_claim(ctx, claim_id)
    if claim.state != ClaimState.INVITED or not claim.invitation_url:
        raise NotReady(f"claim {claim_id} is {claim.state}: its invitation can no longer be used")
    return Response(qr_svg(claim.invitation_url), media_type="image/svg+xml")


@router.post("/pathways/{pathway_id}/claims", status_code=201, operation_id="public-claim-create")
async def public_claim(pathway_id: str, data: ClaimCreate, ctx: IssuerDep) -> dict:
    """A learner starts a claim from the pathway's page: the invitation to scan."""
    pathway = await pathways.get_pathway(ctx, None, pathway_id)
    claim = await claims.start_claim(ctx, pathway, Learner(email=data.email, name=data.name))
    return {
        "id": claim.id,
        "invitation_url": claim.invitation_url,
        "deep_link": deep_link(claim.invitation_url),
        "qr_svg_url": f"{ctx.settings.public_url}/claims/{claim.id}/qr.svg",
    }


@router.get("/pathways/{pathway_id}", response_class=HTMLResponse, operation_id="public-pathway-page")
async def pathway_page(pathway_id: str, ctx: IssuerDep) -> HTMLResponse:
    """What a pathway takes, and a form to claim it with one's wallet."""
    pathway = await pathways.get_pathway(ctx, None, pathway_id)
    parts = "".join(
        f"<li>{escape(r.name)}: {r.at_least or len(r.items)} of {escape(', '.join(r.items))}</li>"
        for r in pathways.requirements(pathway)
    )
    page = f"""<!doctype html>
<html lang="pl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(pathway.name)}</title>
<style>{PATHWAY_STYLE}</style></head>
<body><h1>{escape(pathway.name)}</h1><p>Parts / Części:</p><ul>{parts}</ul>
<form id="claim" data-claims="{escape(pathway.id)}/claims">
<p><label>E-mail <input id="email" type="email" required></label></p>
<p><label>Name / Imię i nazwisko <input id="name"></label></p><button>Claim / Odbierz</button></form>
<div id="qr"></div>
<script>{PATHWAY_SCRIPT}</script></body></html>"""
    return html_page(page, scripts=[PATHWAY_SCRIPT], styles=[PATHWAY_STYLE])
