"""Two issuer-controller instances on one PostgreSQL, as behind a load balancer: what must happen once happens
once. Revocations requested through both at once are each anchored exactly once, one transaction per batch
(the anchoring worker runs under a database lease); a bulk job whose instance is SIGKILLed while it makes
the invitations is finished once its lease runs out — by the other instance's reconciler, or by the killed
one restarted — every row's invitation made exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from issuer_controller.models import BatchState, StatusBatch, StatusChange
from mcred.oid4vc_wallet import Oid4vciWallet
from mcred.scenario import Enrolled, claim, enrol, eventually, holds, scan, two_institutions
from mcred.stack import Stack
from tests.support import stacks

REVOCATIONS = 50
COHORT = 200


@pytest.fixture(scope="module")
async def two(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """The reconciler passes every second, so the second instance takes a job over as soon as its lease
    runs out. (Exchanges get 30 s before a follow-up: under 200 learners at once a wallet's acknowledgement
    can take longer than the 2 s that would end its exchange as unconfirmed.)"""
    await stacks.require_postgres()
    env = {"MCRED_ISSUER_RECONCILE_INTERVAL": "1", "MCRED_ISSUER_EXCHANGE_TIMEOUT": "30"}
    async with stacks.own_stack(Path(tmp_path_factory.mktemp("two")), postgres=True, **env) as stack:
        await stack.add_instance("issuer", "issuer-2")
        yield stack


@pytest.fixture(scope="module")
async def clients(two: Stack) -> AsyncIterator[list[httpx.AsyncClient]]:
    async with (
        httpx.AsyncClient(base_url=two.components["issuer"].url, timeout=60) as first,
        httpx.AsyncClient(base_url=two.components["issuer-2"].url, timeout=60) as second,
    ):
        yield [first, second]


async def test_revocations_through_both_instances_are_each_anchored_once(
    two: Stack, clients: list[httpx.AsyncClient]
) -> None:
    first, second = clients
    enrolled = await enrol(first, two.operator_key, "Uniwersytet Dwóch Instancji")
    wallet = Oid4vciWallet(first)
    offers = []
    for n in range(REVOCATIONS):
        body = {"template_id": enrolled.template["id"], "learner": {"name": f"L{n}"}, "protocol": "oid4vci"}
        made = (await clients[n % 2].post("/v1/offers", json=body, headers=enrolled.auth)).json()
        await wallet.receive(made["invitation_url"])
        offers.append(made["id"])

    async def revoke(n: int, offer_id: str) -> int:
        answer = await clients[n % 2].post(
            f"/v1/credentials/{offer_id}/revoke", json={"reason": "test"}, headers=enrolled.auth
        )
        return answer.status_code

    assert set(await asyncio.gather(*(revoke(n, o) for n, o in enumerate(offers)))) == {202}

    async def anchored() -> int:
        rows = (await first.get("/v1/credentials", params={"limit": 1000}, headers=enrolled.auth)).json()
        return sum(c["status"]["revoked"] for c in rows)

    await eventually(
        anchored, until=lambda n: n == REVOCATIONS, timeout=120, what="every revocation anchored"
    )
    engine = create_async_engine(await two.database_url("issuer"))
    try:
        async with engine.connect() as connection:
            changes = (await connection.execute(select(StatusChange))).all()
            batches = (await connection.execute(select(StatusBatch))).all()
    finally:
        await engine.dispose()
    assert len(changes) == REVOCATIONS and Counter(c.offer_id for c in changes).most_common(1)[0][1] == 1
    assert {b.state for b in batches} == {BatchState.CONFIRMED}, "no batch was superseded by a rival"
    assert all(b.attempts == 1 for b in batches), "each batch's transaction sent once"
    assert len({b.tx_hash for b in batches}) == len(batches)
    assert {c.batch_id for c in changes} == {b.id for b in batches}
    print(
        f"\n{REVOCATIONS} revocations through two instances: {len(batches)} batch(es), one transaction each"
    )


async def test_a_bulk_job_whose_instance_dies_is_finished_each_row_once(
    two: Stack, clients: list[httpx.AsyncClient]
) -> None:
    first, second = clients
    enrolled: Enrolled = await enrol(second, two.operator_key, "Politechnika Dwóch Instancji")
    csv = "email\n" + "".join(f"bulk{n}@example.pl\n" for n in range(COHORT))
    created = await first.post(
        "/v1/bulk-issuances",
        params={"template_id": enrolled.template["id"]},
        content=csv.encode(),
        headers={**enrolled.auth, "Content-Type": "text/csv"},
    )
    assert created.status_code == 201, created.text
    job = created.json()["id"]

    async def progress() -> dict[str, Any]:
        return (await second.get(f"/v1/bulk-issuances/{job}", headers=enrolled.auth)).json()

    at_kill = await eventually(progress, until=lambda p: p["offers_made"] >= 20, what="some invitations")
    os.kill(two.components["issuer"].pid, signal.SIGKILL)
    assert at_kill["offers_made"] < COHORT, "the kill came too late to test anything"
    done = await eventually(
        progress, until=lambda p: p["offers_made"] == COHORT, timeout=180, what="every invitation made"
    )
    offers = (await second.get(f"/v1/bulk-issuances/{job}/offers", headers=enrolled.auth)).json()
    assert sorted(o["bulk_row"] for o in offers) == list(range(2, COHORT + 2)), "each row once"
    assert len({o["invitation_url"] for o in offers}) == COHORT
    print(f"\nbulk: instance 1 killed at {at_kill['offers_made']} invitations; the rest made after its lease "
          f"ran out ({done['offers_made']} in all, each row once)")  # fmt: skip

    # Every learner scans; with both instances serving, each is issued exactly once, none lost.
    learner = two.agents.agents["learner"].client
    slots = asyncio.Semaphore(8)

    async def scan_one(offer: dict[str, Any]) -> None:
        async with slots:
            await learner.receive_invitation(scan(offer["invitation_url"]))

    await asyncio.gather(*(scan_one(o) for o in offers))
    finished = await eventually(
        progress, until=lambda p: p["finished"], timeout=400, what="every learner issued"
    )
    assert finished["by_state"] == {"issued": COHORT}, finished
    held = Counter(c["cred_value"]["id"] for c in await learner.w3c_credentials())
    issued = {
        o["credential_id"]
        for o in (await second.get(f"/v1/bulk-issuances/{job}/offers", headers=enrolled.auth)).json()
    }
    assert {i: held[i] for i in issued} == dict.fromkeys(issued, 1), "a learner got none, or two"


async def test_a_claim_answered_while_both_instances_run_is_awarded_once(
    two: Stack, clients: list[httpx.AsyncClient]
) -> None:
    """Webhooks reach the first instance; both instances' reconcilers follow the claim up; the award (an
    offer of the larger credential) is made once, and the learner holds it once."""
    first, second = clients
    s = await two_institutions(second, two, "dwie instancje")
    await holds(first, two, s.a, "kasia@example.pl")
    await holds(second, two, s.b, "kasia@example.pl")
    decided = await claim(second, two, s, "kasia@example.pl")
    assert decided["state"] == "awarded", decided["outcome"]
    whole = s.pathway["template_id"]

    async def awarded() -> list[dict[str, Any]]:
        rows = (await first.get("/v1/offers", params={"limit": 1000}, headers=s.a.auth)).json()
        return [o for o in rows if o["template_id"] == whole]

    [offer] = await eventually(
        awarded,
        until=lambda rows: rows and all(o["state"] == "issued" for o in rows),
        what="the award issued",
    )
    assert offer["id"] == decided["offer_id"]
    held = Counter(c["cred_value"]["id"] for c in await two.agents.agents["learner"].client.w3c_credentials())
    assert held[offer["credential_id"]] == 1
