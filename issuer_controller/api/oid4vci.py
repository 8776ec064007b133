"""OpenID4VCI endpoints of every institution (``services/oid4vci``): metadata at the path-inserted
``.well-known`` locations, the offer by reference, token, nonce and credential. Wallets get the specs' error
bodies (``OAuthError``, rendered by ``common.web.problems``), not problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from common.errors import OAuthError
from common.web.forms import url_encoded

from ..services import oid4vci
from ..services.oid4vci_offers import issuer_path
from . import IssuerDep

router = APIRouter(tags=["openid4vci"])

NO_STORE = {"Cache-Control": "no-store"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "An OAuth / OpenID4VCI error: `error` and `error_description`"},
    404: {"description": "No such issuer or offer"},
}


def _answer(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, headers=headers)


def _institution_of(ctx, path: str) -> str:
    """The institution a path-inserted well-known URL is about: ``<issuer path>`` after the prefix."""
    institution_id = path.rsplit("/", 1)[-1]
    if "/" + path != issuer_path(ctx.settings.public_url, institution_id):
        raise OAuthError("not_found", f"no credential issuer at /{path}", 404)
    return institution_id


@router.get(
    "/.well-known/openid-credential-issuer/{path:path}",
    responses=ERRORS,
    operation_id="oid4vci-issuer-metadata",
)
async def issuer_metadata(path: str, ctx: IssuerDep) -> JSONResponse:
    """Credential issuer metadata (OpenID4VCI §12.2): one configuration, an SD-JWT VC microcredential."""
    return _answer(await oid4vci.issuer_metadata(ctx, _institution_of(ctx, path)))


@router.get(
    "/.well-known/oauth-authorization-server/{path:path}",
    responses=ERRORS,
    operation_id="oid4vci-as-metadata",
)
async def authorization_server_metadata(path: str, ctx: IssuerDep) -> JSONResponse:
    """Authorization server metadata (RFC 8414): the token endpoint of the pre-authorized code flow."""
    return _answer(await oid4vci.authorization_server_metadata(ctx, _institution_of(ctx, path)))


@router.get("/oid4vci/{institution_id}/offers/{offer_id}", responses=ERRORS, operation_id="oid4vci-offer")
async def credential_offer(institution_id: str, offer_id: str, ctx: IssuerDep) -> JSONResponse:
    """The credential offer a ``credential_offer_uri`` points to, while it can be redeemed."""
    return _answer(await oid4vci.offer_by_reference(ctx, institution_id, offer_id), NO_STORE)


@router.post("/oid4vci/{institution_id}/token", responses=ERRORS, operation_id="oid4vci-token")
async def token(institution_id: str, request: Request, ctx: IssuerDep) -> JSONResponse:
    """Token endpoint (a form POST): a pre-authorized code, once, for an access token."""
    form = url_encoded(await request.body())
    return _answer(await oid4vci.token(ctx, institution_id, form), NO_STORE)


@router.post("/oid4vci/{institution_id}/nonce", operation_id="oid4vci-nonce")
async def nonce(institution_id: str, ctx: IssuerDep) -> JSONResponse:
    """A fresh ``c_nonce`` for the next proof of possession."""
    return _answer({"c_nonce": await oid4vci.new_nonce(ctx)}, NO_STORE)


@router.post("/oid4vci/{institution_id}/credential", responses=ERRORS, operation_id="oid4vci-credential")
async def credential(institution_id: str, request: Request, ctx: IssuerDep) -> JSONResponse:
    """The credential, once per access token, bound to the key the wallet proved it holds."""
    body = await request.body()
    answer = await oid4vci.credential(ctx, institution_id, request.headers.get("authorization"), body)
    return _answer(answer, NO_STORE)
