from fastapi import APIRouter

from ..context import IssuerContext
from ..models import Institution
from ..schemas import InstitutionCreate, InstitutionCreated, InstitutionOut, InstitutionUpdate
from ..security import CurrentInstitution, OperatorOnly
from ..services.institutions import create_institution, update_institution
from . import IssuerDep

router = APIRouter(prefix="/v1/institutions", tags=["institutions"])


def institution_out(institution: Institution, ctx: IssuerContext) -> InstitutionOut:
    account = ctx.chain.address if ctx.chain is not None else None
    return InstitutionOut.model_validate(institution).model_copy(update={"chain_account": account})


@router.post(
    "", status_code=201, response_model=InstitutionCreated, dependencies=[OperatorOnly],
    operation_id="institutions-create",
)  # fmt: skip
async def create(data: InstitutionCreate, ctx: IssuerDep) -> InstitutionCreated:
    """Register an institution (operator key): a signing DID is made in the agent's wallet, and the
    institution's own API key is returned once."""
    institution, api_key = await create_institution(ctx, data)
    return InstitutionCreated(**institution_out(institution, ctx).model_dump(), api_key=api_key)


@router.get("/me", response_model=InstitutionOut, operation_id="institutions-me")
async def me(institution: CurrentInstitution, ctx: IssuerDep) -> InstitutionOut:
    """The institution the API key belongs to."""
    return institution_out(institution, ctx)


@router.patch("/me", response_model=InstitutionOut, operation_id="institutions-update-me")
async def update_me(
    data: InstitutionUpdate, institution: CurrentInstitution, ctx: IssuerDep
) -> InstitutionOut:
    """How learners' wallets show the institution: display name and logo."""
    return institution_out(await update_institution(ctx, institution, data), ctx)
