from fastapi import APIRouter, Response

from ..domain import InstitutionCreate, InstitutionUpdate
from ..models import Institution
from ..schemas import InstitutionCreated, InstitutionOut
from ..security import CurrentInstitution, OperatorOnly
from ..services.institutions import create_institution, update_institution
from . import IssuerDep

router = APIRouter(prefix="/v1/institutions", tags=["institutions"])


def institution_out(institution: Institution) -> InstitutionOut:
    return InstitutionOut.model_validate(institution)


@router.post(
    "", status_code=201, response_model=InstitutionCreated, dependencies=[OperatorOnly],
    operation_id="institutions-create",
)  # fmt: skip
async def create(data: InstitutionCreate, ctx: IssuerDep, response: Response) -> InstitutionCreated:
    """Register an institution (operator key): a signing DID and a chain account are made in the agent's
    wallet, and the institution's own API key is returned once (never cached on the way)."""
    institution, api_key = await create_institution(ctx, data)
    response.headers["Cache-Control"] = "no-store"
    return InstitutionCreated(**institution_out(institution).model_dump(), api_key=api_key)


@router.get("/me", response_model=InstitutionOut, operation_id="institutions-me")
async def me(institution: CurrentInstitution, ctx: IssuerDep) -> InstitutionOut:
    """The institution the API key belongs to."""
    return institution_out(institution)


@router.patch("/me", response_model=InstitutionOut, operation_id="institutions-update-me")
async def update_me(
    data: InstitutionUpdate, institution: CurrentInstitution, ctx: IssuerDep
) -> InstitutionOut:
    """How learners' wallets show the institution: display name and logo."""
    return institution_out(await update_institution(ctx, institution, data))
