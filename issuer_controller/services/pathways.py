"""Pathways: a larger credential defined by its parts, claimed by presenting them, awarded only if every part
passes the same verification pipeline an employer's verifier runs (signature, holder binding, status on
chain, issuer accreditation, validity) and names the same learner.

A claim asks for each listed part in its own proof request over the claim's connection: parts from different
issuers are bound to different keys of the learner's wallet, and one presentation is signed by one key. The
learner is told apart by e-mail: every part's salted hash must be of the claimed address.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from common.clock import aware
from common.db import change_row
from common.microcredential import Award, PartEvidence, matches_email, part_digest
from common.problems import NotFound
from common.verification import Criteria, PortUnavailable, verify_document
from common.verification.request import presentation_definition
from common.verification.subject import Subject
from revocation.accreditation import accrediting
from revocation.errors import ChainError

from ..context import IssuerContext
from ..models import (
    Claim,
    ClaimState,
    Institution,
    Offer,
    OfferState,
    PartRequest,
    Pathway,
    PathwayPolicy,
    StatusAction,
    now,
)
from ..schemas import Learner, PathwayCreate, Requirement
from . import status_changes
from .offers import create_offer, send_credential
from .templates import active, get_template

log = logging.getLogger(__name__)

ACTIVE_CONNECTION_STATES = ("active", "completed")
POLICY_ACTION = {PathwayPolicy.SUSPEND: StatusAction.SUSPEND, PathwayPolicy.REVOKE: StatusAction.REVOKE}
POLICY_DONE = {
    PathwayPolicy.FLAG: "flagged",
    PathwayPolicy.SUSPEND: "suspended",
    PathwayPolicy.REVOKE: "revoked",
}


# --- pathways ------------------------------------------------------------------------------------------
async def create_pathway(ctx: IssuerContext, institution: Institution, data: PathwayCreate) -> Pathway:
    active(await get_template(ctx, institution, data.template_id))
    pathway = Pathway(
        institution_id=institution.id,
        template_id=data.template_id,
        name=data.name,
        requirements=[r.model_dump(mode="json") for r in data.requirements],
        policy=data.policy,
    )
    async with ctx.sessions() as session, session.begin():
        session.add(pathway)
    return pathway


async def get_pathway(ctx: IssuerContext, institution: Institution | None, pathway_id: str) -> Pathway:
    """An institution's own pathway; with ``institution=None`` any (the public page)."""
    async with ctx.sessions() as session:
        pathway = await session.get(Pathway, pathway_id)
    if pathway is None or (institution is not None and pathway.institution_id != institution.id):
        raise NotFound(f"no pathway {pathway_id}")
    return pathway


async def list_pathways(ctx: IssuerContext, institution: Institution) -> list[Pathway]:
    async with ctx.sessions() as session:
        query = select(Pathway).where(Pathway.institution_id == institution.id).order_by(Pathway.created_at)
        return list(await session.scalars(query))


def requirements(pathway: Pathway) -> list[Requirement]:
    return [Requirement.model_validate(r) for r in pathway.requirements]


# --- claims --------------------------------------------------------------------------------------------
async def start_claim(ctx: IssuerContext, pathway: Pathway, learner: Learner) -> Claim:
    async with ctx.sessions() as session:
        institution = await session.get(Institution, pathway.institution_id)
    invitation = await ctx.agent.create_invitation(
        label=institution.shown_name,
        image_url=institution.logo_url,
        alias=f"claim of {pathway.name}",
        goal_code="aries.vc.verify",
        goal=f"Claim: {pathway.name}",
    )
    claim = Claim(
        pathway_id=pathway.id,
        learner_email=learner.email,
        learner_name=learner.name,
        invitation_msg_id=invitation.invitation_msg_id,
        invitation_url=invitation.url,
        expires_at=now() + timedelta(hours=ctx.settings.offer_ttl_hours),
    )
    async with ctx.sessions() as session, session.begin():
        session.add(claim)
    return claim


async def get_claim(ctx: IssuerContext, pathway: Pathway, claim_id: str) -> Claim:
    async with ctx.sessions() as session:
        claim = await session.get(Claim, claim_id)
    if claim is None or claim.pathway_id != pathway.id:
        raise NotFound(f"no claim {claim_id} of pathway {pathway.id}")
    return claim


