"""The production shape's database: both controllers and all three askar wallets on PostgreSQL, through a
whole issue → verify story and a restart. CI requires it (MCRED_REQUIRE_POSTGRES=1 in .ci/run); on a laptop
without PostgreSQL it is skipped, saying so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from mcred.scenario import accredited_holding, ask_and_answer, register_employer
from mcred.stack import Stack, database_prefix
from tests.support import stacks


@pytest.fixture(scope="module")
async def pg_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    await stacks.require_postgres()
    async with stacks.own_stack(Path(tmp_path_factory.mktemp("pg-stack")), postgres=True) as stack:
        yield stack


async def test_issue_verify_and_restart_on_postgres(pg_stack: Stack) -> None:
    stack = pg_stack
    async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=30) as issuer:
        enrolled, offer = await accredited_holding(issuer, stack, "Politechnika Postgresowa")
    async with httpx.AsyncClient(base_url=stack.components["verifier"].url, timeout=30) as verifier:
        employer = await register_employer(verifier, stack)
        criteria = {"achievement_id": enrolled.template["achievement_id"]}
        report = await ask_and_answer(verifier, employer, stack, criteria)
    assert report["state"] == "verified", report.get("report")

    connection = await asyncpg.connect(f"{stacks.POSTGRES}/postgres")
    try:
        prefix = database_prefix(stack.data_dir)
        rows = await connection.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", prefix + "_%")
    finally:
        await connection.close()
    suffixes = {r["datname"].removeprefix(prefix + "_") for r in rows}
    assert suffixes == {
        "issuer",
        "verifier",
        "wallet_issuer",
        "wallet_verifier",
        "wallet_learner",
        "tenants_issuer",
        "tenants_verifier",
    }
    assert not list(stack.data_dir.glob("agents/*/wallet"))  # no SQLite wallet was made

    await stack.down()
    await stack.up()
    async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=30) as issuer:
        kept = await issuer.get(f"/v1/credentials/{offer['id']}", headers=enrolled.auth)
    assert kept.status_code == 200 and kept.json()["state"] == "issued"
    held = await stack.agents.agents["learner"].client.w3c_credentials()
    assert offer["credential_id"] in {c["cred_value"]["id"] for c in held}
