from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from common.limits import MAX_QUERY_ID
from common.microcredential import Profile
from common.web.params import PageLimit, PageOffset

from ..errors import InvalidRequest
from ..models import ChangeState, Offer, StatusAction, StatusChange
from ..schemas import CredentialOut, CredentialStatus, StatusChangeIn, StatusChangeOut
from ..security import CurrentInstitution
from ..services import credentials
from ..services.status_changes import effective, request_change
from . import IssuerDep
from .offers import offer_out

router = APIRouter(prefix="/v1/credentials", tags=["credentials"])


def change_out(change: StatusChange) -> StatusChangeOut:
    batch = change.batch
    return StatusChangeOut(
        id=change.id,
        action=change.action,
        reason=change.reason,
        state=change.state,
        requested_at=change.requested_at,
        anchored_at=change.anchored_at,
        transaction=batch.tx_hash if batch is not None else None,
        block=batch.block_number if batch is not None else None,
        last_error=batch.last_error if batch is not None and change.state != ChangeState.ANCHORED else None,
    )


def credential_out(offer: Offer, public_url: str) -> CredentialOut:
    revoked, suspension = effective([c for c in offer.status_changes if c.state == ChangeState.ANCHORED])
    status = CredentialStatus(
        revoked=revoked is not None,
        suspended=suspension is not None and suspension.action == StatusAction.SUSPEND,
        changes=[change_out(c) for c in offer.status_changes],
    )
    return CredentialOut(**offer_out(offer, public_url).model_dump(), status=status)


@router.get("", response_model=list[CredentialOut], operation_id="credentials-list")
async def list_(
    institution: CurrentInstitution,
    ctx: IssuerDep,
    template_id: str | None = Query(None, max_length=MAX_QUERY_ID),
    limit: PageLimit = 100,
    offset: PageOffset = 0,
):
    """Issued credentials, oldest first, each with its history and status."""
    issued = await credentials.list_credentials(ctx, institution, template_id, limit, offset)
    return [credential_out(o, ctx.settings.public_url) for o in issued]


@router.get("/{offer_id}", response_model=CredentialOut, operation_id="credentials-get")
async def read(offer_id: str, institution: CurrentInstitution, ctx: IssuerDep):
    """The credential with its history: every status change with the transaction that anchored it."""
    offer = await credentials.issued_credential(ctx, institution, offer_id)
    return credential_out(offer, ctx.settings.public_url)


async def _change(
    offer_id: str, action: StatusAction, data: StatusChangeIn, institution, ctx
) -> JSONResponse:
    change, created = await request_change(ctx, institution, offer_id, action, data.reason)
    body = change_out(change).model_dump(mode="json")
    return JSONResponse(body, status_code=202 if created else 200)


CHANGE_RESPONSES = {
    200: {"model": StatusChangeOut, "description": "Asked before: the change already made"},
    202: {"model": StatusChangeOut, "description": "Accepted: persisted, anchored on chain shortly"},
}


@router.post(
    "/{offer_id}/revoke", status_code=202, responses=CHANGE_RESPONSES, operation_id="credentials-revoke"
)
async def revoke(offer_id: str, data: StatusChangeIn, institution: CurrentInstitution, ctx: IssuerDep):
    """Revoke for good (the revocation list's bit is set on chain, batched with other changes)."""
    return await _change(offer_id, StatusAction.REVOKE, data, institution, ctx)


@router.post(
    "/{offer_id}/suspend", status_code=202, responses=CHANGE_RESPONSES, operation_id="credentials-suspend"
)
async def suspend(offer_id: str, data: StatusChangeIn, institution: CurrentInstitution, ctx: IssuerDep):
    """Suspend until reinstated (the suspension list's bit)."""
    return await _change(offer_id, StatusAction.SUSPEND, data, institution, ctx)


@router.post(
    "/{offer_id}/reinstate", status_code=202, responses=CHANGE_RESPONSES, operation_id="credentials-reinstate"
)
async def reinstate(offer_id: str, data: StatusChangeIn, institution: CurrentInstitution, ctx: IssuerDep):
    """Lift a suspension (a revocation is final)."""
    return await _change(offer_id, StatusAction.REINSTATE, data, institution, ctx)


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
        return JSONResponse(
            credentials.copy_of(offer, offer.wallet_credential, profile), media_type="application/ld+json"
        )
    if format == "png":
        return Response(
            credentials.baked_badge(offer),
            media_type="image/png",
            headers={"Content-Disposition": f'attachment; filename="{name}.png"'},
        )
    return JSONResponse(
        credentials.copy_of(offer, offer.standard_credential, profile),
        media_type="application/ld+json",
        headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
    )
