"""What every page of the employer's console works with (``common.web.console.Desk``): the member of staff
signed in with the role the page needs, their employer (``desk.owner``), the controller."""

from typing import Annotated

from fastapi import Depends

from common.web.console import Console, Desk, desks

from ..config import VerifierSettings
from ..models import Employer

__all__ = ["Asking", "Reading", "administering", "of"]


def of(settings: VerifierSettings) -> Console:
    return Console("verifier_controller", "verifier", settings.public_url, "verifier")


reading, asking, administering = desks(Employer, "verifier")
Reading = Annotated[Desk, Depends(reading)]
Asking = Annotated[Desk, Depends(asking)]
