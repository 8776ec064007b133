"""What one verification is about (a credential, perhaps inside a presentation, perhaps answering a proof
request) and the ports the checks use: the agent, the clock, the chain. Checks see nothing else, so tests can
inject a clock or a failing chain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from revocation.accreditation import Accreditation

VCDM_V1 = "https://www.w3.org/2018/credentials/v1"


class CredentialAgent(Protocol):
    """What the checks ask an agent (``agent.client.AdminClient`` in the controllers): signatures of suites
    not checked in process, a presentation's proof, which contexts it can load offline."""

    async def verify_credential(self, credential: dict[str, Any]) -> dict[str, Any]: ...

    async def verify_presentation(
        self, presentation: dict[str, Any], options: dict[str, Any]
    ) -> dict[str, Any]: ...

    async def bundled_contexts(self) -> list[str]: ...


class StatusSource(Protocol):
    async def read(self, list_urls: list[str], issuer_did: str | None) -> dict[str, Any]:
        """Each of the issuer's lists' bits as the chain says, with how they were obtained
        (``sources.ListView``), or the exception saying why that list cannot be read or is not the
        issuer's."""
        ...


class AccreditationSource(Protocol):
    async def history(self, did: str) -> list[Accreditation]:
        """The DID's accreditation records, oldest first."""
        ...


@dataclass(frozen=True)
class Criteria:
    """What an employer asked for; the presented credential must meet all of it."""

    achievement_id: str | None = None
    iqr_code: str | None = None
    min_eqf_level: int | None = None
    not_expired: bool = True
    """False: a credential past its validUntil still passes ``validity.window`` (saying so)."""


@dataclass
class Ports:
    agent: CredentialAgent
    clock: Callable[[], datetime]
    status: StatusSource | None
    accreditation: AccreditationSource | None
    """None when no chain is configured: the checks that need it fail and say so."""


@dataclass
class Facts:
    """What a credential says, read leniently (a field of the wrong shape reads as absent): for the checks,
    and for whoever judges a credential the pipeline already checked (a pathway's parts)."""

    credential: dict[str, Any]

    @property
    def profile(self) -> str:
        """``wallet`` (VCDM 1.1, what DIDComm wallets hold) or ``standard`` (VCDM 2.0, OB 3.0.3)."""
        return "wallet" if VCDM_V1 in (self.credential.get("@context") or []) else "standard"

    @property
    def issuer_did(self) -> str | None:
        issuer = self.credential.get("issuer")
        return issuer.get("id") if isinstance(issuer, dict) else issuer

    @property
    def subject(self) -> dict[str, Any]:
        subject = self.credential.get("credentialSubject") or {}
        if isinstance(subject, list):
            subject = subject[0] if subject else {}
        return subject if isinstance(subject, dict) else {}

    @property
    def achievement(self) -> dict[str, Any]:
        achievement = self.subject.get("achievement")
        return achievement if isinstance(achievement, dict) else {}

    @property
    def issued_at(self) -> str | None:
        return self.credential.get("validFrom") or self.credential.get("issuanceDate")

    def alignment_codes(self, target_type: str) -> list[str]:
        return [
            str(a.get("targetCode"))
            for a in self.achievement.get("alignment") or []
            if isinstance(a, dict) and a.get("targetType") == target_type and a.get("targetCode")
        ]

    @property
    def eqf_level(self) -> int | None:
        for a in self.achievement.get("alignment") or []:
            if isinstance(a, dict) and a.get("targetFramework") == "European Qualifications Framework":
                try:
                    return int(a["targetCode"])
                except (KeyError, TypeError, ValueError):
                    return None
        return None

    @property
    def status_entries(self) -> list[dict[str, Any]]:
        """Every status entry: ``credentialStatus`` (what every status-list verifier reads; the standard
        profile's), then ``statusEntries`` (the wallet profile's, since Credo refuses a credentialStatus)."""
        entries: list[dict[str, Any]] = []
        for name in ("credentialStatus", "statusEntries"):
            listed = self.credential.get(name) or []
            for entry in listed if isinstance(listed, list) else [listed]:
                if isinstance(entry, dict) and entry not in entries:
                    entries.append(entry)
        return entries


@dataclass
class Subject(Facts):
    ports: Ports
    presentation: dict[str, Any] | None = None
    challenge: str | None = None
    """The challenge the verifier sent (a proof request's); None for a file someone sent."""
    domain: str | None = None
    criteria: Criteria | None = None
    memo: dict[str, Any] = field(default_factory=dict)
    """Results checks share (a presentation verified once for all its credentials)."""
