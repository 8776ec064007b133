from fastapi import APIRouter, Response

from ..domain import EmployerCreate, EmployerUpdate
from ..schemas import EmployerCreated, EmployerOut
from ..security import CurrentEmployer, OperatorOnly
from ..services.employers import create_employer, update_employer
from . import VerifierDep

router = APIRouter(prefix="/v1/employers", tags=["employers"])


@router.post(
    "", status_code=201, response_model=EmployerCreated, dependencies=[OperatorOnly],
    operation_id="employers-create",
)  # fmt: skip
async def create(data: EmployerCreate, ctx: VerifierDep, response: Response) -> EmployerCreated:
    """Register an employer (operator key); its own API key is returned once (never cached on the way)."""
    employer, api_key = await create_employer(ctx, data)
    response.headers["Cache-Control"] = "no-store"
    return EmployerCreated(**EmployerOut.model_validate(employer).model_dump(), api_key=api_key)


@router.get("/me", response_model=EmployerOut, operation_id="employers-me")
async def me(employer: CurrentEmployer) -> EmployerOut:
    return EmployerOut.model_validate(employer)


@router.patch("/me", response_model=EmployerOut, operation_id="employers-update-me")
async def update_me(data: EmployerUpdate, employer: CurrentEmployer, ctx: VerifierDep) -> EmployerOut:
    """How candidates' wallets show the employer: name and logo."""
    return EmployerOut.model_validate(await update_employer(ctx, employer, data))
