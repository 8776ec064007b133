"""The verification pipeline: named checks over a credential, alone or inside a presentation."""

from __future__ import annotations

from typing import Any

from .checks import CHECKS
from .pipeline import PortUnavailable, run_checks
from .subject import Criteria, Facts, Ports, Subject
from .summary import summary

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
    reports = []
    for credential in credentials:
        credential = credential if isinstance(credential, dict) else {}
        subject = Subject(credential, ports, presentation, challenge, domain, criteria, memo)
        report = await run_checks(CHECKS, subject)
        reports.append(
            {
                "id": credential.get("id"),
                "issuer": subject.issuer_did,
                "achievement": subject.achievement.get("name"),
                "profile": subject.profile,
                "microcredential": summary(subject),
                **report,
            }
        )
    return {
        "verified": bool(reports) and all(r["verified"] for r in reports),
        "kind": "presentation" if presentation is not None else "credential",
        "checked_at": ports.clock().isoformat(),
        "credentials": reports,
    }
