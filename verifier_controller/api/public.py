"""Public pages: the request page a candidate scans (QR + deep link), and the page where anyone checks a
credential they were sent."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from common.errors import Conflict
from common.web.html import invitation, public_page
from common.web.qr import qr_png, qr_svg

from ..domain import Protocol
from ..models import ProofRequest, RequestState
from ..services.employers import employer_of
from ..services.proof_requests import public_request
from . import VerifierDep

router = APIRouter(tags=["public"])


def scannable(request: ProofRequest) -> bool:
    """An invitation is used once; an OpenID4VP request can be read again until it is answered (a wallet
    that fetched it and was then cancelled leaves the candidate free to scan again)."""
    if not request.invitation_url:
        return False
    if request.protocol == Protocol.OID4VP:
        return request.presentation is None and request.state in (
            RequestState.INVITED,
            RequestState.REQUESTED,
        )
    return request.state == RequestState.INVITED


async def _invitation(ctx, request_id: str) -> str:
    request = await public_request(ctx, request_id)
    if not scannable(request) or not request.invitation_url:
        raise Conflict(f"proof request {request_id} is {request.state}: its invitation can no longer be used")
    return request.invitation_url


@router.get("/requests/{request_id}/qr.png", operation_id="public-request-qr-png")
async def request_qr_png(request_id: str, ctx: VerifierDep) -> Response:
    return Response(qr_png(await _invitation(ctx, request_id)), media_type="image/png")


@router.get("/requests/{request_id}/qr.svg", operation_id="public-request-qr-svg")
async def request_qr_svg(request_id: str, ctx: VerifierDep) -> Response:
    return Response(qr_svg(await _invitation(ctx, request_id)), media_type="image/svg+xml")


@router.get("/requests/{request_id}", response_class=HTMLResponse, operation_id="public-request-page")
async def request_page(request_id: str, ctx: VerifierDep, http: Request) -> HTMLResponse:
    """What the employer shows on a screen, or sends to the candidate's phone."""
    request = await public_request(ctx, request_id)
    employer = await employer_of(ctx, request.employer_id)
    return public_page(
        http,
        "request.html",
        employer.name,
        purpose=request.purpose,
        state=request.state,
        **(invitation(request.invitation_url) if scannable(request) and request.invitation_url else {}),
    )


@router.get("/verify", response_class=HTMLResponse, operation_id="public-verify-page")
async def verify_page(request: Request) -> HTMLResponse:
    """Paste or upload a credential (JSON or a PNG badge): the badge, its issuer, the EU elements in plain
    language and every check with a green or red mark (the page calls POST /v1/verifications)."""
    return public_page(request, "verify.html", "mcred")
