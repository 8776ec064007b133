"""Leases in the database: work that must run in one place at a time however many controller instances
run (a reconcile pass, the anchoring worker, deciding a claim). A lease is a row — a name, its holder, until
when — taken by compare-and-set: an instance that dies holding one loses it when it expires, never sooner.
Process memory (locks, events) still orders work inside one instance; leases order it between instances."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import Column, DateTime, String, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from common.clock import now

INSTANCE = uuid.uuid4().hex
"""This process: what its leases are held by."""
LEASE = 30.0
"""Seconds a lease outlives a holder that died (a live one renews it while it works): how long the work it
guarded waits before another instance takes it over."""
SLOT_POLL, SLOT_POLL_MAX = 0.05, 1.0
"""Seconds between looks for a free slot: from the first, doubling up to the last."""


class LeaseRow:
    """Mixed into each controller's declarative base (each keeps its own tables and migrations)."""

    @declared_attr.directive
    def __tablename__(cls) -> str:
        return "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Leases:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], table: type[LeaseRow], holder: str = INSTANCE
    ):
        self.sessions, self.table, self.holder = sessions, table, holder

    async def take(self, name: str, seconds: float) -> bool:
        """True if this instance holds ``name`` for ``seconds`` from now (taken, or renewed if it held it)."""
        t, moment = self.table, now()
        until = moment + timedelta(seconds=seconds)
        async with self.sessions() as session, session.begin():
            taken = await session.execute(
                update(t)
                .where(t.name == name, or_(t.until < moment, t.holder == self.holder))
                .values(holder=self.holder, until=until)
            )
            if getattr(taken, "rowcount", 0):
                return True
        try:
            async with self.sessions() as session, session.begin():
                await session.execute(insert(t).values(name=name, holder=self.holder, until=until))
        except IntegrityError:  # someone holds it (or took it first just now)
            return False
        return True

    async def give_back(self, name: str) -> None:
        t = self.table
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(t).where(t.name == name, t.holder == self.holder).values(until=now())
            )

    @asynccontextmanager
    async def slot(self, prefix: str, count: int, seconds: float = LEASE) -> AsyncIterator[str]:
        """One of ``count`` places (leases ``prefix:0`` … ``prefix:<count-1>``) shared by every instance:
        waits until one is free, holds it while inside (renewed every third of ``seconds``, so a holder that
        dies frees it within ``seconds``), gives it back after. Each use holds its own place, also within one
        instance."""
        mine = Leases(self.sessions, self.table, f"{self.holder}/{uuid.uuid4().hex[:12]}")
        wait = SLOT_POLL
        while True:
            for k in range(count):
                async with mine.held(name := f"{prefix}:{k}", seconds) as taken:
                    if taken:
                        yield name
                        return
            await asyncio.sleep(wait)  # the places are held elsewhere: look again, less often each time
            wait = min(wait * 2, SLOT_POLL_MAX)

    async def _renew(self, name: str, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds / 3)
            await self.take(name, seconds)

    @asynccontextmanager
    async def held(self, name: str, seconds: float = LEASE) -> AsyncIterator[bool]:
        """``True`` inside if the lease was taken (renewed every third of ``seconds`` while inside, given
        back after); ``False``: someone else has it, skip the work."""
        taken = await self.take(name, seconds)
        renewing = asyncio.create_task(self._renew(name, seconds)) if taken else None
        try:
            yield taken
        finally:
            if renewing is not None:
                renewing.cancel()
                await self.give_back(name)


def create_table(op) -> None:
    """For both controllers' migrations (the same table in each database)."""
    op.create_table(
        "leases",
        Column("name", String(length=200), primary_key=True),
        Column("holder", String(length=64), nullable=False),
        Column("until", DateTime(timezone=True), nullable=False),
    )


def drop_table(op) -> None:
    op.drop_table("leases")
