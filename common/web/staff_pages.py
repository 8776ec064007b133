"""The owner's staff, for its administrators (both controllers): who has an account, adding one, a new
set-password link for one who forgot theirs, disabling one who left (and enabling again)."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from ..accounts import Role
from ..errors import Conflict
from .console import Desk, DeskDependency, Posted, form_text
from .staff_api import StaffCreate, set_password_url

__all__ = ["staff_pages"]


def staff_pages(administering: DeskDependency) -> APIRouter:
    """The owner's staff, for its administrators: who has an account, adding one, a new set-password link
    for one who forgot theirs (the link is shown to hand over)."""
    router = APIRouter(prefix="/console/staff")

    async def page(
        desk: Desk,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        link: str | None = None,
        status: int = 200,
        error: str | None = None,
    ) -> HTMLResponse:
        _ = desk._
        return desk.render(
            "console/staff.html",
            status=status,
            members=await desk.accounts.users(desk.owner.id),
            values=values or {"role": Role.AWARDING.value},
            errors=errors or {},
            labels={"name": _("Name"), "email": _("E-mail address"), "role": _("Role")},
            roles=[
                (Role.ADMINISTRATOR.value, _("administrator")),
                (Role.AWARDING.value, _("awarding staff")),
                (Role.READER.value, _("read-only")),
            ],
            link=link,
            error=error,
        )

    @router.get("", response_class=HTMLResponse)
    async def list_(desk: Annotated[Desk, Depends(administering)]) -> HTMLResponse:
        return await page(desk)

    @router.post("", response_class=HTMLResponse)
    async def add(desk: Annotated[Desk, Depends(administering)], form: Posted) -> Response:
        _ = desk._
        values = {k: form_text(form, k) for k in ("name", "email", "role")}
        try:
            data = StaffCreate.model_validate(values)
        except ValidationError as err:
            messages = {
                "name": _("A name of 1 to 300 characters."),
                "email": _("An e-mail address like name@example.org."),
                "role": _("Choose one of the options."),
            }
            errors = {str(e["loc"][0]): messages[str(e["loc"][0])] for e in err.errors()}
            return await page(desk, values, errors, status=422)
        try:
            _user, token = await desk.accounts.add_user(
                desk.owner.id, data.email, data.name, data.role, None, desk.staff.user.email
            )
        except Conflict:
            return await page(desk, values, {"email": _("This address already has an account.")}, status=409)
        assert token is not None
        return await page(desk, link=set_password_url(desk.console.public_url, token), status=201)

    @router.post("/{user_id}/active", response_class=HTMLResponse)
    async def active(user_id: str, desk: Annotated[Desk, Depends(administering)], form: Posted) -> Response:
        """Disable (``active`` = ``no``) or enable again; one's own account refused, said on the page."""
        _ = desk._
        try:
            await desk.accounts.set_active(
                desk.owner.id, user_id, form.get("active") == "yes", desk.staff.user
            )
        except Conflict:
            return await page(desk, error=_("You cannot disable your own account."), status=409)
        return await page(desk)

    @router.post("/{user_id}/link", response_class=HTMLResponse)
    async def new_link(user_id: str, desk: Annotated[Desk, Depends(administering)], form: Posted) -> Response:
        _user, token = await desk.accounts.password_link(desk.owner.id, user_id, desk.staff.user.email)
        return await page(desk, link=set_password_url(desk.console.public_url, token))

    return router
