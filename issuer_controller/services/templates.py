from __future__ import annotations

from sqlalchemy import select

from common.microcredential import Template as TemplateDefinition

from ..context import IssuerContext
from ..errors import Conflict, NotFound
from ..models import Institution, Template, TemplateStatus, now


async def create_template(
    ctx: IssuerContext, institution: Institution, definition: TemplateDefinition
) -> Template:
    template = Template(institution_id=institution.id, definition=definition.model_dump(mode="json"))
    async with ctx.sessions() as session, session.begin():
        session.add(template)
    return template


async def list_templates(
    ctx: IssuerContext, institution: Institution, status: TemplateStatus | None
) -> list[Template]:
    query = select(Template).where(Template.institution_id == institution.id)
    if status is not None:
        query = query.where(Template.status == status)
    async with ctx.sessions() as session:
        return list(await session.scalars(query.order_by(Template.created_at)))


async def get_template(ctx: IssuerContext, institution: Institution, template_id: str) -> Template:
    async with ctx.sessions() as session:
        template = await session.get(Template, template_id)
    if template is None or template.institution_id != institution.id:
        raise NotFound(f"no template {template_id} for this institution")
    return template


async def retire_template(ctx: IssuerContext, institution: Institution, template_id: str) -> Template:
    """No new offers from it; credentials already issued stay valid."""
    async with ctx.sessions() as session, session.begin():
        template = await session.get(Template, template_id, with_for_update=True)
        if template is None or template.institution_id != institution.id:
            raise NotFound(f"no template {template_id} for this institution")
        if template.status != TemplateStatus.RETIRED:
            template.status = TemplateStatus.RETIRED
            template.retired_at = now()
    return template


def active(template: Template) -> Template:
    if template.status != TemplateStatus.ACTIVE:
        raise Conflict(f"template {template.id} is retired: it issues no new credentials")
    return template
