"""Invitations by e-mail through an outbox: a rendered letter is stored with its offer (or claim) first and
the mail worker sends it — at once when woken, again after a temporary failure (doubling delays), never twice
once sent. Its fate goes on the offer's history: sent, or failed with the server's reason."""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import timedelta

from sqlalchemy import exists, select

from common.mail import Letter, MailError

from ..context import IssuerContext
from ..errors import ServiceUnavailable
from ..models import BulkJob, Email, EmailState, Institution, Offer, OfferEvent, OfferState, Template, now
from .offers import WITHOUT_CREDENTIALS

log = logging.getLogger(__name__)

FIRST_RETRY = 30.0
"""Seconds before the second attempt; each later one waits twice as long."""
MAIL_INTERVAL = 15.0
"""Seconds between passes when nothing wakes the worker (retries fall due)."""
BATCH = 50


def can_mail(ctx: IssuerContext) -> bool:
    return ctx.mailer is not None


async def queue(
    ctx: IssuerContext, letter: Letter, *, offer_id: str | None = None, claim_id: str | None = None
) -> Email:
    """Store the letter for sending; refused (503, nothing stored) when no mail server is configured."""
    if ctx.mailer is None:
        raise ServiceUnavailable(
            "no mail server is configured (MCRED_ISSUER_SMTP_HOST): nothing can be e-mailed"
        )
    email = _row(letter, offer_id=offer_id, claim_id=claim_id)
    async with ctx.sessions() as session, session.begin():
        session.add(email)
        if offer_id is not None:
            session.add(_queued(offer_id, letter.recipient))
    ctx.mail_wakeup.set()
    return email


def _row(letter: Letter, *, offer_id: str | None = None, claim_id: str | None = None) -> Email:
    return Email(
        offer_id=offer_id,
        claim_id=claim_id,
        recipient=letter.recipient,
        subject=letter.subject,
        text=letter.text,
        html=letter.html,
        images={cid: base64.b64encode(png).decode() for cid, png in letter.images.items()},
    )


def _queued(offer_id: str, recipient: str) -> OfferEvent:
    return OfferEvent(offer_id=offer_id, state="email", detail=f"e-mail to {recipient} queued")


async def emails_of(ctx: IssuerContext, offer_id: str) -> list[Email]:
    async with ctx.sessions() as session:
        return list(
            await session.scalars(select(Email).where(Email.offer_id == offer_id).order_by(Email.created_at))
        )


async def mail_forever(ctx: IssuerContext) -> None:
    while True:
        try:
            await asyncio.wait_for(ctx.mail_wakeup.wait(), MAIL_INTERVAL)
        except TimeoutError:
            pass
        ctx.mail_wakeup.clear()
        try:
            async with ctx.leases.held("mail") as mine:
                while mine and (await _write_cohort_letters(ctx) + await _send_due(ctx)):
                    pass
        except Exception:  # the worker outlives a bad pass; the outbox keeps the letters
            log.exception("mail pass failed")


async def _write_cohort_letters(ctx: IssuerContext) -> int:
    """Writes the invitation of each cohort row with an address that has none yet (a job e-mailed in a
    language): idempotent, so a restart midway loses and doubles nothing. Returns how many it wrote."""
    if ctx.letters is None:
        return 0
    query = (
        select(Offer, BulkJob.email_language)
        .join(BulkJob, Offer.bulk_job_id == BulkJob.id)
        .where(
            BulkJob.email_language.is_not(None),
            Offer.learner_email.is_not(None),
            Offer.state == OfferState.INVITED,
            ~exists().where(Email.offer_id == Offer.id),
        )
        .options(*WITHOUT_CREDENTIALS)
        .limit(BATCH)
    )
    async with ctx.sessions() as session:
        found = (await session.execute(query)).tuples().all()
        owners = {o.institution_id: await session.get(Institution, o.institution_id) for o, _ in found}
        templates = {o.template_id: await session.get(Template, o.template_id) for o, _ in found}
    async with ctx.sessions() as session, session.begin():
        for offer, lang in found:
            institution, template = owners[offer.institution_id], templates[offer.template_id]
            assert institution is not None and template is not None and lang is not None
            letter = ctx.letters(lang, offer, institution, template)
            session.add(_row(letter, offer_id=offer.id))
            session.add(_queued(offer.id, letter.recipient))
    return len(found)


async def _send_due(ctx: IssuerContext) -> int:
    """Sends the letters due now, one at a time; returns how many it tried."""
    async with ctx.sessions() as session:
        due = list(
            await session.scalars(
                select(Email)
                .where(Email.state == EmailState.PENDING, Email.next_attempt_at <= now())
                .order_by(Email.next_attempt_at)
                .limit(BATCH)
            )
        )
    for email in due:
        await _send(ctx, email)
    return len(due)


async def _send(ctx: IssuerContext, email: Email) -> None:
    assert ctx.mailer is not None
    letter = Letter(
        email.recipient,
        email.subject,
        email.text,
        email.html,
        {cid: base64.b64decode(png) for cid, png in email.images.items()},
    )
    error: MailError | None = None
    try:
        await ctx.mailer.send(letter)
    except MailError as err:
        error = err
    async with ctx.sessions() as session, session.begin():
        row = await session.get(Email, email.id, with_for_update=True)
        if row is None or row.state != EmailState.PENDING:
            return
        row.attempts += 1
        if error is None:
            row.state, row.sent_at, row.last_error = EmailState.SENT, now(), None
            detail = f"e-mail sent to {row.recipient}"
        elif error.permanent or row.attempts >= ctx.settings.mail_attempts:
            row.state, row.last_error = EmailState.FAILED, error.detail
            detail = f"e-mail to {row.recipient} failed: {error.detail}"
        else:
            row.last_error = error.detail
            row.next_attempt_at = now() + timedelta(seconds=FIRST_RETRY * 2 ** (row.attempts - 1))
            log.info("e-mail %s to be tried again: %s", row.id, error.detail)
            return
        if row.offer_id is not None:
            session.add(OfferEvent(offer_id=row.offer_id, state=f"email-{row.state}", detail=detail))
