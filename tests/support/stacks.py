"""A stack of a module's own, for tests that kill or restart parts of it, with settings of its own."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from mcred.settings import StackSettings
from mcred.stack import Stack, database_prefix, drop_databases

POSTGRES = os.environ.get("MCRED_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")


async def postgres_unreachable() -> str | None:
    """Why the machine's PostgreSQL cannot be used, or None."""
    try:
        connection = await asyncpg.connect(f"{POSTGRES}/postgres", timeout=5)
    except (OSError, asyncpg.PostgresError) as err:
        return f"{POSTGRES}: {err}"
    await connection.close()
    return None


async def require_postgres() -> None:
    """Skip the test where there is no PostgreSQL, saying so; fail instead where CI requires it."""
    if (why := await postgres_unreachable()) is not None:
        if os.environ.get("MCRED_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here (MCRED_REQUIRE_POSTGRES=1) and unreachable: {why}")
        pytest.skip(f"no PostgreSQL to test the production database path against ({why})")


@asynccontextmanager
async def own_stack(
    data_dir: Path, *, postgres: bool = False, issuer_shards: int = 1, tenancy: bool = True, **env: str
) -> AsyncIterator[Stack]:
    """``env`` (e.g. shorter reconcile intervals) reaches the controllers it starts, and only them. With
    ``postgres``, wallets and controllers' data are on the machine's PostgreSQL (databases dropped after)."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    database = {"database": "postgres", "postgres_url": POSTGRES} if postgres else {}
    stack = Stack(
        StackSettings(
            data_dir=data_dir, chain_port=0, issuer_port=0, verifier_port=0, issuer_shards=issuer_shards,
            tenancy=tenancy, **database,
        )
    )  # fmt: skip
    try:
        await stack.up()
        yield stack
        await stack.down()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if postgres:
            await drop_databases(POSTGRES, database_prefix(data_dir.resolve()))
