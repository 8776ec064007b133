from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from common.microcredential import Profile

from ..errors import InvalidRequest
from ..schemas import OfferOut
from ..security import CurrentInstitution
from ..services import credentials
from . import IssuerDep
from .offers import offer_out

router = APIRouter(prefix="/v1/credentials", tags=["credentials"])


@router.get("", response_model=list[OfferOut], operation_id="credentials-list")
async def list_(
    institution: CurrentInstitution,
    ctx: IssuerDep,
    template_id: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
):
    """Issued credentials, oldest first, each with its history."""
    issued = await credentials.list_credentials(ctx, institution, template_id, limit, offset)
    return [offer_out(o, ctx.settings.public_url) for o in issued]


@router.get("/{offer_id}", response_model=OfferOut, operation_id="credentials-get")
async def read(offer_id: str, institution: CurrentInstitution, ctx: IssuerDep):
    offer = await credentials.issued_credential(ctx, institution, offer_id)
    return offer_out(offer, ctx.settings.public_url)


@router.get(
    "/{offer_id}/download",
    operation_id="credentials-download",
    responses={200: {"content": {"application/ld+json": {}, "image/png": {}}}},
)
async def download(
    offer_id: str,
    institution: CurrentInstitution,
    ctx: IssuerDep,
    format: Literal["json", "png"] = "json",  # noqa: A002 - the query parameter's public name
    profile: Profile = Profile.STANDARD,
):
    """The *standard* profile (OB 3.0.3, VCDM 2.0) as JSON or baked into a PNG badge; or the *wallet*
    profile (VCDM 1.1) as JSON, exactly as the learner's wallet stored it."""
    offer = await credentials.issued_credential(ctx, institution, offer_id)
    name = offer.credential_id.removeprefix("urn:uuid:")
    if profile is Profile.WALLET:
        if format != "json":
            raise InvalidRequest("the wallet profile downloads as JSON only")
        return JSONResponse(offer.wallet_credential, media_type="application/ld+json")
    if format == "png":
        return Response(
            credentials.baked_badge(offer),
            media_type="image/png",
            headers={"Content-Disposition": f'attachment; filename="{name}.png"'},
        )
    return JSONResponse(
        offer.standard_credential,
        media_type="application/ld+json",
        headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
    )
