"""What every page of the institution's console works with: the member of staff signed in (of the role
the page needs), their institution, the controller; audited changes."""

from typing import Annotated

from fastapi import Depends, Request

from common.accounts import Role, SignedIn
from common.web.console import Console, needs

from ..config import IssuerSettings
from ..context import IssuerContext
from ..models import Institution

__all__ = ["Administering", "Awarding", "Desk", "Reading", "of"]


def of(settings: IssuerSettings) -> Console:
    return Console(
        "issuer_controller", "issuer", settings.public_url, lambda request: request.app.state.issuer.accounts
    )


class Desk:
    """What a console page works with: the member of staff, their institution, the controller."""

    def __init__(self, staff: SignedIn, institution: Institution, ctx: IssuerContext, request: Request):
        self.staff, self.institution, self.ctx, self.request = staff, institution, ctx, request

    @property
    def console(self) -> Console:
        return self.request.app.state.console

    def render(self, template: str, /, status: int = 200, **values):
        return self.console.render(
            self.request, template, status=status, institution=self.institution, **values
        )

    def _(self, message: str) -> str:
        return self.console.gettext(self.request)(message)

    async def audit(self, action: str, subject: str | None, detail: str | None = None) -> None:
        await self.ctx.accounts.record(self.institution.id, self.staff.user, action, subject, detail)


def _desk_of(role: Role):
    async def desk(request: Request, staff: Annotated[SignedIn, Depends(needs(role))]) -> Desk:
        ctx: IssuerContext = request.app.state.issuer
        async with ctx.sessions() as session:
            institution = await session.get(Institution, staff.user.owner_id)
        assert institution is not None  # staff_users.owner_id is a foreign key
        return Desk(staff, institution, ctx, request)

    return desk


Reading = Annotated[Desk, Depends(_desk_of(Role.READER))]
Awarding = Annotated[Desk, Depends(_desk_of(Role.AWARDING))]
Administering = Annotated[Desk, Depends(_desk_of(Role.ADMINISTRATOR))]
