"""Both controllers' persistence, on SQLite and on PostgreSQL: migrations match the models; status indexes
stay unique under concurrency."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from common.db import make_engine, migrate, session_factory
from common.leases import Leases
from issuer_controller import db as issuer_db, models as issuer_models
from issuer_controller.models import Institution, Offer, StatusAllocation, StatusList, Template, now
from issuer_controller.services import status_index
from verifier_controller import db as verifier_db, models as verifier_models

POSTGRES = "127.0.0.1:5432"
"""The machine's PostgreSQL (trust authentication): each test gets a database of its own."""


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'issuer.db'}"
        return
    name = f"mcred_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(f"postgresql://postgres@{POSTGRES}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@{POSTGRES}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def engine_for(url: str, migrations: Path = issuer_db.MIGRATIONS):
    engine = make_engine(url)
    await migrate(engine, migrations)
    return engine


@pytest.mark.parametrize(
    ("migrations", "metadata"),
    [
        (issuer_db.MIGRATIONS, issuer_models.Base.metadata),
        (verifier_db.MIGRATIONS, verifier_models.Base.metadata),
    ],
    ids=["issuer", "verifier"],
)
async def test_migrations_build_exactly_the_models(database_url: str, migrations: Path, metadata) -> None:
    engine = await engine_for(database_url, migrations)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    await engine.dispose()
    assert diff == []


async def test_concurrent_allocations_never_share_an_index(database_url: str) -> None:
    engine = await engine_for(database_url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        institution = Institution(name="U", country_code="PL", did="did:key:x", api_key_hash="h")
        session.add(institution)
        await session.flush()
        template = Template(institution_id=institution.id, definition={})
        session.add(template)
        await session.flush()
        offers = [
            Offer(
                institution_id=institution.id,
                template_id=template.id,
                credential_id=f"urn:uuid:{n}",
                identifier_salt="s",
                expires_at=now() + timedelta(hours=1),
            )  # fmt: skip
            for n in range(120)
        ]
        session.add_all(offers)

    async def allocate(offer: Offer) -> None:
        async with sessions() as session, session.begin():
            # a tiny list makes collisions frequent: the retry path is exercised, not just reachable
            await status_index.allocate(session, institution.id, "revocation", 256, [offer.id])

    await asyncio.gather(*(allocate(o) for o in offers))
    async with sessions() as session:
        rows = (await session.execute(select(StatusAllocation.list_id, StatusAllocation.index))).all()
        lists = await session.scalar(select(func.count()).select_from(StatusList))
    await engine.dispose()
    assert len(rows) == 120 == len(set(rows))
    assert lists == 1  # 120 < half of 256: one list


async def test_a_lease_has_one_holder_until_given_back_or_run_out(database_url: str) -> None:
    """What keeps two controller instances from doing the same work at once (``common.leases``)."""
    engine = await engine_for(database_url)
    sessions = session_factory(engine)

    def instance(name: str) -> Leases:
        return Leases(sessions, issuer_models.Lease, holder=name)

    race = await asyncio.gather(*(instance(f"i{n}").take("anchoring", 30) for n in range(8)))
    assert sum(race) == 1, race
    a, b = instance("a"), instance("b")
    assert await a.take("claim:1", 30) and not await b.take("claim:1", 30)
    assert await a.take("claim:1", 30), "the holder renews it"
    await a.give_back("claim:1")
    assert await b.take("claim:1", 30)
    assert await a.take("reconcile", -1), "taken, but already run out (an instance that died in its pass)"
    assert await b.take("reconcile", 30)
    async with b.held("reconcile", 30) as mine, a.held("reconcile", 30) as theirs:
        assert mine and not theirs
    assert await a.take("reconcile", 30), "given back when b's pass ended"
    await engine.dispose()


async def test_slots_hold_a_limit_across_instances(database_url: str) -> None:
    """The DIDComm exchange limit of a shard: however many instances and tasks ask, at most ``count`` hold
    a slot at once; each waiter gets one as soon as one is given back."""
    engine = await engine_for(database_url)
    sessions = session_factory(engine)
    instances = [Leases(sessions, issuer_models.Lease, holder=f"i{n}") for n in range(3)]
    inside, most, held = 0, 0, []

    async def exchange(n: int) -> None:
        nonlocal inside, most
        async with instances[n % 3].slot("didcomm:main", 2, 30) as name:
            inside += 1
            most = max(most, inside)
            held.append(name)
            await asyncio.sleep(0.02)
            inside -= 1

    await asyncio.wait_for(asyncio.gather(*(exchange(n) for n in range(12))), 30)
    assert most == 2 and len(held) == 12 and set(held) == {"didcomm:main:0", "didcomm:main:1"}
    async with instances[0].slot("didcomm:b", 1, 0.3):
        await asyncio.sleep(0.6)  # twice the lease: its holder renews it meanwhile
        assert not await instances[1].take("didcomm:b:0", 30)
    assert await instances[1].take("didcomm:b:0", 30), "given back"
    await engine.dispose()
