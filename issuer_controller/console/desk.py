"""What every page of the institution's console works with (``common.web.console.Desk``): the member of
staff signed in with the role the page needs, their institution (``desk.owner``), the controller."""

from typing import Annotated

from fastapi import Depends

from common.web.console import Console, Desk, desks

from ..config import IssuerSettings
from ..models import Institution

__all__ = ["Administering", "Awarding", "Reading", "of"]


def of(settings: IssuerSettings) -> Console:
    return Console("issuer_controller", "issuer", settings.public_url, "issuer")


reading, awarding, administering = desks(Institution, "issuer")
Reading = Annotated[Desk, Depends(reading)]
Awarding = Annotated[Desk, Depends(awarding)]
Administering = Annotated[Desk, Depends(administering)]
