"""The verification pipeline: named checks over a credential, alone or inside a presentation."""

from __future__ import annotations

from typing import Any

from .checks import CHECKS
from .pipeline import PortUnavailable
from .report import credential_report, verification_report
from .subject import Criteria, Facts, Ports, Subject

__all__ = ["CHECK_IDS", "Criteria", "Facts", "PortUnavailable", "Ports", "verify_document"]

CHECK_IDS = [c.id for c in CHECKS]


def _types(document: dict[str, Any]) -> list[str]:
    types = document.get("type") or []
    return types if isinstance(types, list) else [types]


async def verify_document(
    ports: Ports,
    document: dict[str, Any],
    *,
    challenge: str | None = None,
    domain: str | None = None,
    criteria: Criteria | None = None,
) -> dict[str, Any]:
    """The report on a credential, or on each credential of a presentation: ``verified`` only if every
    credential passed every check that ran. Raises ``PortUnavailable`` when the agent or the chain cannot be
    reached: no report is better than a wrong one."""
    if "VerifiablePresentation" in _types(document):
        presentation = document
        held = document.get("verifiableCredential") or []
        credentials = held if isinstance(held, list) else [held]
    else:
        presentation, credentials = None, [document]
    memo: dict[str, Any] = {}
    reports = [
        await credential_report(
            CHECKS,
            Subject(c if isinstance(c, dict) else {}, ports, presentation, challenge, domain, criteria, memo),
        )
        for c in credentials
    ]
    return verification_report(ports, reports, "presentation" if presentation is not None else "credential")
