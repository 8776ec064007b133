"""The microcredential as an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc, RFC 9901 SD-JWT): the copy OpenID4VC
wallets (Credo 0.6+, EU Digital Identity Wallets) hold.

Its claims are the OB3 credential's, in OB3's own vocabulary where OB3 has it: ``achievement`` and
``awarding_body`` are the OB3 ``Achievement`` and issuer ``Profile`` verbatim (every EU mandatory element
but the learner's identity is there), so one set of names serves every copy. What is about the learner —
their name, hashed e-mail, grade, activity dates — is selectively disclosable; the rest is plain. Status is
one IETF Token Status List entry (``status.status_list``), holder binding the wallet's key (``cnf.jwk``).
The issuer signs in its agent; this module only builds the payload and the disclosures.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .microcredential import Award, Institution, Template, achievement, hashed_email, iso, issuer_profile

__all__ = [
    "FORMAT",
    "SELECTIVE",
    "TYP",
    "VCT",
    "Presented",
    "SdJwtError",
    "TokenStatusEntry",
    "build_sd_jwt_vc",
    "compact",
    "credential_view",
    "disclose",
    "disclosed",
    "parse_presented",
]

VCT = "urn:mcred:microcredential:1"
"""The type of our SD-JWT VCs (docs/credential-model.md). A URN: an https ``vct`` makes wallets fetch type
metadata from it, and nothing may depend on our servers."""
FORMAT = "dc+sd-jwt"
TYP = "dc+sd-jwt"
SELECTIVE = ("learner_name", "learner_identifier", "result", "activity_start_date", "activity_end_date")
"""Claims about the learner: the holder decides whom to show them."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass(frozen=True)
class TokenStatusEntry:
    uri: str
    index: int

    def as_claim(self) -> dict[str, Any]:
        return {"status_list": {"idx": self.index, "uri": self.uri}}


def build_sd_jwt_vc(
    *,
    template: Template,
    institution: Institution,
    credential_id: str,
    achievement_id: str,
    holder_jwk: dict[str, Any],
    issued_at: datetime,
    status: TokenStatusEntry,
    learner_name: str | None,
    learner_email: str | None,
    identifier_salt: str,
    award: Award | None = None,
) -> dict[str, Any]:
    """The payload before disclosure (``disclose`` hides the ``SELECTIVE`` claims)."""
    award = award or Award()
    claims: dict[str, Any] = {
        "iss": institution.did,
        "iat": int(issued_at.timestamp()),
        "vct": VCT,
        "jti": credential_id,
        "cnf": {"jwk": holder_jwk},
        "status": status.as_claim(),
        "awarding_body": issuer_profile(institution),
        "achievement": achievement(template, achievement_id),
        "awarded_date": iso(issued_at),
        "credits_earned": award.credits_earned or template.ects,
    }
    learner = {
        "learner_name": learner_name,
        "learner_identifier": hashed_email(learner_email, identifier_salt) if learner_email else None,
        "result": award.grade,
        "activity_start_date": iso(award.activity_start_date) if award.activity_start_date else None,
        "activity_end_date": iso(award.activity_end_date) if award.activity_end_date else None,
    }
    claims.update({name: value for name, value in learner.items() if value is not None})
    if award.parts:
        claims["parts"] = [part.model_dump() for part in award.parts]
    return claims


def disclose(
    claims: dict[str, Any], selective: tuple[str, ...] = SELECTIVE
) -> tuple[dict[str, Any], list[str]]:
    """The issuer-signed payload (``_sd`` digests in place of the selective claims) and the disclosures."""
    payload = {name: value for name, value in claims.items() if name not in selective}
    disclosures = [
        b64url(json.dumps([b64url(secrets.token_bytes(16)), name, claims[name]], ensure_ascii=False).encode())
        for name in selective
        if name in claims
    ]
    if disclosures:
        payload["_sd"] = sorted(digest(d) for d in disclosures)
        payload["_sd_alg"] = "sha-256"
    return payload, disclosures


def digest(disclosure: str) -> str:
    return b64url(hashlib.sha256(disclosure.encode("ascii")).digest())


def compact(issuer_jwt: str, disclosures: list[str]) -> str:
    """``<issuer-signed JWT>~<disclosure>~…~``: an SD-JWT without key binding, as the issuer hands it over."""
    return "~".join([issuer_jwt, *disclosures]) + "~"


