"""The production shape's database: both controllers and all three askar wallets on PostgreSQL, through a
whole issue → verify story and a restart. CI requires it (MCRED_REQUIRE_POSTGRES=1 in .ci/run); on a laptop
without PostgreSQL it is skipped, saying so."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from mcred.scenario import accredited_holding, ask_and_answer, register_employer
from mcred.settings import StackSettings
from mcred.stack import Stack, database_prefix, drop_databases

SERVER = os.environ.get("MCRED_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")


async def reachable() -> str | None:
    try:
        connection = await asyncpg.connect(f"{SERVER}/postgres", timeout=5)
    except (OSError, asyncpg.PostgresError) as err:
        return f"{SERVER}: {err}"
    await connection.close()
    return None


@pytest.fixture(scope="module")
async def pg_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    if (why := await reachable()) is not None:
        if os.environ.get("MCRED_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here (MCRED_REQUIRE_POSTGRES=1) and unreachable: {why}")
        pytest.skip(f"no PostgreSQL to test the production database path against ({why})")
    data_dir = Path(tmp_path_factory.mktemp("pg-stack"))
    settings = StackSettings(
        data_dir=data_dir,
        chain_port=0,
        issuer_port=0,
        verifier_port=0,
        database="postgres",
        postgres_url=SERVER,
    )
    stack = Stack(settings)
    try:
        await stack.up()
        yield stack
        await stack.down()
    finally:
        await drop_databases(SERVER, database_prefix(data_dir.resolve()))


async def test_issue_verify_and_restart_on_postgres(pg_stack: Stack) -> None:
    stack = pg_stack
    async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=30) as issuer:
        enrolled, offer = await accredited_holding(issuer, stack, "Politechnika Postgresowa")
    async with httpx.AsyncClient(base_url=stack.components["verifier"].url, timeout=30) as verifier:
        employer = await register_employer(verifier, stack)
        criteria = {"achievement_id": enrolled.template["achievement_id"]}
        report = await ask_and_answer(verifier, employer, stack, criteria)
    assert report["state"] == "verified", report.get("report")

    connection = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        prefix = database_prefix(stack.data_dir)
        rows = await connection.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", prefix + "_%")
    finally:
        await connection.close()
    suffixes = {r["datname"].removeprefix(prefix + "_") for r in rows}
    assert suffixes == {"issuer", "verifier", "wallet_issuer", "wallet_verifier", "wallet_learner"}
    assert not list(stack.data_dir.glob("agents/*/wallet"))  # no SQLite wallet was made

    await stack.down()
    await stack.up()
    async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=30) as issuer:
        kept = await issuer.get(f"/v1/credentials/{offer['id']}", headers=enrolled.auth)
    assert kept.status_code == 200 and kept.json()["state"] == "issued"
    held = await stack.agents.agents["learner"].client.w3c_credentials()
    assert offer["credential_id"] in {c["cred_value"]["id"] for c in held}
