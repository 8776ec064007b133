"""Public pages: the request page a candidate scans (QR + deep link), and the page where anyone checks a
credential they were sent."""

from __future__ import annotations

from functools import cache
from html import escape
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from common.headers import html_page, static_page
from common.problems import Conflict
from common.qr import deep_link, qr_png, qr_svg

from ..models import RequestState
from ..services.proof_requests import public_request
from . import VerifierDep

router = APIRouter(tags=["public"])

# The request page's only inline code, allowed by its hash in the page's Content-Security-Policy.
REQUEST_STYLE = """body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}
.qr svg{width:100%;height:auto;max-width:20rem}.button{display:inline-block;padding:.8rem 1.2rem;
background:#003399;color:#fff;border-radius:.4rem;text-decoration:none}"""


async def _invitation(ctx, request_id: str) -> str:
    request = await public_request(ctx, request_id)
    if request.state != RequestState.INVITED or not request.invitation_url:
        raise Conflict(f"proof request {request_id} is {request.state}: its invitation can no longer be used")
    return request.invitation_url


@router.get("/requests/{request_id}/qr.png", operation_id="public-request-qr-png")
async def request_qr_png(request_id: str, ctx: VerifierDep) -> Response:
    return Response(qr_png(await _invitation(ctx, request_id)), media_type="image/png")


@router.get("/requests/{request_id}/qr.svg", operation_id="public-request-qr-svg")
async def request_qr_svg(request_id: str, ctx: VerifierDep) -> Response:
    return Response(qr_svg(await _invitation(ctx, request_id)), media_type="image/svg+xml")


@router.get("/requests/{request_id}", response_class=HTMLResponse, operation_id="public-request-page")
async def request_page(request_id: str, ctx: VerifierDep) -> HTMLResponse:
    """What the employer shows on a screen, or sends to the candidate's phone."""
    request = await public_request(ctx, request_id)
    purpose = escape(request.purpose or "Show a microcredential / Pokaż mikropoświadczenie")
    if request.state == RequestState.INVITED and request.invitation_url:
        body = f"""
  <p>Scan with your wallet app (e.g. Bifold, BC Wallet) / Zeskanuj w aplikacji portfela:</p>
  <div class="qr">{qr_svg(request.invitation_url)}</div>
  <p><a class="button" href="{escape(deep_link(request.invitation_url))}">
    Open in wallet / Otwórz w portfelu</a></p>"""
    else:
        body = f"<p>This request is {escape(request.state)}. / Ta prośba jest zakończona.</p>"
    page = f"""<!doctype html>
<html lang="pl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{purpose}</title>
<style>{REQUEST_STYLE}</style></head>
<body><h1>{purpose}</h1>{body}</body></html>"""
    return html_page(page, styles=[REQUEST_STYLE])


@cache
def _verify_page() -> str:
    return (resources.files("verifier_controller") / "pages" / "verify.html").read_text()


@router.get("/verify", response_class=HTMLResponse, operation_id="public-verify-page")
async def verify_page() -> HTMLResponse:
    """Paste or upload a credential (JSON or a PNG badge): the badge, its issuer, the EU elements in plain
    language and every check with a green or red mark (the page calls POST /v1/verifications)."""
    return static_page(_verify_page())
