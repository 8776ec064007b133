"""Bulk issuance: a CSV of learners for one template.

Every row is validated before anything is stored (all row errors are reported at once); then offers are
made row by row with bounded concurrency. The same file for the same template is the same job, and each row
makes at most one offer (unique job + row), so re-uploading or resuming after a restart never duplicates.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, selectinload

from common.db import existing
from common.microcredential import Award

from ..context import IssuerContext
from ..domain import Learner, Protocol
from ..errors import InvalidUpload, NotFound
from ..models import BulkJob, Institution, Offer
from .offers import WITHOUT_CREDENTIALS, create_offer, create_offers
from .templates import active, get_template

LEARNER_COLUMNS = ("email", "name", "ref")
AWARD_COLUMNS = ("grade", "credits_earned", "activity_start_date", "activity_end_date")
MAX_ROWS = 10_000
OFFER_CREATION_CONCURRENCY = 4
"""DIDComm offers being made at once (each an agent round trip)."""
OFFER_BATCH = 250
"""OpenID4VCI offers stored per transaction (they need no agent call)."""


def parse_rows(data: bytes) -> list[dict[str, Any]]:
    """Validated rows, or InvalidUpload listing every problem (row numbers count the header as row 1)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidUpload(f"the file is not UTF-8 text ({err.reason} at byte {err.start})") from err
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or []
        raw_rows = list(reader)
    except csv.Error as err:
        raise InvalidUpload(f"not a CSV file: {err}") from err
    errors: list[dict[str, Any]] = []
    unknown = [c for c in header if c not in LEARNER_COLUMNS + AWARD_COLUMNS]
    if unknown or not ({"email", "ref"} & set(header)):
        errors.append(
            {
                "row": 1,
                "field": "header",
                "reason": f"columns are {', '.join(LEARNER_COLUMNS + AWARD_COLUMNS)}; email or ref is "
                f"required" + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
            }
        )
        raise InvalidUpload("the CSV header is not valid", errors=errors)
    if not raw_rows:
        raise InvalidUpload(
            "the CSV has no learner rows", errors=[{"row": 2, "field": "", "reason": "empty"}]
        )
    if len(raw_rows) > MAX_ROWS:
        raise InvalidUpload(f"at most {MAX_ROWS} rows per file, this one has {len(raw_rows)}")
    rows, seen = [], {}
    for number, raw in enumerate(raw_rows, start=2):
        if None in raw or any(v is None for v in raw.values()):
            errors.append({"row": number, "field": "", "reason": "wrong number of columns"})
            continue
        values = {k: v.strip() for k, v in raw.items() if v and v.strip()}
        try:
            learner = Learner.model_validate({k: v for k, v in values.items() if k in LEARNER_COLUMNS})
            award = Award.model_validate({k: v for k, v in values.items() if k in AWARD_COLUMNS})
        except ValidationError as err:
            errors += [
                {"row": number, "field": ".".join(map(str, e["loc"])), "reason": e["msg"]}
                for e in err.errors()
            ]
            continue
        key = (learner.email or "").lower() or learner.ref
        if not key:
            errors.append({"row": number, "field": "email", "reason": "each row needs an email or a ref"})
            continue
        if key in seen:
            errors.append({"row": number, "field": "email", "reason": f"the same learner as row {seen[key]}"})
            continue
        seen[key] = number
        rows.append(
            {
                "learner": learner.model_dump(exclude_none=True),
                "award": award.model_dump(mode="json", exclude_none=True),
            }
        )
    if errors:
        raise InvalidUpload(f"{len(errors)} problem(s) in the file; nothing was issued", errors=errors)
    return rows


async def start_bulk(
    ctx: IssuerContext,
    institution: Institution,
    template_id: str,
    data: bytes,
    filename: str | None,
    protocol: Protocol = Protocol.DIDCOMM,
    email_language: str | None = None,
) -> tuple[BulkJob, bool]:
    """The job for this file (``True`` if new); its offers are made in the background, each over
    ``protocol`` (and e-mailed in ``email_language`` to the rows with an address)."""
    active(await get_template(ctx, institution, template_id))
    rows = parse_rows(data)
    digest = hashlib.sha256(data).hexdigest()
    async with ctx.sessions() as session:
        same = await session.scalar(
            select(BulkJob).where(
                BulkJob.institution_id == institution.id,
                BulkJob.template_id == template_id,
                BulkJob.file_sha256 == digest,
            )
        )
    if same is not None:
        return same, False
    job = BulkJob(
        institution_id=institution.id,
        template_id=template_id,
        file_sha256=digest,
        filename=filename,
        total=len(rows),
        rows=rows,
        protocol=protocol,
        email_language=email_language,
    )
    try:
        async with ctx.sessions() as session, session.begin():
            session.add(job)
    except IntegrityError:  # the same file uploaded twice at once: the other upload made the job
        return await start_bulk(ctx, institution, template_id, data, filename, protocol, email_language)
    ctx.tasks.spawn(fill_job(ctx, job.id), name=f"bulk {job.id}")
    return job, True


