"""The institution's profile (administrators): the name and logo learners' wallets show in invitations and
credentials, the address learners write to, beside the legal name, DID and chain account it was registered
with."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from common.web.console import Posted, form_text

from ..domain import InstitutionUpdate
from ..services.institutions import update_institution
from .desk import Administering

router = APIRouter(prefix="/console/profile")

FIELDS = ("display_name", "logo_url", "contact_email")


@router.get("", response_class=HTMLResponse)
async def read(desk: Administering) -> HTMLResponse:
    owner = desk.owner
    values = {k: getattr(owner, k) or "" for k in FIELDS}
    return desk.render("console/profile.html", values=values, errors={})


@router.post("", response_class=HTMLResponse)
async def save(desk: Administering, form: Posted) -> Response:
    _ = desk._
    values = {k: form_text(form, k) for k in FIELDS}
    try:
        data = InstitutionUpdate.model_validate({k: values.get(k) or None for k in FIELDS})
    except ValidationError as err:
        messages = {
            "display_name": _("At most 100 characters."),
            "logo_url": _("An image's address starting with https://."),
            "contact_email": _("An e-mail address like name@example.org."),
        }
        errors = {str(e["loc"][0]): messages[str(e["loc"][0])] for e in err.errors()}
        return desk.render("console/profile.html", status=422, values=values, errors=errors)
    await update_institution(desk.ctx, desk.owner, data)
    await desk.audit("profile-changed", desk.owner.id, data.display_name)
    return RedirectResponse("/console/profile", status_code=303)