async def public_claim(ctx: IssuerContext, claim_id: str) -> Claim:
    async with ctx.sessions() as session:
        claim = await session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    return claim


async def _update_claim(ctx: IssuerContext, where, change) -> Claim | None:
    return await change_row(ctx.sessions, select(Claim).where(where), change)


async def on_webhook(ctx: IssuerContext, topic: str, payload: dict[str, Any]) -> None:
    if topic == "connections" and payload.get("state") in ACTIVE_CONNECTION_STATES:
        await _connected(ctx, payload.get("invitation_msg_id"), payload.get("connection_id"))
    elif topic == "present_proof_v2_0" and payload.get("state") in ("done", "abandoned"):
        await _part_answered(ctx, payload["pres_ex_id"], payload.get("error_msg"))
    elif topic == "problem_report" and (thread := (payload.get("~thread") or {}).get("thid")):
        description = (payload.get("description") or {}).get("en", "the wallet could not present it")
        async with ctx.sessions() as session:
            part = await session.scalar(select(PartRequest).where(PartRequest.thread_id == thread))
        if part is not None:
            await _part_missing(ctx, part.id, f"wallet: {description}")


async def _connected(ctx: IssuerContext, invitation_msg_id: str | None, connection_id: str | None) -> None:
    if not invitation_msg_id:
        return

    def checking(claim: Claim) -> bool:
        if claim.state != ClaimState.INVITED:
            return False
        claim.state, claim.connection_id = ClaimState.CHECKING, connection_id
        return True

    claim = await _update_claim(ctx, Claim.invitation_msg_id == invitation_msg_id, checking)
    if claim is not None:
        ctx.tasks.spawn(request_parts(ctx, claim.id), name=f"claim {claim.id}")


async def request_parts(ctx: IssuerContext, claim_id: str) -> None:
    """One proof request per listed part (those not asked for yet: a restart resumes, never repeats)."""
    async with ctx.sessions() as session:
        claim = await session.get(Claim, claim_id)
        pathway = await session.get(Pathway, claim.pathway_id)
        asked = set(await session.scalars(select(PartRequest.item).where(PartRequest.claim_id == claim_id)))
    domain = httpx.URL(ctx.settings.public_url).host
    for index, requirement in enumerate(requirements(pathway)):
        for item in requirement.items:
            if item in asked:
                continue
            criteria = (
                Criteria(achievement_id=item) if requirement.achievement_ids else Criteria(iqr_code=item)
            )
            challenge = str(uuid.uuid4())
            record = await ctx.agent.request_presentation(
                claim.connection_id,
                presentation_definition(criteria, f"{pathway.name}: {requirement.name}"),
                challenge=challenge,
                domain=domain,
                comment=f"{pathway.name}: {requirement.name}",
            )
            async with ctx.sessions() as session, session.begin():
                session.add(
                    PartRequest(
                        claim_id=claim_id, requirement=index, item=item, challenge=challenge,
                        pres_ex_id=record["pres_ex_id"], thread_id=record["thread_id"],
                    )
                )  # fmt: skip


async def _part_answered(ctx: IssuerContext, pres_ex_id: str, error: str | None) -> None:
    async with ctx.sessions() as session:
        part = await session.scalar(select(PartRequest).where(PartRequest.pres_ex_id == pres_ex_id))
    if part is None or part.state != "requested":
        return
    record = await ctx.agent.presentation_exchange(pres_ex_id)
    presentation = ((record.get("by_format") or {}).get("pres") or {}).get("dif")
    if record.get("state") != "done" or not presentation:
        await _part_missing(ctx, part.id, error or record.get("error_msg") or "the wallet did not present it")
        return
    try:
        report = await verify_document(ctx.ports, presentation, challenge=part.challenge)
    except PortUnavailable as err:  # no verdict yet: the part stays asked for, the reconciler reads it again
        log.warning("claim part %s waits: %s", part.id, err)
        return
    async with ctx.sessions() as session, session.begin():
        stored = await session.get(PartRequest, part.id)
        stored.state, stored.report, stored.presentation = "presented", report, presentation
    await _decide_when_answered(ctx, part.claim_id)


async def _part_missing(ctx: IssuerContext, part_id: str, why: str) -> None:
    async with ctx.sessions() as session, session.begin():
        part = await session.get(PartRequest, part_id)
        if part.state != "requested":
            return
        part.state, part.detail = "missing", why
    await _decide_when_answered(ctx, part.claim_id)


