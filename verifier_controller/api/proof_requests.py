from fastapi import APIRouter

from common.verification import Criteria
from common.web.params import PageLimit, PageOffset

from ..schemas import ProofRequestCreate
from ..security import CurrentEmployer
from ..services import proof_requests
from ..views import ProofRequestOut, request_out
from . import VerifierDep

router = APIRouter(prefix="/v1/proof-requests", tags=["proof requests"])


@router.post("", status_code=201, response_model=ProofRequestOut, operation_id="proof-requests-create")
async def create(data: ProofRequestCreate, employer: CurrentEmployer, ctx: VerifierDep):
    """Ask a candidate's wallet for a microcredential: the answer carries the invitation (URL, QR codes, a
    page to show on a screen); when the wallet has answered, ``report`` holds the verification."""
    request = await proof_requests.create_request(
        ctx,
        employer,
        Criteria(**data.criteria.model_dump()),
        data.purpose,
        str(data.callback_url) if data.callback_url else None,
        data.protocol,
    )
    return request_out(request, ctx.settings.public_url)


@router.get("", response_model=list[ProofRequestOut], operation_id="proof-requests-list")
async def list_(
    employer: CurrentEmployer,
    ctx: VerifierDep,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
):
    requests = await proof_requests.list_requests(ctx, employer, limit, offset)
    return [request_out(r, ctx.settings.public_url) for r in requests]


@router.get("/{request_id}", response_model=ProofRequestOut, operation_id="proof-requests-get")
async def read(request_id: str, employer: CurrentEmployer, ctx: VerifierDep):
    """State, history and, once final, the report."""
    return request_out(await proof_requests.get_request(ctx, employer, request_id), ctx.settings.public_url)
