from fastapi import APIRouter

from common.security import key_hash, new_api_key

from ..models import Employer
from ..schemas import EmployerCreate, EmployerCreated, EmployerOut
from ..security import CurrentEmployer, OperatorOnly
from . import VerifierDep

router = APIRouter(prefix="/v1/employers", tags=["employers"])


@router.post(
    "", status_code=201, response_model=EmployerCreated, dependencies=[OperatorOnly],
    operation_id="employers-create",
)  # fmt: skip
async def create(data: EmployerCreate, ctx: VerifierDep) -> EmployerCreated:
    """Register an employer (operator key); its own API key is returned once."""
    api_key = new_api_key("mcv_")
    employer = Employer(name=data.name, api_key_hash=key_hash(api_key))
    async with ctx.sessions() as session, session.begin():
        session.add(employer)
    return EmployerCreated(**EmployerOut.model_validate(employer).model_dump(), api_key=api_key)


@router.get("/me", response_model=EmployerOut, operation_id="employers-me")
async def me(employer: CurrentEmployer) -> EmployerOut:
    return EmployerOut.model_validate(employer)
