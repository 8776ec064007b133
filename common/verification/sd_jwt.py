"""The pipeline for an SD-JWT VC presentation (OpenID4VP, or a compact SD-JWT someone sent): its own checks
for what is particular to the format — the issuer's JWT, the disclosures, the key binding — then the same
checks as any credential, over the disclosed claims read in the OB3 shape (``sd_jwt_vc.credential_view``):
validity, status from the chain (its token status list entry as two status entries), accreditation, the EU
elements, the employer's criteria. Check ids are the W3C pipeline's where the question is the same."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from common.jws import ALGORITHMS, Jws, JwsError, jwk_of_did_key, parse, public_jwk, verify
from common.sd_jwt_vc import VCT, Presented, SdJwtError, credential_view, disclosed, parse_presented
from revocation.token_status_list import position

from . import checks as w3c
from .pipeline import Check, Outcome, failed, passed, skipped
from .report import credential_report, verification_report
from .subject import Criteria, Ports, Subject

TYPS = ("dc+sd-jwt", "vc+sd-jwt")
KB_TYP = "kb+jwt"
KB_MAX_AGE = 300
"""Seconds a key binding JWT's ``iat`` may lie from now: a presentation is made for this moment."""


@dataclass
class SdJwtSubject(Subject):
    """``credential`` is the view of the disclosed claims; the rest is what was presented."""

    presented: Presented | None = None
    issuer: Jws | None = None
    claims: dict[str, Any] | None = None
    disclosure_problems: list[str] | None = None

    @property
    def profile(self) -> str:
        return "sd-jwt"

    @property
    def status_entries(self) -> list[dict[str, Any]]:
        """The token status list entry as the two entries the status checks read: its revocation bit and its
        suspension bit, at their positions in the list."""
        entry = ((self.claims or {}).get("status") or {}).get("status_list")
        if not isinstance(entry, dict) or not isinstance(entry.get("idx"), int):
            return []
        return [
            {
                "type": "TokenStatusListEntry",
                "statusPurpose": purpose,
                "statusListCredential": entry.get("uri"),
                "statusListIndex": position(entry["idx"], purpose),
            }
            for purpose in ("revocation", "suspension")
        ]


def read(compact: str, ports: Ports, challenge: str | None, audience: str | None, criteria: Criteria | None):
    """The subject of the checks; what cannot be parsed leaves it empty for ``structure`` to report."""
    subject = SdJwtSubject({}, ports, None, challenge, audience, criteria, {})
    try:
        subject.presented = parse_presented(compact)
        subject.issuer = parse(subject.presented.issuer_jwt)
    except (SdJwtError, JwsError) as err:
        subject.memo["unreadable"] = str(err)
        return subject
    subject.claims, subject.disclosure_problems = disclosed(
        subject.issuer.payload, subject.presented.disclosures
    )
    subject.credential = credential_view(subject.claims)
    return subject


async def structure(s: SdJwtSubject) -> Outcome:
    if s.issuer is None or s.claims is None:
        return failed("Not an SD-JWT VC", s.memo.get("unreadable", "unreadable"))
    typ = s.issuer.header.get("typ")
    if typ not in TYPS:
        return failed("Not an SD-JWT VC", f"typ is {typ!r}, not one of {', '.join(TYPS)}")
    if not isinstance(s.claims.get("vct"), str):
        return failed("Not an SD-JWT VC", "vct is missing")
    if s.issuer.payload.get("_sd_alg", "sha-256") != "sha-256":
        return failed("Not an SD-JWT VC", f"_sd_alg {s.issuer.payload.get('_sd_alg')!r} is not sha-256")
    if not isinstance(s.claims.get("iss"), str):
        return failed("No issuer", "the SD-JWT VC names no iss")
    kind = "a microcredential" if s.claims["vct"] == VCT else f"a {s.claims['vct']}"
    return passed(f"an SD-JWT VC ({kind}) from {s.claims['iss']}", profile="sd-jwt", vct=s.claims["vct"])


async def signature(s: SdJwtSubject) -> Outcome:
    """The issuer's JWT is signed by a key of ``iss`` (its did:key ``kid``)."""
    assert s.issuer is not None and s.claims is not None  # structure (fatal) passed
    kid, iss = s.issuer.header.get("kid"), s.claims["iss"]
    if not isinstance(kid, str) or kid.split("#")[0] != iss:
        return failed("Invalid signature", f"kid {kid!r} is not a key of the issuer {iss}")
    try:
        verify(s.issuer, jwk_of_did_key(kid))
    except JwsError as err:
        return failed("Invalid signature", f"the issuer's JWT: {err}")
    return passed(f"{s.issuer.header.get('alg')} by {kid}", suite=f"sd-jwt {s.issuer.header.get('alg')}")


async def disclosures(s: SdJwtSubject) -> Outcome:
    if s.disclosure_problems:
        return failed("Forged disclosure", "; ".join(s.disclosure_problems))
    assert s.presented is not None
    return passed(f"{len(s.presented.disclosures)} disclosure(s), each signed by the issuer as a digest")


