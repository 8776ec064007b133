"""Status-list indexes: random (herd privacy, W3C Bitstring Status List §5), unique per list, never reused.

Uniqueness is the database's: the (list, index) primary key refuses a second holder, and a collision just
draws again inside a savepoint, so concurrent offers cannot share an index.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from revocation.token_status_list import BITS as TOKEN_BITS

from ..domain import Protocol
from ..models import ListPurpose, StatusAllocation, StatusList

PURPOSES: dict[str, tuple[ListPurpose, ...]] = {
    Protocol.DIDCOMM: ("revocation", "suspension"),
    Protocol.OID4VCI: ("token",),
}
"""The lists a credential has an entry in, by how it is delivered: the W3C copies point to two Bitstring
lists, the SD-JWT VC to one token status list entry (two bits: revoked, suspended)."""
FILL_LIMIT = 0.5
"""A list takes new indexes until half full: random draws stay cheap and each index hides in a crowd."""


async def _open_list(
    session: AsyncSession, institution_id: str, purpose: ListPurpose, entries: int, wanted: int = 1
) -> tuple[StatusList, int]:
    """The newest list with room for ``wanted`` more, and how many it holds; when it is full, the next
    generation (made once, however many offers ask at the same moment: the loser of the race reads the
    winner's list)."""
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
            if used + wanted <= current.entries * FILL_LIMIT:
                return current, used
        generation = 0 if current is None else current.generation + 1
        size = entries * TOKEN_BITS if purpose == "token" else entries
        fresh = StatusList(institution_id=institution_id, purpose=purpose, size=size, generation=generation)
        try:
            async with session.begin_nested():
                session.add(fresh)
            return fresh, 0
        except IntegrityError:
            continue


async def allocate(
    session: AsyncSession, institution_id: str, purpose: ListPurpose, entries: int, offer_ids: list[str]
) -> None:
    """An entry for each offer's credential in the institution's open list of ``purpose`` (a new list holds
    ``entries`` credentials); the list is looked up once for all of them (a bulk job's batch)."""
    status_list, _ = await _open_list(session, institution_id, purpose, entries, len(offer_ids))
    for offer_id in offer_ids:
        for _ in range(64):  # at most half full: 64 collisions in a row would be a 1-in-2^64 event
            allocation = StatusAllocation(
                list_id=status_list.id, index=secrets.randbelow(status_list.entries), offer_id=offer_id
            )
            try:
                async with session.begin_nested():
                    session.add(allocation)
                break
            except IntegrityError:
                continue
        else:
            raise RuntimeError(f"no free index found in status list {status_list.id}")
