from fastapi import APIRouter, Query, Request

from common.web.uploads import read_capped

from ..schemas import VerificationOut
from ..security import CurrentEmployer, MaybeEmployer
from ..services.verifications import get_verification, verify_upload
from . import VerifierDep

router = APIRouter(prefix="/v1/verifications", tags=["verifications"])

BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "description": "A credential or a presentation"}
            },
            "image/png": {"schema": {"type": "string", "format": "binary", "description": "A baked badge"}},
            "application/dc+sd-jwt": {
                "schema": {"type": "string", "description": "An SD-JWT VC presentation, compact form"}
            },
        },
    }
}


def verification_out(verification) -> VerificationOut:
    return VerificationOut(
        id=verification.id,
        kind=verification.kind,
        verified=verification.verified,
        report=verification.report,
        created_at=verification.created_at,
    )


@router.post(
    "",
    status_code=201,
    response_model=VerificationOut,
    operation_id="verifications-create",
    openapi_extra=BODY,
)
async def create(
    request: Request,
    employer: MaybeEmployer,
    ctx: VerifierDep,
    challenge: str | None = Query(
        None, max_length=200, description="The challenge a presentation must answer"
    ),
):
    """Verify a credential or a presentation someone sent (JSON, a PNG badge, or an SD-JWT VC presentation
    in compact form): the full pipeline, the report stored. Open to anyone; with an employer's key it is
    kept under that employer."""
    body = await read_capped(request, ctx.settings.max_upload_bytes)
    return verification_out(await verify_upload(ctx, body, employer, challenge))


@router.get("/{verification_id}", response_model=VerificationOut, operation_id="verifications-get")
async def read(verification_id: str, employer: CurrentEmployer, ctx: VerifierDep):
    return verification_out(await get_verification(ctx, employer, verification_id))