async def fill_job(ctx: IssuerContext, job_id: str) -> None:
    """Make the offers a job still lacks (after a restart too); each row at most once. One instance fills a
    job at a time (its lease, renewed while it works): another instance takes it over only once the lease
    has run out (its holder died)."""
    async with ctx.leases.held(f"bulk:{job_id}") as mine:
        if mine:
            await _fill(ctx, job_id)
            ctx.mail_wakeup.set()


async def _fill(ctx: IssuerContext, job_id: str) -> None:
    async with ctx.sessions() as session:
        job = await existing(session, BulkJob, job_id)
        institution = await existing(session, Institution, job.institution_id)
        done = set(await session.scalars(select(Offer.bulk_row).where(Offer.bulk_job_id == job_id)))
    todo = [
        (row, Learner(**values["learner"]), Award(**values["award"]))
        for row, values in enumerate(job.rows, start=2)
        if row not in done
    ]
    if job.protocol == Protocol.OID4VCI:
        for start in range(0, len(todo), OFFER_BATCH):
            batch = todo[start : start + OFFER_BATCH]
            try:
                await create_offers(ctx, institution, job.template_id, batch, job_id)
            except IntegrityError:  # another filler made some of these rows' offers: one by one, then
                for row, learner, award in batch:
                    await _make(ctx, institution, job, row, learner, award)
            ctx.mail_wakeup.set()
        return
    slots = asyncio.Semaphore(OFFER_CREATION_CONCURRENCY)

    async def make(row: int, learner: Learner, award: Award) -> None:
        async with slots:
            await _make(ctx, institution, job, row, learner, award)

    await asyncio.gather(*(make(*item) for item in todo))


async def _make(
    ctx: IssuerContext, institution: Institution, job: BulkJob, row: int, learner: Learner, award: Award
) -> None:
    try:
        await create_offer(
            ctx,
            institution,
            job.template_id,
            learner,
            award,
            bulk=(job.id, row),
            protocol=Protocol(job.protocol),
        )
    except IntegrityError:
        pass  # another filler made this row's offer first


async def unfinished_jobs(ctx: IssuerContext) -> list[str]:
    """Jobs with rows that have no offer yet (an interrupted upload or a restart)."""
    made = (
        select(Offer.bulk_job_id, func.count().label("made"))
        .where(Offer.bulk_job_id.is_not(None))
        .group_by(Offer.bulk_job_id)
        .subquery()
    )
    query = (
        select(BulkJob.id)
        .outerjoin(made, made.c.bulk_job_id == BulkJob.id)
        .where(func.coalesce(made.c.made, 0) < BulkJob.total)
    )
    async with ctx.sessions() as session:
        return list(await session.scalars(query))


async def _job(session, institution: Institution, job_id: str) -> BulkJob:
    job = await session.get(BulkJob, job_id, options=[defer(BulkJob.rows)])
    if job is None or job.institution_id != institution.id:
        raise NotFound(f"no bulk issuance {job_id} for this institution")
    return job


async def job_offers(ctx: IssuerContext, institution: Institution, job_id: str) -> list[Offer]:
    """The job's offers in CSV order, with their histories (not their credentials)."""
    async with ctx.sessions() as session:
        await _job(session, institution, job_id)
        return list(
            await session.scalars(
                select(Offer)
                .where(Offer.bulk_job_id == job_id)
                .options(*WITHOUT_CREDENTIALS, selectinload(Offer.events))
                .order_by(Offer.bulk_row)
            )
        )


async def job_progress(
    ctx: IssuerContext, institution: Institution, job_id: str
) -> tuple[BulkJob, dict[str, Any]]:
    """Offers made and how many are in each state, counted by the database: a poll stays cheap."""
    async with ctx.sessions() as session:
        job = await _job(session, institution, job_id)
        rows = await session.execute(
            select(Offer.state, func.count()).where(Offer.bulk_job_id == job_id).group_by(Offer.state)
        )
        states = dict(rows.tuples().all())
    final = sum(states.get(s, 0) for s in ("issued", "failed", "expired"))
    return job, {
        "total": job.total,
        "offers_made": sum(states.values()),
        "by_state": states,
        "finished": final == job.total,
    }
