"""The institution's staff (administrators only): who has an account, adding one, a new set-password link
for one who forgot theirs."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from common.accounts import Role
from common.errors import Conflict
from common.web.console import Posted
from common.web.staff_api import StaffCreate, set_password_url

from .desk import Administering, Desk

router = APIRouter(prefix="/console/staff")


async def _page(
    desk: Desk, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
    link: str | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    _ = desk._
    return desk.render(
        "console/staff.html",
        status=status,
        members=await desk.ctx.accounts.users(desk.institution.id),
        values=values or {"role": Role.AWARDING.value},
        errors=errors or {},
        labels={"name": _("Name"), "email": _("E-mail address"), "role": _("Role")},
        roles=[(Role.ADMINISTRATOR.value, _("administrator")), (Role.AWARDING.value, _("awarding staff")),
               (Role.READER.value, _("read-only"))],
        link=link,
    )  # fmt: skip


@router.get("", response_class=HTMLResponse)
async def list_(desk: Administering) -> HTMLResponse:
    return await _page(desk)


@router.post("", response_class=HTMLResponse)
async def add(desk: Administering, form: Posted) -> Response:
    _ = desk._
    values = {k: v.strip() for k in ("name", "email", "role") if isinstance(v := form.get(k), str)}
    try:
        data = StaffCreate(
            name=values.get("name", ""), email=values.get("email", ""), role=values.get("role", "")
        )  # type: ignore[arg-type]
    except ValidationError as err:
        messages = {
            "name": _("A name of 1 to 300 characters."),
            "email": _("An e-mail address like name@example.org."),
            "role": _("Choose one of the options."),
        }
        errors = {str(e["loc"][0]): messages[str(e["loc"][0])] for e in err.errors()}
        return await _page(desk, values, errors, status=422)
    try:
        _user, token = await desk.ctx.accounts.add_user(
            desk.institution.id, data.email, data.name, data.role, None, desk.staff.user.email
        )
    except Conflict:
        return await _page(desk, values, {"email": _("This address already has an account.")}, status=409)
    assert token is not None
    return await _page(desk, link=set_password_url(desk.ctx.settings.public_url, token), status=201)


@router.post("/{user_id}/link", response_class=HTMLResponse)
async def new_link(user_id: str, desk: Administering, form: Posted) -> Response:
    _user, token = await desk.ctx.accounts.password_link(desk.institution.id, user_id, desk.staff.user.email)
    return await _page(desk, link=set_password_url(desk.ctx.settings.public_url, token))
