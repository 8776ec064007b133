"""Microcredentials: the list, defining one (every EU mandatory element, each missing one named at its
field), retiring one, awarding one to a learner."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from common.microcredential import Template as TemplateDefinition
from common.web.console import Desk, Posted

from ..letters import offer_letter
from ..models import Template, TemplateStatus
from ..services import mail, offers, templates
from .desk import Awarding, Reading
from .forms import (
    award_labels,
    award_of,
    definition_labels,
    definition_of,
    participation_options,
    protocol_options,
    supervision_options,
)

router = APIRouter(prefix="/console/microcredentials")

LEVELS = [(str(level), str(level)) for level in range(1, 9)]


def shown(template: Template) -> dict[str, Any]:
    definition = TemplateDefinition.model_validate(template.definition)
    return {"template": template, "definition": definition, "title": definition.text(definition.title)}


@router.get("", response_class=HTMLResponse)
async def list_(desk: Reading) -> HTMLResponse:
    found = await templates.list_templates(desk.ctx, desk.owner, None)
    return desk.render("console/microcredentials.html", items=[shown(t) for t in reversed(found)])


def _definition_page(
    desk: Desk, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    _ = desk._
    return desk.render(
        "console/define.html",
        status=status,
        values=values,
        errors=errors,
        labels=definition_labels(_),
        participation=participation_options(_),
        supervision=supervision_options(_),
        levels_required=[("", _("— choose —")), *LEVELS],
        levels_optional=[("", _("— not stated —")), *LEVELS],
    )


@router.get("/new", response_class=HTMLResponse)
async def new(desk: Awarding) -> HTMLResponse:
    return _definition_page(desk, {"language": "pl"}, {})


@router.post("", response_class=HTMLResponse)
async def define(desk: Awarding, form: Posted) -> Response:
    values, definition, errors = definition_of(form, desk._)
    if definition is None:
        return _definition_page(desk, values, errors, status=422)
    template = await templates.create_template(desk.ctx, desk.owner, definition)
    await desk.audit("microcredential-defined", template.id, definition.text(definition.title))
    return RedirectResponse(f"/console/microcredentials/{template.id}", status_code=303)


def _template_page(
    desk: Desk,
    template: Template,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    _ = desk._
    return desk.render(
        "console/microcredential.html",
        status=status,
        **shown(template),
        values=values or {"protocol": "didcomm", "email_language": desk.lang},
        can_mail=mail.can_mail(desk.ctx),
        errors=errors or {},
        labels=award_labels(_),
        protocols=protocol_options(_),
        active=template.status == TemplateStatus.ACTIVE,
    )


@router.get("/{template_id}", response_class=HTMLResponse)
async def read(template_id: str, desk: Reading) -> HTMLResponse:
    return _template_page(desk, await templates.get_template(desk.ctx, desk.owner, template_id))


@router.post("/{template_id}/retire")
async def retire(template_id: str, desk: Awarding, form: Posted) -> Response:
    template = await templates.retire_template(desk.ctx, desk.owner, template_id)
    await desk.audit("microcredential-retired", template.id, shown(template)["title"])
    return RedirectResponse(f"/console/microcredentials/{template.id}", status_code=303)


@router.post("/{template_id}/award", response_class=HTMLResponse)
async def award(template_id: str, desk: Awarding, form: Posted) -> Response:
    template = await templates.get_template(desk.ctx, desk.owner, template_id)
    values, parsed, errors = award_of(form, desk._, mail.can_mail(desk.ctx))
    if parsed is None:
        return _template_page(desk, template, values, errors, status=422)
    learner, award, protocol, language = parsed
    offer = await offers.create_offer(desk.ctx, desk.owner, template.id, learner, award, protocol=protocol)
    await desk.audit("awarded", offer.id, learner.name or learner.email or learner.ref)
    if language is not None:
        await mail.queue(
            desk.ctx, offer_letter(desk.console, language, offer, desk.owner, template), offer_id=offer.id
        )
    return RedirectResponse(f"/console/offers/{offer.id}", status_code=303)
