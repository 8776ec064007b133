"""Judging a claim's parts: each presented credential already went through the verification pipeline; here
the pathway's own rules — the part asked for, an issuer the requirement accepts (accredited by the one rule
of ``revocation.accreditation``), recent enough, the claimant's e-mail hash — and what the whole is built
from."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from common.clock import aware
from common.lifecycle import required
from common.microcredential import Award, PartEvidence, matches_email, part_digest
from common.verification import Facts
from revocation.accreditation import accrediting

from ..context import IssuerContext
from ..models import Claim, Institution, PartRequest, Pathway, now
from .pathways import requirements


async def judge(
    ctx: IssuerContext, claim: Claim, pathway: Pathway, institution: Institution, parts: list[PartRequest]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per requirement: met or not, what satisfied it, and each problem with its reason; and the credentials
    chosen as parts."""
    outcome, chosen = [], []
    for index, requirement in enumerate(requirements(pathway)):
        satisfied, problems = [], []
        for part in [p for p in parts if p.requirement == index]:
            if part.state == "missing":
                problems.append({"item": part.item, "reason": part.detail or "not presented"})
                continue
            held = (
                required(part.presentation, f"part {part.id}'s presentation").get("verifiableCredential")
                or []
            )
            held = held if isinstance(held, list) else [held]
            reports = required(part.report, f"part {part.id}'s report")["credentials"]
            for credential, report in zip(held, reports, strict=True):
                reason = await _why_not(ctx, claim, requirement, institution, part.item, credential, report)
                if reason is None:
                    satisfied.append({"item": part.item, "credential": credential.get("id")})
                    chosen.append(credential)
                    break
                problems.append({"item": part.item, "credential": credential.get("id"), "reason": reason})
        needed = requirement.at_least or len(requirement.items)
        outcome.append(
            {"requirement": requirement.name, "met": len(satisfied) >= needed, "needed": needed,
             "satisfied": satisfied, "problems": problems}
        )  # fmt: skip
    return outcome, chosen


async def _why_not(ctx, claim, requirement, institution, item, credential, report) -> str | None:
    failed = [c for c in report["checks"] if c["status"] == "failed"]
    if failed:
        return "; ".join(f"{c['id']} failed: {c['problem']['detail']}" for c in failed)
    about = facts_of(credential)
    codes = about.alignment_codes("ceterms:Credential") + about.alignment_codes("ext:LearningOutcomeSet")
    if item != about.achievement.get("id") and item not in codes:
        return f"not the part asked for ({item})"
    if (reason := await _issuer_allowed(ctx, requirement.issuers, institution, about)) is not None:
        return reason
    issued = _issued(about)
    if requirement.max_age_days and issued < now() - timedelta(days=requirement.max_age_days):
        return f"issued {issued:%Y-%m-%d}, more than {requirement.max_age_days} days ago"
    if not matches_email(about.subject.get("identifier"), claim.learner_email or ""):
        return "issued to a different learner (its e-mail hash is not of the claimant's address)"
    return None


async def _issuer_allowed(ctx: IssuerContext, rule, institution: Institution, about: Facts) -> str | None:
    """None if the part's issuer is one the requirement accepts, else why not."""
    did = about.issuer_did
    if did is None:
        return "the part names no issuer"
    if rule.kind == "self":
        return None if did == institution.did else f"issued by {did}, not by {institution.name}"
    if rule.kind == "list":
        return None if did in rule.dids else f"issued by {did}, not one of the accepted issuers"
    if ctx.ports.accreditation is None:
        return "no IssuerRegistry is configured: accreditation cannot be checked"
    issued, records = _issued(about), await ctx.ports.accreditation.history(did)
    if accrediting(records, rule.scope, issued) is not None:
        return None
    return f"{did} was not accredited for {rule.scope} when it issued this (or was withdrawn for cause since)"


def facts_of(credential: dict[str, Any]) -> Facts:
    """The credential's facts as the pipeline reads them (subject, achievement, issuer, dates)."""
    return Facts(credential if isinstance(credential, dict) else {})


def _issued(about: Facts) -> datetime:
    return aware(datetime.fromisoformat(str(about.issued_at).replace("Z", "+00:00")))


def evidence(credential: dict[str, Any]) -> PartEvidence:
    about = facts_of(credential)
    return PartEvidence(
        id=credential["id"],
        name=about.achievement.get("name") or "a part",
        issuer=required(about.issuer_did, "a checked part's issuer"),
        achievement=about.achievement.get("id") or "",
        digest=part_digest(credential),
    )


def award_for(parts: list[dict[str, Any]]) -> Award:
    """The whole carries the parts' summed ECTS workload and names each part."""
    ects = sum(
        float(a.subject.get("creditsEarned") or a.achievement.get("creditsAvailable") or 0)
        for a in map(facts_of, parts)
    )
    return Award(credits_earned=ects or None, parts=[evidence(c) for c in parts])
