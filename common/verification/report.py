"""The report's shape, one for every kind of thing verified (a W3C credential or presentation, an SD-JWT VC):
per credential its checks and what it says in plain language; over all of them the verdict."""

from __future__ import annotations

from typing import Any

from .pipeline import Check, run_checks
from .subject import Ports, Subject
from .summary import summary


async def credential_report(checks: list[Check], subject: Subject) -> dict[str, Any]:
    report = await run_checks(checks, subject)
    return {
        "id": subject.credential.get("id"),
        "issuer": subject.issuer_did,
        "achievement": subject.achievement.get("name"),
        "profile": subject.profile,
        "microcredential": summary(subject),
        **report,
    }


def verification_report(ports: Ports, credentials: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    """``verified`` only if there is a credential and every one passed every check that ran."""
    return {
        "verified": bool(credentials) and all(c["verified"] for c in credentials),
        "kind": kind,
        "checked_at": ports.clock().isoformat(),
        "credentials": credentials,
    }