# --- what a verifier reads ------------------------------------------------------------------------------
class SdJwtError(ValueError):
    """Not an SD-JWT (VC) at all: what cannot be parsed, before any check can say more."""


@dataclass(frozen=True)
class Presented:
    """An SD-JWT as a holder presents it: the issuer-signed JWT, the disclosures the holder chose, and the key
    binding JWT (``None`` when there is none: the string ends with ``~``)."""

    issuer_jwt: str
    disclosures: list[str]
    key_binding: str | None
    compact: str

    @property
    def sd_hash(self) -> str:
        """What the key binding JWT must carry: sha-256 over everything before it (RFC 9901 §4.3.1)."""
        signed_part = self.compact[: len(self.compact) - len(self.key_binding or "")]
        return b64url(hashlib.sha256(signed_part.encode("ascii")).digest())


def parse_presented(compact: Any) -> Presented:
    if not isinstance(compact, str) or "~" not in compact:
        raise SdJwtError("not an SD-JWT: <issuer-signed JWT>~<disclosure>~…~<key binding JWT>")
    if not compact.isascii():
        raise SdJwtError("an SD-JWT is ASCII (base64url parts separated by ~)")
    issuer_jwt, *rest = compact.split("~")
    *disclosures, key_binding = rest
    return Presented(issuer_jwt, disclosures, key_binding or None, compact)


def disclosed(payload: dict[str, Any], disclosures: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The claims with every disclosure put back in place of its digest, and what is wrong with the
    disclosures (one that hashes to nothing in ``_sd``, is not a claim, or repeats one)."""
    listed = payload.get("_sd")
    digests = listed if isinstance(listed, list) else []
    claims = {name: value for name, value in payload.items() if name not in ("_sd", "_sd_alg")}
    problems, seen = [], set()
    for disclosure in disclosures:
        digest_of = digest(disclosure)
        if digest_of in seen:
            problems.append(f"disclosure {disclosure[:12]}… is given twice")
            continue
        seen.add(digest_of)
        if digest_of not in digests:
            problems.append(f"disclosure {disclosure[:12]}… hashes to no digest the issuer signed")
            continue
        try:
            salt, name, value = json.loads(
                base64.urlsafe_b64decode(disclosure + "=" * (-len(disclosure) % 4))
            )
        except (ValueError, TypeError):
            problems.append(f"disclosure {disclosure[:12]}… is not [salt, name, value]")
            continue
        if not isinstance(salt, str) or not isinstance(name, str) or name in claims or name in ("_sd", "..."):
            problems.append(f"disclosure {disclosure[:12]}… does not disclose a new claim")
            continue
        claims[name] = value
    return claims, problems


def credential_view(claims: dict[str, Any]) -> dict[str, Any]:
    """The disclosed claims in the OB3 shape the shared checks read (issuer, subject and achievement, dates,
    parts as evidence): one reading of a microcredential, whichever copy was presented."""

    def iso_of(seconds: Any) -> str | None:
        return iso(datetime.fromtimestamp(seconds, UTC)) if isinstance(seconds, int | float) else None

    body = claims.get("awarding_body")
    issuer = {**body, "id": claims.get("iss")} if isinstance(body, dict) else claims.get("iss")
    subject: dict[str, Any] = {"achievement": claims.get("achievement")}
    if claims.get("learner_identifier"):
        subject["identifier"] = [claims["learner_identifier"]]
    if claims.get("learner_name"):
        subject["name"] = claims["learner_name"]
    view: dict[str, Any] = {
        "id": claims.get("jti"),
        "issuer": issuer,
        "credentialSubject": subject,
        "validFrom": iso_of(claims.get("nbf")) or claims.get("awarded_date") or iso_of(claims.get("iat")),
    }
    if (until := iso_of(claims.get("exp"))) is not None:
        view["validUntil"] = until
    parts = claims.get("parts")
    if isinstance(parts, list):
        view["evidence"] = [
            {"id": p.get("id"), "name": p.get("name"), "partIssuer": p.get("issuer"),
             "partAchievement": p.get("achievement"), "partDigest": p.get("digest")}
            for p in parts if isinstance(p, dict)
        ]  # fmt: skip
    return view
