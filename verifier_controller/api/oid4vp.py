"""OpenID4VP endpoints the wallet calls (``services/oid4vp``): the signed request object by reference, and
the response URI it posts its ``vp_token`` to. Wallets get OAuth error bodies (``OAuthError``), not
problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from common.web.forms import url_encoded

from ..services import oid4vp
from . import VerifierDep

router = APIRouter(tags=["openid4vp"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "An OAuth error: `error` and `error_description`"},
    404: {"description": "No such request, or it can no longer be answered"},
}


@router.get(
    "/oid4vp/requests/{request_id}",
    responses={**ERRORS, 200: {"content": {"application/oauth-authz-req+jwt": {}}}},
    operation_id="oid4vp-request-object",
)
async def request_object(request_id: str, ctx: VerifierDep) -> Response:
    """The authorization request, signed by the employer's DID (JAR, RFC 9101)."""
    signed = await oid4vp.request_object(ctx, request_id)
    return Response(
        signed, media_type="application/oauth-authz-req+jwt", headers={"Cache-Control": "no-store"}
    )


@router.post("/oid4vp/responses/{request_id}", responses=ERRORS, operation_id="oid4vp-response")
async def response(request_id: str, request: Request, ctx: VerifierDep) -> JSONResponse:
    """The wallet's answer (``direct_post``: a form with ``vp_token`` and ``state``, or ``error``): stored
    once, then verified; the report is the proof request's."""
    answer = await oid4vp.receive_response(ctx, request_id, url_encoded(await request.body()))
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})
