"""Claims: a learner claims a pathway's larger credential by presenting its parts from a wallet. Each listed
part is one proof request over the claim's connection (parts from different issuers are bound to different
keys of the wallet, and one presentation is signed by one key), through ``common.present_proof``; each part's
row, with its challenge, is stored before the wallet is asked, so after a crash anywhere a part is asked again
only if it never was. Once every part is answered, ``judging`` decides: the whole is awarded (offered over
the same connection) or the claim refused with the reasons."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from agent.client import ACTIVE_CONNECTION_STATES, AdminClient
from common import present_proof
from common.clock import aware
from common.db import change_row, existing
from common.errors import NotFound
from common.lifecycle import move, required
from common.verification import Criteria, PortUnavailable, verify_document
from common.verification.request import presentation_definition

from ..context import IssuerContext
from ..domain import Learner
from ..models import Claim, ClaimState, Institution, PartRequest, Pathway, now
from .judging import award_for, evidence, facts_of, judge
from .offers import create_offer, send_credential
from .pathways import requirements

log = logging.getLogger(__name__)


async def start_claim(ctx: IssuerContext, pathway: Pathway, learner: Learner) -> Claim:
    async with ctx.sessions() as session:
        institution = await existing(session, Institution, pathway.institution_id)
    invitation = await ctx.agents.of(institution).create_invitation(
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


async def update_claim(ctx: IssuerContext, where, change) -> Claim | None:
    return await change_row(ctx.sessions, select(Claim).where(where), change)


async def on_webhook(ctx: IssuerContext, topic: str, payload: dict[str, Any], agent: AdminClient) -> None:
    """``agent``: the wallet the event came from (the institution's)."""
    match present_proof.event(topic, payload):
        case present_proof.Connected(invitation_msg_id, connection_id):
            await _connected(ctx, invitation_msg_id, connection_id)
        case present_proof.Answered(pres_ex_id, _):
            await _part_answered(ctx, agent, pres_ex_id)
        case present_proof.Problem(thread_id, description):
            async with ctx.sessions() as session:
                part = await session.scalar(select(PartRequest).where(PartRequest.thread_id == thread_id))
            if part is not None:
                await _part_missing(ctx, part.id, f"wallet: {description}")


async def _connected(ctx: IssuerContext, invitation_msg_id: str | None, connection_id: str | None) -> None:
    if not invitation_msg_id:
        return

    def checking(claim: Claim) -> bool:
        if not move(claim, ClaimState.CHECKING):
            return False
        claim.connection_id = connection_id
        return True

    claim = await update_claim(ctx, Claim.invitation_msg_id == invitation_msg_id, checking)
    if claim is not None:
        ctx.tasks.spawn(request_parts(ctx, claim.id), name=f"claim {claim.id}")


async def request_parts(ctx: IssuerContext, claim_id: str) -> None:
    """One proof request per listed part: stored first (with its challenge), then asked through
    ``present_proof.ask``, which adopts an exchange a crash left behind: a restart resumes, never repeats.
    One instance at a time (a webhook here and a reconciler there may both start it)."""
    async with ctx.leases.held(f"parts:{claim_id}") as mine:
        if mine:
            await _request_parts(ctx, claim_id)


async def _request_parts(ctx: IssuerContext, claim_id: str) -> None:
    async with ctx.sessions() as session:
        claim = await existing(session, Claim, claim_id)
        pathway = await existing(session, Pathway, claim.pathway_id)
        agent = ctx.agents.of(await existing(session, Institution, pathway.institution_id))
        stored = {
            p.item: p
            for p in await session.scalars(select(PartRequest).where(PartRequest.claim_id == claim_id))
        }
    domain = httpx.URL(ctx.settings.public_url).host
    for index, requirement in enumerate(requirements(pathway)):
        for item in requirement.items:
            part = stored.get(item)
            if part is None:
                part = PartRequest(
                    claim_id=claim_id, requirement=index, item=item, challenge=str(uuid.uuid4())
                )
                async with ctx.sessions() as session, session.begin():
                    session.add(part)
            if part.pres_ex_id is not None:
                continue
            criteria = (
                Criteria(achievement_id=item) if requirement.achievement_ids else Criteria(iqr_code=item)
            )
            record = await present_proof.ask(
                agent,
                required(claim.connection_id, f"claim {claim.id}'s connection"),
                presentation_definition(criteria, f"{pathway.name}: {requirement.name}"),
                challenge=part.challenge,
                domain=domain,
                comment=f"{pathway.name}: {requirement.name}",
            )
            async with ctx.sessions() as session, session.begin():
                asked = await existing(session, PartRequest, part.id)
                asked.pres_ex_id, asked.thread_id = record["pres_ex_id"], record["thread_id"]
            if record.get("state") in ("done", "abandoned"):
                await _part_answered(ctx, agent, record["pres_ex_id"])


async def _part_answered(ctx: IssuerContext, agent: AdminClient, pres_ex_id: str) -> None:
    async with ctx.sessions() as session:
        part = await session.scalar(select(PartRequest).where(PartRequest.pres_ex_id == pres_ex_id))
    if part is None or part.state != "requested":
        return
    answered = await present_proof.answer(agent, pres_ex_id)
    if not answered.ended:
        return
    if answered.presentation is None:
        await _part_missing(ctx, part.id, answered.why_not or "the wallet did not present it")
        return
    try:
        report = await verify_document(ctx.ports, answered.presentation, challenge=part.challenge)
    except PortUnavailable as err:  # no verdict yet: the part stays asked for, the reconciler reads it again
        log.warning("claim part %s waits: %s", part.id, err)
        return
    async with ctx.sessions() as session, session.begin():
        stored = await existing(session, PartRequest, part.id)
        stored.state, stored.report, stored.presentation = "presented", report, answered.presentation
    await _decide_when_answered(ctx, part.claim_id)


async def _part_missing(ctx: IssuerContext, part_id: str, why: str) -> None:
    async with ctx.sessions() as session, session.begin():
        part = await existing(session, PartRequest, part_id)
        if part.state != "requested":
            return
        part.state, part.detail = "missing", why
    await _decide_when_answered(ctx, part.claim_id)


async def _decide_when_answered(ctx: IssuerContext, claim_id: str) -> None:
    """Once every part has an answer: award, or refuse with the reasons — once: under the claims lock in
    this instance, and the claim's lease across instances (the one that does not get it leaves the claim to
    the holder; if the holder dies, the reconciler decides after the lease runs out)."""
    async with ctx.claims, ctx.leases.held(f"claim:{claim_id}") as mine:
        if not mine:
            return
        async with ctx.sessions() as session:
            claim = await existing(session, Claim, claim_id)
            pathway = await existing(session, Pathway, claim.pathway_id)
            institution = await existing(session, Institution, pathway.institution_id)
            parts = list(await session.scalars(select(PartRequest).where(PartRequest.claim_id == claim_id)))
        expected = sum(len(r.items) for r in requirements(pathway))
        if (
            claim.state != ClaimState.CHECKING
            or len(parts) < expected
            or any(p.state == "requested" for p in parts)
        ):
            return
        outcome, chosen = await judge(ctx, claim, pathway, institution, parts)
        if not all(r["met"] for r in outcome):
            await _finish(ctx, claim_id, ClaimState.REFUSED, outcome=outcome)
            await _tell_learner(ctx, institution, claim, outcome)
            return
        learner = Learner(email=claim.learner_email, name=claim.learner_name)
        offer = await create_offer(
            ctx,
            institution,
            pathway.template_id,
            learner,
            award_for(chosen),
            connection_id=claim.connection_id,
        )
        recorded = [
            {**evidence(c).model_dump(), "status_entries": facts_of(c).status_entries} for c in chosen
        ]
        await _finish(ctx, claim_id, ClaimState.AWARDED, outcome=outcome, parts=recorded, offer_id=offer.id)
    ctx.tasks.spawn(send_credential(ctx, offer.id), name=f"send credential {offer.id}")


async def _finish(ctx: IssuerContext, claim_id: str, state: ClaimState, **fields: Any) -> None:
    def final(claim: Claim) -> bool:
        if not move(claim, state):
            return False
        for name, value in fields.items():
            setattr(claim, name, value)
        return True

    await update_claim(ctx, Claim.id == claim_id, final)


async def _tell_learner(
    ctx: IssuerContext, institution: Institution, claim: Claim, outcome: list[dict[str, Any]]
) -> None:
    """What is missing or failed, to the learner's wallet (and in the claim, for the institution)."""
    lines = [f"{claim.learner_name or 'Your'} claim was not granted. What is missing or failed:"]
    for requirement in outcome:
        if not requirement["met"]:
            lines.append(f"- {requirement['requirement']} (needs {requirement['needed']}):")
            lines += [f"    {p['item']}: {p['reason']}" for p in requirement["problems"]]
    try:
        await ctx.agents.of(institution).send_message(
            required(claim.connection_id, "the connection"), "\n".join(lines)
        )
    except Exception as err:  # noqa: BLE001 - the refusal is recorded either way
        log.warning("claim %s: the learner could not be told: %s", claim.id, err)


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
        owners = {
            pathway_id: ctx.agents.of(institution)
            for pathway_id, institution in await session.execute(
                select(Pathway.id, Institution)
                .join(Institution, Institution.id == Pathway.institution_id)
                .where(Pathway.id.in_({c.pathway_id for c in claims}))
            )
        }
    for claim in claims:
        expired = aware(claim.expires_at) < now()
        agent = owners[claim.pathway_id]
        if claim.state == ClaimState.INVITED:
            live = [
                c for c in await agent.connections(invitation_msg_id=claim.invitation_msg_id)
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
            if part.pres_ex_id is not None and (await present_proof.answer(agent, part.pres_ex_id)).ended:
                await _part_answered(ctx, agent, part.pres_ex_id)
            elif expired:
                await _part_missing(ctx, part.id, "the wallet did not answer before the claim expired")


async def list_claims(ctx: IssuerContext, pathway: Pathway, limit: int = 500) -> list[Claim]:
    """A pathway's claims, newest first."""
    query = select(Claim).where(Claim.pathway_id == pathway.id).order_by(Claim.created_at.desc()).limit(limit)
    async with ctx.sessions() as session:
        return list(await session.scalars(query))
