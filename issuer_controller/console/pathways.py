"""Pathways and claims: the larger credentials defined by their parts, defining one, and each pathway's
claims with what came of them (awarded, refused and why, affected by a part revoked later)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from common.web.console import Desk, Posted

from ..domain import PathwayCreate
from ..models import TemplateStatus
from ..services import claims, pathways, templates
from .credentials import shown_title
from .desk import Awarding, Reading

router = APIRouter(prefix="/console/pathways")

PARTS = 3
"""Kinds of part the form offers (a pathway may have up to 50 through the API)."""


def _lines(text: object) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


async def _form_page(desk: Desk, values: dict, errors: dict[str, str], status: int = 200) -> HTMLResponse:
    _ = desk._
    own = await templates.list_templates(desk.ctx, desk.owner, TemplateStatus.ACTIVE)
    return desk.render(
        "console/pathway_define.html",
        status=status,
        values=values,
        errors=errors,
        own=[(t.achievement_id, t.id, shown_title(t.definition)) for t in own],
        template_options=[("", _("— choose —")), *((t.id, shown_title(t.definition)) for t in own)],
        parts=range(1, PARTS + 1),
        labels={"name": _("Name of the pathway"), "template_id": _("The larger microcredential it awards"),
                "requirements": _("Parts"), "policy": _("When a part is revoked or suspended later")},
    )  # fmt: skip


@router.get("", response_class=HTMLResponse)
async def list_(desk: Reading) -> HTMLResponse:
    found = await pathways.list_pathways(desk.ctx, desk.owner)
    names = {
        t.id: shown_title(t.definition) for t in await templates.list_templates(desk.ctx, desk.owner, None)
    }
    return desk.render("console/pathways.html", items=[(p, names.get(p.template_id, "")) for p in found])


@router.get("/new", response_class=HTMLResponse)
async def new(desk: Awarding) -> HTMLResponse:
    return await _form_page(desk, {"policy": "flag"}, {})


@router.post("", response_class=HTMLResponse)
async def define(desk: Awarding, form: Posted) -> Response:
    """Each part: own microcredentials ticked and other issuers' achievement ids or IQR codes, one per line
    (``urn:uuid:…`` is an achievement, anything else an IQR code), and how many of them."""
    _ = desk._
    values: dict = {k: v for k, v in form.multi_items() if isinstance(v, str) and not k.startswith("own_")}
    requirements, numbers = [], []
    for n in range(1, PARTS + 1):
        own = [v for v in form.getlist(f"own_{n}") if isinstance(v, str)]
        values[f"own_{n}"] = own
        other = _lines(values.get(f"other_{n}"))
        if not (values.get(f"part_{n}") or own or other):
            continue
        requirement = {
            "name": values.get(f"part_{n}") or _("Part %(n)s") % {"n": n},
            "achievement_ids": own + [x for x in other if x.startswith("urn:uuid:")],
            "iqr_codes": [x for x in other if not x.startswith("urn:uuid:")],
        }
        if values.get(f"at_least_{n}"):
            requirement["at_least"] = values[f"at_least_{n}"]
        requirements.append(requirement)
        numbers.append(n)
    errors: dict[str, str] = {}
    data = None
    try:
        data = PathwayCreate.model_validate(
            {"name": values.get("name", ""), "template_id": values.get("template_id", ""),
             "requirements": requirements, "policy": values.get("policy", "flag")}
        )  # fmt: skip
    except ValidationError as err:
        messages = {
            "name": _("A name of 1 to 300 characters."),
            "template_id": _("Choose the larger microcredential."),
            "requirements": _("Name at least one part: tick a microcredential or give an id or a code."),
            "policy": _("Choose one of the options."),
        }
        for e in err.errors():
            field = str(e["loc"][0])
            if field == "requirements" and len(e["loc"]) > 1 and isinstance(e["loc"][1], int):
                field = f"other_{numbers[e['loc'][1]]}"
                mixed = "one of them" in str(e["msg"])
                messages[field] = (
                    _("A part counts microcredentials (achievement ids) or IQR codes, not both.")
                    if mixed
                    else _("“How many” is more than the items listed.")
                )
            errors.setdefault(field, messages.get(field, str(e["msg"])))
    if data is None or errors:
        return await _form_page(desk, values, errors, status=422)
    pathway = await pathways.create_pathway(desk.ctx, desk.owner, data)
    await desk.audit("pathway-defined", pathway.id, pathway.name)
    return RedirectResponse(f"/console/pathways/{pathway.id}", status_code=303)


@router.get("/{pathway_id}", response_class=HTMLResponse)
async def read(pathway_id: str, desk: Reading) -> HTMLResponse:
    pathway = await pathways.get_pathway(desk.ctx, desk.owner, pathway_id)
    whole = await templates.get_template(desk.ctx, desk.owner, pathway.template_id)
    return desk.render(
        "console/pathway.html",
        pathway=pathway,
        whole=shown_title(whole.definition),
        parts=pathways.requirements(pathway),
        found=await claims.list_claims(desk.ctx, pathway),
        public_url=f"{desk.ctx.settings.public_url}/pathways/{pathway.id}",
    )
