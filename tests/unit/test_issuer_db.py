"""Issuer persistence: migrations match the models; status indexes stay unique under concurrency."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from issuer_controller.db import make_engine, migrate, session_factory
from issuer_controller.models import Base, Institution, Offer, StatusAllocation, StatusList, Template, now
from issuer_controller.services import status_index


async def engine_for(tmp_path: Path):
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'issuer.db'}")
    await migrate(engine)
    return engine


async def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    engine = await engine_for(tmp_path)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    assert diff == []


async def test_concurrent_allocations_never_share_an_index(tmp_path: Path) -> None:
    engine = await engine_for(tmp_path)
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
            await status_index.allocate(session, institution.id, "revocation", 256, offer.id)

    await asyncio.gather(*(allocate(o) for o in offers))
    async with sessions() as session:
        rows = (await session.execute(select(StatusAllocation.list_id, StatusAllocation.index))).all()
        lists = await session.scalar(select(func.count()).select_from(StatusList))
    await engine.dispose()
    assert len(rows) == 120 == len(set(rows))
    assert lists == 1  # 120 < half of 256: one list
