"""The institution's profile (administrators): the name and logo learners' wallets show in invitations and
credentials, beside the legal name, DID and chain account it was registered with."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from common.web.console import Posted

from ..domain import InstitutionUpdate
from ..services.institutions import update_institution
from .desk import Administering

router = APIRouter(prefix="/console/profile")


@router.get("", response_class=HTMLResponse)
async def read(desk: Administering) -> HTMLResponse:
    values = {"display_name": desk.owner.display_name or "", "logo_url": desk.owner.logo_url or ""}
    return desk.render("console/profile.html", values=values, errors={})


@router.post("", response_class=HTMLResponse)
async def save(desk: Administering, form: Posted) -> Response:
    _ = desk._
    values = {k: v.strip() for k in ("display_name", "logo_url") if isinstance(v := form.get(k), str)}
    try:
        data = InstitutionUpdate.model_validate(
            {k: values.get(k) or None for k in ("display_name", "logo_url")}
        )
    except ValidationError as err:
        messages = {
            "display_name": _("At most 100 characters."),
            "logo_url": _("An image's address starting with https://."),
        }
        errors = {str(e["loc"][0]): messages[str(e["loc"][0])] for e in err.errors()}
        return desk.render("console/profile.html", status=422, values=values, errors=errors)
    await update_institution(desk.ctx, desk.owner, data)
    await desk.audit("profile-changed", desk.owner.id, data.display_name)
    return RedirectResponse("/console/profile", status_code=303)