def _key_binding(s: SdJwtSubject) -> Jws | None:
    if "kb" not in s.memo:
        try:
            s.memo["kb"] = parse(s.presented.key_binding) if s.presented and s.presented.key_binding else None
        except JwsError:
            s.memo["kb"] = None
    return s.memo["kb"]


async def holder_binding(s: SdJwtSubject) -> Outcome:
    """A key binding JWT (``kb+jwt``) by the key the credential is bound to (``cnf.jwk``), over exactly what
    was presented (``sd_hash``)."""
    assert s.presented is not None and s.claims is not None
    if not s.presented.key_binding:
        return failed(
            "No key binding", "the presentation has no key binding JWT: anyone holding a copy could send it"
        )
    kb = _key_binding(s)
    if kb is None:
        return failed("No key binding", "the key binding JWT is not a JWS")
    if kb.header.get("typ") != KB_TYP or kb.header.get("alg") not in ALGORITHMS:
        return failed(
            "Not the holder",
            f"the key binding JWT has typ {kb.header.get('typ')!r}, alg {kb.header.get('alg')!r}",
        )
    try:
        verify(kb, public_jwk((s.claims.get("cnf") or {}).get("jwk")))
    except JwsError as err:
        return failed("Not the holder", f"not signed by the key the credential is bound to: {err}")
    if kb.payload.get("sd_hash") != s.presented.sd_hash:
        return failed("Not the holder", "sd_hash does not cover what was presented")
    return passed("signed by the key the credential is bound to, over what was presented")


async def challenge(s: SdJwtSubject) -> Outcome:
    if s.challenge is None:
        return skipped("no challenge was asked for (a presentation someone sent, not an answer to a request)")
    kb = _key_binding(s)
    if kb is None:
        return failed("Wrong challenge", "no key binding JWT carries the nonce")
    if kb.payload.get("nonce") != s.challenge:
        return failed(
            "Wrong challenge",
            f"the presentation answers nonce {kb.payload.get('nonce')!r}, not this request's",
        )
    return passed("the presentation answers this request's nonce")


async def audience(s: SdJwtSubject) -> Outcome:
    if s.domain is None:
        return skipped("no audience was asked for")
    kb = _key_binding(s)
    got = kb.payload.get("aud") if kb else None
    if got not in (s.domain, s.domain.removeprefix("decentralized_identifier:")):
        return failed("Wrong audience", f"the presentation was made for {got!r}, not {s.domain!r}")
    return passed(f"made for {s.domain}")


async def freshness(s: SdJwtSubject) -> Outcome:
    kb = _key_binding(s)
    if kb is None:
        return skipped("no key binding JWT")
    made = kb.payload.get("iat")
    if not isinstance(made, int | float):
        return failed("Not fresh", "the key binding JWT has no iat")
    age = s.ports.clock().timestamp() - made
    if abs(age) > KB_MAX_AGE:
        return failed("Not fresh", f"made {int(age)} s ago, more than {KB_MAX_AGE} s from now")
    return passed("made just now")


async def schema(s: SdJwtSubject) -> Outcome:
    return skipped("an SD-JWT VC is not an OB 3.0 JSON document; its claims are checked by the EU elements")


SHARED = {check.id: check for check in w3c.CHECKS}
CHECKS: list[Check] = [
    Check("credential.structure", True, structure, "an SD-JWT VC (typ, vct, iss, sha-256 digests)"),
    Check("proof.signature", True, signature, "the issuer's JWT, signed by a key of its iss (did:key kid)"),
    Check("sd.disclosures", True, disclosures, "every disclosure hashes to a digest the issuer signed"),
    Check("holder.binding", True, holder_binding, "a key binding JWT by cnf.jwk over what was presented"),
    Check("presentation.challenge", True, challenge, "the key binding JWT's nonce is this request's"),
    Check("presentation.domain", True, audience, "the key binding JWT's aud is this verifier"),
    Check("presentation.freshness", True, freshness, "the key binding JWT was made just now"),
    SHARED["validity.window"],
    SHARED["status.revocation"],
    SHARED["status.suspension"],
    SHARED["status.list_consistency"],
    SHARED["issuer.accreditation"],
    Check("schema.ob3", False, schema, "the standard profile is valid OB 3.0.3"),
    SHARED["microcredential.eu_elements"],
    SHARED["request.criteria"],
    SHARED["stack.parts_recorded"],
    SHARED["stack.parts_valid"],
]


async def verify_sd_jwt(
    ports: Ports,
    compact: str,
    *,
    challenge: str | None = None,
    audience: str | None = None,
    criteria: Criteria | None = None,
) -> dict[str, Any]:
    """The report on one SD-JWT VC presentation, in the shape of ``verify_document``'s."""
    subject = read(compact, ports, challenge, audience, criteria)
    return verification_report(ports, [await credential_report(CHECKS, subject)], "presentation")