async def _decide_when_answered(ctx: IssuerContext, claim_id: str) -> None:
    """Once every part has an answer: award, or refuse with the reasons (once: under the claims lock)."""
    async with ctx.claims:
        async with ctx.sessions() as session:
            claim = await session.get(Claim, claim_id)
            pathway = await session.get(Pathway, claim.pathway_id)
            institution = await session.get(Institution, pathway.institution_id)
            parts = list(await session.scalars(select(PartRequest).where(PartRequest.claim_id == claim_id)))
        expected = sum(len(r.items) for r in requirements(pathway))
        if (
            claim.state != ClaimState.CHECKING
            or len(parts) < expected
            or any(p.state == "requested" for p in parts)
        ):
            return
        outcome, chosen = await _judge(ctx, claim, pathway, institution, parts)
        if not all(r["met"] for r in outcome):
            await _finish(ctx, claim_id, ClaimState.REFUSED, outcome=outcome)
            await _tell_learner(ctx, claim, outcome)
            return
        learner = Learner(email=claim.learner_email, name=claim.learner_name)
        offer = await create_offer(
            ctx, institution, pathway.template_id, learner, _award(chosen), connection_id=claim.connection_id
        )
        recorded = [{**_evidence(c).model_dump(), "status_entries": _about(c).status_entries} for c in chosen]
        await _finish(ctx, claim_id, ClaimState.AWARDED, outcome=outcome, parts=recorded, offer_id=offer.id)
    ctx.tasks.spawn(send_credential(ctx, offer.id), name=f"send credential {offer.id}")


async def _finish(ctx: IssuerContext, claim_id: str, state: ClaimState, **fields: Any) -> None:
    def final(claim: Claim) -> bool:
        if ClaimState(claim.state).final:
            return False
        claim.state = state
        for name, value in fields.items():
            setattr(claim, name, value)
        return True

    await _update_claim(ctx, Claim.id == claim_id, final)


def _about(credential: dict[str, Any]) -> Subject:
    """The credential's facts as the pipeline reads them (subject, achievement, issuer, dates)."""
    return Subject(credential if isinstance(credential, dict) else {}, ports=None)


def _issued(about: Subject) -> datetime:
    return aware(datetime.fromisoformat(str(about.issued_at).replace("Z", "+00:00")))


async def _issuer_allowed(ctx: IssuerContext, rule, institution: Institution, about: Subject) -> str | None:
    """None if the part's issuer is one the requirement accepts, else why not."""
    did = about.issuer_did
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


