"""Status-list indexes: random (herd privacy, W3C Bitstring Status List §5), unique per list, never reused.

Uniqueness is the database's: the (list, index) primary key refuses a second holder, and a collision just
draws again inside a savepoint, so concurrent offers cannot share an index.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import StatusAllocation, StatusList

PURPOSES = ("revocation", "suspension")
FILL_LIMIT = 0.5
"""A list takes new indexes until half full: random draws stay cheap and each index hides in a crowd."""


async def _open_list(session: AsyncSession, institution_id: str, purpose: str, size: int) -> StatusList:
    """The newest list with room; when it is full, the next generation (made once, however many
    offers ask at the same moment: the loser of the race reads the winner's list)."""
    while True:
        current = await session.scalar(
            select(StatusList)
            .where(StatusList.institution_id == institution_id, StatusList.purpose == purpose)
            .order_by(StatusList.generation.desc())
            .limit(1)
        )
        if current is not None:
            used = (
                await session.scalar(
                    select(func.count())
                    .select_from(StatusAllocation)
                    .where(StatusAllocation.list_id == current.id)
                )
                or 0
            )
            if used < current.size * FILL_LIMIT:
                return current
        generation = 0 if current is None else current.generation + 1
        fresh = StatusList(institution_id=institution_id, purpose=purpose, size=size, generation=generation)
        try:
            async with session.begin_nested():
                session.add(fresh)
            return fresh
        except IntegrityError:
            continue


async def allocate(
    session: AsyncSession, institution_id: str, purpose: str, size: int, offer_id: str
) -> StatusAllocation:
    status_list = await _open_list(session, institution_id, purpose, size)
    for _ in range(64):  # at most half full: 64 collisions in a row would be a 1-in-2^64 event
        allocation = StatusAllocation(
            list_id=status_list.id, index=secrets.randbelow(status_list.size), offer_id=offer_id
        )
        try:
            async with session.begin_nested():
                session.add(allocation)
            return allocation
        except IntegrityError:
            continue
    raise RuntimeError(f"no free index found in status list {status_list.id}")
