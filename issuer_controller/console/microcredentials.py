"""Microcredentials: the list, defining one (every EU mandatory element, each missing one named at its
field), retiring one, awarding one to a learner."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from common.microcredential import Template as TemplateDefinition
from common.web.console import Desk, Posted

from ..domain import Protocol
from ..errors import InvalidUpload
from ..letters import offer_letter
from ..models import Template, TemplateStatus
from ..services import bulk, mail, offers, templates
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


PREVIEW = 20
"""Rows of a checked cohort shown before it is awarded."""


def _row_problem(_, problem: dict) -> str:
    """A row's problem in the reader's language where it is one of ours; a validator's reason as it is."""
    reason = str(problem.get("reason", ""))
    if reason.startswith("the same learner as row"):
        return _("the same learner as row %(row)s") % {"row": reason.rsplit(" ", 1)[-1]}
    known = {
        "each row needs an email or a ref": _("each row needs an e-mail address or a reference"),
        "wrong number of columns": _("wrong number of columns"),
        "empty": _("no learner rows"),
    }
    if reason in known:
        return known[reason]
    if problem.get("field") == "email":
        return _("not an e-mail address")
    if problem.get("field") == "header":
        columns = ", ".join(bulk.LEARNER_COLUMNS + bulk.AWARD_COLUMNS)
        return _("the columns must be among: %(columns)s; email or ref is required") % {"columns": columns}
    return reason


def _cohort_options(desk: Desk, form, prefix: str = "") -> tuple[dict[str, str], dict[str, str]]:
    """The cohort's protocol and e-mail choice (the first form's fields are ``cohort_``-prefixed: they share
    the page with the award form's)."""
    _ = desk._
    values = {
        k: v
        for k in ("protocol", "send_email", "email_language")
        if isinstance(v := form.get(prefix + k), str)
    }
    if isinstance(sent := form.get("send_email"), str):
        values["send_email"] = sent
    errors = {}
    if values.get("protocol") not in {p.value for p in Protocol}:
        values["protocol"] = Protocol.DIDCOMM.value
    if values.get("email_language") not in ("pl", "en"):
        values["email_language"] = desk.lang
    if values.get("send_email") == "yes" and not mail.can_mail(desk.ctx):
        errors["send_email"] = _("No mail server is configured: show the QR code or send the link yourself.")
    return values, errors


@router.post("/{template_id}/cohort", response_class=HTMLResponse)
async def check_cohort(template_id: str, desk: Awarding, form: Posted) -> HTMLResponse:
    """Every row checked before anything is made: the problems by row, or what will be awarded."""
    _ = desk._
    template = await templates.get_template(desk.ctx, desk.owner, template_id)
    upload = form.get("file")
    values, errors = _cohort_options(desk, form, "cohort_")
    page = {"values": values, "errors": errors, **shown(template)}
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = _("Choose a CSV file.")
        return desk.render("console/cohort.html", status=422, **page)
    data = await upload.read()
    page["filename"] = upload.filename[:300]
    try:
        rows = bulk.parse_rows(data)
    except InvalidUpload as err:
        problems = [
            {"row": p.get("row", ""), "field": p.get("field", ""), "reason": _row_problem(_, p)}
            for p in err.errors
        ]
        return desk.render(
            "console/cohort.html",
            status=422,
            problems=problems or [{"row": "", "field": "", "reason": err.detail}],
            **page,
        )
    return desk.render(
        "console/cohort.html",
        status=422 if errors else 200,
        rows=rows[:PREVIEW],
        total=len(rows),
        csv=data.decode("utf-8-sig"),
        **page,
    )


@router.post("/{template_id}/cohort/start")
async def start_cohort(template_id: str, desk: Awarding, form: Posted) -> Response:
    values, errors = _cohort_options(desk, form)
    text, filename = form.get("csv"), form.get("filename")
    if errors or not isinstance(text, str) or not text:
        raise InvalidUpload("the cohort was not sent with its file: upload it again")
    job, _created = await bulk.start_bulk(
        desk.ctx,
        desk.owner,
        template_id,
        text.encode(),
        filename if isinstance(filename, str) else None,
        Protocol(values["protocol"]),
        values["email_language"] if values.get("send_email") == "yes" else None,
    )
    await desk.audit("cohort-awarded", job.id, f"{job.filename or ''} ({job.total})")
    return RedirectResponse(f"/console/cohorts/{job.id}", status_code=303)