async def _judge(
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
            held = part.presentation.get("verifiableCredential") or []
            held = held if isinstance(held, list) else [held]
            for credential, report in zip(held, part.report["credentials"], strict=True):
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
    about = _about(credential)
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


def _evidence(credential: dict[str, Any]) -> PartEvidence:
    about = _about(credential)
    return PartEvidence(
        id=credential["id"], name=about.achievement.get("name") or "a part", issuer=about.issuer_did,
        achievement=about.achievement.get("id") or "", digest=part_digest(credential),
    )  # fmt: skip


def _award(parts: list[dict[str, Any]]) -> Award:
    """The whole carries the parts' summed ECTS workload and names each part."""
    ects = sum(
        float(a.subject.get("creditsEarned") or a.achievement.get("creditsAvailable") or 0)
        for a in map(_about, parts)
    )
    return Award(credits_earned=ects or None, parts=[_evidence(c) for c in parts])


async def _tell_learner(ctx: IssuerContext, claim: Claim, outcome: list[dict[str, Any]]) -> None:
    """What is missing or failed, to the learner's wallet (and in the claim, for the institution)."""
    lines = [f"{claim.learner_name or 'Your'} claim was not granted. What is missing or failed:"]
    for requirement in outcome:
        if not requirement["met"]:
            lines.append(f"- {requirement['requirement']} (needs {requirement['needed']}):")
            lines += [f"    {p['item']}: {p['reason']}" for p in requirement["problems"]]
    try:
        await ctx.agent.send_message(claim.connection_id, "\n".join(lines))
    except Exception as err:  # noqa: BLE001 - the refusal is recorded either way
        log.warning("claim %s: the learner could not be told: %s", claim.id, err)


# --- parts revoked later --------------------------------------------------------------------------------
async def watch_awarded(ctx: IssuerContext) -> None:
    """Awarded wholes whose parts were revoked or suspended since: noted, and the pathway's policy applied
    (flag only, or suspend / revoke the whole through the usual status change)."""
    if ctx.ports.status is None:
        return
    async with ctx.sessions() as session:
        rows = (
            await session.execute(
                select(Claim, Pathway, Offer)
                .join(Pathway, Pathway.id == Claim.pathway_id)
                .join(Offer, Offer.id == Claim.offer_id)
                .where(Claim.state == ClaimState.AWARDED, Claim.affected_action.is_(None))
                .where(Offer.state == OfferState.ISSUED)
            )
        ).tuples()
        rows = list(rows)
    for claim, pathway, offer in rows:
        try:
            why = await _part_lost(ctx, claim)
        except (ChainError, LookupError) as err:
            log.warning("claim %s: parts not checked: %s", claim.id, err)
            continue
        if why is None:
            continue
        policy = PathwayPolicy(pathway.policy)
        if policy in POLICY_ACTION:
            async with ctx.sessions() as session:
                institution = await session.get(Institution, pathway.institution_id)
            await status_changes.request_change(ctx, institution, offer.id, POLICY_ACTION[policy], why)
        await _update_claim(ctx, Claim.id == claim.id, _noting(why, POLICY_DONE[policy]))


def _noting(why: str, action: str):
    def note(claim: Claim) -> bool:
        claim.affected, claim.affected_action = why, action
        return True

    return note


async def _part_lost(ctx: IssuerContext, claim: Claim) -> str | None:
    for part in claim.parts or []:
        entries = part.get("status_entries") or []
        views = await ctx.ports.status.read(
            sorted({e["statusListCredential"] for e in entries}), part["issuer"]
        )
        for entry in entries:
            view = views[entry["statusListCredential"]]
            if isinstance(view, Exception):
                raise view
            if view.bits[int(entry["statusListIndex"])]:
                said = "revoked" if entry.get("statusPurpose") == "revocation" else "suspended"
                return f"part {part['id']} ({part['name']}, from {part['issuer']}) was {said}"
    return None


async def affected(ctx: IssuerContext, pathway: Pathway) -> list[tuple[Claim, Offer]]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(Claim, Offer)
            .join(Offer, Offer.id == Claim.offer_id)
            .where(Claim.pathway_id == pathway.id, Claim.affected.is_not(None))
            .order_by(Claim.updated_at)
        )
        return list(rows.tuples())


async def follow_claims(ctx: IssuerContext) -> None:
    """What webhooks or a restart left behind: a connection we did not hear of is taken up, an unused
    invitation expires; a claim whose parts were not all asked for is resumed; a part answered without our
    hearing is read from the agent; a part never answered by the claim's expiry counts as missing."""
    cutoff = now() - timedelta(seconds=ctx.settings.exchange_timeout)
    async with ctx.sessions() as session:
        claims = list(
            await session.scalars(
                select(Claim).where(
                    Claim.state.in_([ClaimState.INVITED, ClaimState.CHECKING]), Claim.updated_at < cutoff
                )
            )
        )
    for claim in claims:
        expired = aware(claim.expires_at) < now()
        if claim.state == ClaimState.INVITED:
            live = [
                c for c in await ctx.agent.connections(invitation_msg_id=claim.invitation_msg_id)
                if c.get("state") in ACTIVE_CONNECTION_STATES
            ]  # fmt: skip
            if live:
                await _connected(ctx, claim.invitation_msg_id, live[0]["connection_id"])
            elif expired:
                await _finish(ctx, claim.id, ClaimState.EXPIRED)
            continue
        if not ctx.tasks.named(f"claim {claim.id}"):
            ctx.tasks.spawn(request_parts(ctx, claim.id), name=f"claim {claim.id}")
        async with ctx.sessions() as session:
            waiting = list(
                await session.scalars(
                    select(PartRequest).where(
                        PartRequest.claim_id == claim.id, PartRequest.state == "requested"
                    )
                )
            )
        for part in waiting:
            record = await ctx.agent.presentation_exchange(part.pres_ex_id)
            if record.get("state") in ("done", "abandoned"):
                await _part_answered(ctx, part.pres_ex_id, record.get("error_msg"))
            elif expired:
                await _part_missing(ctx, part.id, "the wallet did not answer before the claim expired")
