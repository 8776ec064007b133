from fastapi import APIRouter

from common.microcredential import Template as TemplateDefinition

from ..models import Template, TemplateStatus
from ..schemas import TemplateOut
from ..security import CurrentInstitution
from ..services import templates
from . import IssuerDep

router = APIRouter(prefix="/v1/templates", tags=["templates"])


def template_out(template: Template) -> TemplateOut:
    return TemplateOut(
        id=template.id,
        status=template.status,
        achievement_id=template.achievement_id,
        definition=TemplateDefinition.model_validate(template.definition),
        created_at=template.created_at,
        retired_at=template.retired_at,
    )


@router.post("", status_code=201, response_model=TemplateOut, operation_id="templates-create")
async def create(definition: TemplateDefinition, institution: CurrentInstitution, ctx: IssuerDep):
    """Define a microcredential once; every EU mandatory element is required (a missing one is named)."""
    return template_out(await templates.create_template(ctx, institution, definition))


@router.get("", response_model=list[TemplateOut], operation_id="templates-list")
async def list_(institution: CurrentInstitution, ctx: IssuerDep, status: TemplateStatus | None = None):
    return [template_out(t) for t in await templates.list_templates(ctx, institution, status)]


@router.get("/{template_id}", response_model=TemplateOut, operation_id="templates-get")
async def read(template_id: str, institution: CurrentInstitution, ctx: IssuerDep):
    return template_out(await templates.get_template(ctx, institution, template_id))


@router.post("/{template_id}/retire", response_model=TemplateOut, operation_id="templates-retire")
async def retire(template_id: str, institution: CurrentInstitution, ctx: IssuerDep):
    """No new offers from this template; credentials already issued are untouched."""
    return template_out(await templates.retire_template(ctx, institution, template_id))
