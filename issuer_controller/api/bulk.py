from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from common.limits import MAX_QUERY_ID
from common.web.uploads import read_capped

from ..domain import Protocol
from ..errors import ServiceUnavailable
from ..schemas import BulkJobOut, OfferOut
from ..security import CurrentInstitution
from ..services import bulk, mail
from . import IssuerDep
from .offers import offer_out

router = APIRouter(prefix="/v1/bulk-issuances", tags=["bulk issuance"])


@router.post(
    "",
    response_model=BulkJobOut,
    status_code=201,
    operation_id="bulk-create",
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
    responses={200: {"model": BulkJobOut, "description": "The same file was uploaded before: that job"}},
)
async def create(
    request: Request,
    institution: CurrentInstitution,
    ctx: IssuerDep,
    template_id: str = Query(max_length=MAX_QUERY_ID, description="The microcredential every row receives"),
    filename: str | None = Query(None, max_length=300),
    protocol: Annotated[
        Protocol, Query(description="How every row's credential is offered")
    ] = Protocol.DIDCOMM,
    send_email: Annotated[
        bool,
        Query(
            description="E-mail each row with an address its invitation (needs a mail server: 503 without)"
        ),
    ] = False,
    email_language: Annotated[Literal["pl", "en"], Query(description="The e-mails' language")] = "pl",
):
    """Upload a CSV (columns: email, name, ref, grade, credits_earned, activity_start_date,
    activity_end_date; email or ref required). Every row is checked first: one bad row refuses the file,
    with every problem listed. Uploading the same file again returns the first job."""
    if send_email and not mail.can_mail(ctx):
        raise ServiceUnavailable("send_email: no mail server is configured here; nothing was made")
    data = await read_capped(request, ctx.settings.max_upload_bytes)
    language = email_language if send_email else None
    job, created = await bulk.start_bulk(ctx, institution, template_id, data, filename, protocol, language)
    _, counts = await bulk.job_progress(ctx, institution, job.id)
    body = BulkJobOut(id=job.id, template_id=job.template_id, filename=job.filename, **counts)
    return JSONResponse(body.model_dump(mode="json"), status_code=201 if created else 200)


@router.get("/{job_id}", response_model=BulkJobOut, operation_id="bulk-get")
async def read(job_id: str, institution: CurrentInstitution, ctx: IssuerDep):
    """Progress: offers made, and how many are in each state; ``finished`` once every row is final."""
    job, counts = await bulk.job_progress(ctx, institution, job_id)
    return BulkJobOut(id=job.id, template_id=job.template_id, filename=job.filename, **counts)


@router.get("/{job_id}/offers", response_model=list[OfferOut], operation_id="bulk-offers")
async def offers_(job_id: str, institution: CurrentInstitution, ctx: IssuerDep):
    """One offer per row (``bulk_row`` = the CSV line): the invitations to send to the learners."""
    return [offer_out(o, ctx.settings.public_url) for o in await bulk.job_offers(ctx, institution, job_id)]
