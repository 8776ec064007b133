"""What the verifier's services share for the controller's lifetime."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from common.context import ControllerContext

from .config import VerifierSettings


@dataclass(kw_only=True)
class VerifierContext(ControllerContext):
    settings: VerifierSettings

    @property
    def domain(self) -> str:
        return self.settings.domain or httpx.URL(self.settings.public_url).host
