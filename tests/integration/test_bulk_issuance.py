"""Bulk issuance to 200 learners held by one wallet-agent process, with the issuer agent killed mid-run."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcred.scenario import enrol, eventually, scan
from mcred.stack import Stack
from tests.support import stacks

LEARNERS = 200
SCANNING_AT_ONCE = 8  # people scanning their invitation at about the same time


@pytest.fixture(scope="module")
async def own_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """This module kills and restarts parts of its stack. Its issuer follows up stuck exchanges after 10 s
    instead of 60, so recovery fits in a test."""
    faster = {"MCRED_ISSUER_EXCHANGE_TIMEOUT": "10", "MCRED_ISSUER_RECONCILE_INTERVAL": "2"}
    async with stacks.own_stack(Path(tmp_path_factory.mktemp("bulk-stack")), **faster) as stack:
        yield stack


@pytest.fixture(scope="module")
async def setup(own_stack: Stack) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=own_stack.components["issuer"].url, timeout=30) as http:
        enrolled = await enrol(http, own_stack.operator_key, "Szkoła Policealna")
    return {
        "auth": enrolled.auth,
        "template": enrolled.template["id"],
        "institution": enrolled.institution["id"],
    }


def csv_of(rows: int) -> bytes:
    lines = ["email,name,grade"] + [f"learner{n}@example.pl,Learner {n},{3 + n % 3}.0" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


async def upload(stack: Stack, setup: dict[str, Any], body: bytes, **params: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=60) as http:
        return await http.post(
            "/v1/bulk-issuances",
            params={"template_id": setup["template"], **params},
            content=body,
            headers={**setup["auth"], "Content-Type": "text/csv"},
        )


async def get(stack: Stack, setup: dict[str, Any], path: str) -> Any:
    async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=60) as http:
        response = await http.get(path, headers=setup["auth"])
        assert response.status_code == 200, response.text
        return response.json()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"email,name\nnot-an-email,X\nok@example.pl,Y\n", "row 2"),
        (b"mail,name\na@example.pl,X\n", "header"),
        (b"email,name\na@example.pl,X\na@example.pl,Y\n", "same learner as row 2"),
        (b"email,name\na@example.pl,X,extra\n", "wrong number of columns"),
        (b"email,name\n", "no learner rows"),
        (b"\xff\xfe\x00binary", "not UTF-8"),
        (b"email,grade\na@example.pl,\n" + b"b@example.pl," + b"9" * 3000 + b"\n", "row 3"),
    ],
)
async def test_a_bad_file_is_refused_whole(
    own_stack: Stack, setup: dict[str, Any], body: bytes, reason: str
) -> None:
    before = len(await get(own_stack, setup, "/v1/offers?limit=1000"))
    response = await upload(own_stack, setup, body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    described = (
        problem["detail"]
        + " "
        + " ".join(f"row {e['row']} {e['field']} {e['reason']}" for e in problem.get("errors", []))
    )
    assert reason in described
    assert len(await get(own_stack, setup, "/v1/offers?limit=1000")) == before


async def test_oversized_upload_and_unknown_template(own_stack: Stack, setup: dict[str, Any]) -> None:
    too_big = await upload(own_stack, setup, b"email\n" + b"a@example.pl\n" * 200_000)
    assert too_big.status_code == 413
    assert too_big.json()["type"].endswith("/upload-too-large")
    unknown = await upload(own_stack, {**setup, "template": "no-such-template"}, csv_of(2))
    assert unknown.status_code == 404


async def run_bulk(stack: Stack, setup: dict[str, Any], csv: bytes) -> tuple[str, list[dict[str, Any]]]:
    """Upload; return the job id once every row has its offer."""
    created = await upload(stack, setup, csv, filename="cohort.csv")
    assert created.status_code == 201, created.text
    job = created.json()["id"]
    again = await upload(stack, setup, csv, filename="cohort-again.csv")
    assert again.status_code == 200 and again.json()["id"] == job
    deadline = time.monotonic() + 60
    while len(rows := await get(stack, setup, f"/v1/bulk-issuances/{job}/offers")) < created.json()["total"]:
        assert time.monotonic() < deadline, f"only {len(rows)} offers made"
        await asyncio.sleep(0.2)
    return job, rows


async def scan_all(stack: Stack, rows: list[dict[str, Any]]) -> None:
    """The learners scan their invitations, a few at a time (one wallet process holds them all)."""
    learner = stack.agents.agents["learner"].client
    slots = asyncio.Semaphore(SCANNING_AT_ONCE)

    async def scan_one(row: dict[str, Any]) -> None:
        async with slots:
            await learner.receive_invitation(scan(row["invitation_url"]))

    await asyncio.gather(*(scan_one(r) for r in rows))


async def until(stack: Stack, setup: dict[str, Any], job: str, done, timeout: float) -> dict[str, Any]:
    async def progress() -> dict[str, Any]:
        return await get(stack, setup, f"/v1/bulk-issuances/{job}")

    try:
        return await eventually(progress, until=done, timeout=timeout, interval=0.5, what="bulk progress")
    except TimeoutError as err:
        raise TimeoutError(f"{err}; the agents hold: {await agent_states(stack, setup)}") from err


async def agent_states(stack: Stack, setup: dict[str, Any]) -> dict[str, Any]:
    """How many connections and exchanges each wallet holds, by state: where a stalled run stopped."""
    held: dict[str, Any] = {}
    institution = await stack.owner_agent("issuer", setup["institution"])
    for name, client in (("issuer", institution), ("learner", stack.agents.agents["learner"].client)):
        connections = await client.connections()
        exchanges = await client.credential_exchanges()
        held[name] = {
            "connections": Counter(f"{c['state']}/{c.get('rfc23_state')}" for c in connections),
            "exchanges": Counter(x["state"] for x in exchanges),
        }
    log = Path(stack.components["issuer"].log).read_text(errors="replace").splitlines()
    held["issuer controller says"] = [line for line in log if "WARNING" in line or "ERROR" in line][-12:]
    return held


async def assert_nothing_twice(stack: Stack, setup: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """The wallet holds each issued credential once; the issuer made one live exchange per offer."""
    held = Counter(
        c["cred_value"]["id"] for c in await stack.agents.agents["learner"].client.w3c_credentials()
    )
    ids = {r["credential_id"] for r in rows if r["state"] == "issued"}
    assert {i: held[i] for i in ids} == dict.fromkeys(ids, 1)
    connections = {r["id"]: r for r in rows}
    exchanges = await (await stack.owner_agent("issuer", setup["institution"])).credential_exchanges()
    live = Counter(x["connection_id"] for x in exchanges if x["state"] != "abandoned")
    assert all(count == 1 for count in live.values()), [c for c, n in live.items() if n > 1]
    assert connections


async def test_200_learners_all_issued_once(own_stack: Stack, setup: dict[str, Any]) -> None:
    started = time.monotonic()
    job, rows = await run_bulk(own_stack, setup, csv_of(LEARNERS))
    await scan_all(own_stack, rows)
    progress = await until(own_stack, setup, job, lambda p: p["finished"], timeout=240)
    elapsed = time.monotonic() - started
    assert progress["by_state"] == {"issued": LEARNERS}, progress
    rows = await get(own_stack, setup, f"/v1/bulk-issuances/{job}/offers")
    await assert_nothing_twice(own_stack, setup, rows)
    print(f"\nbulk: {LEARNERS} learners issued in {elapsed:.1f} s = {LEARNERS / elapsed:.1f}/s end to end")


async def test_issuer_agent_killed_mid_run_every_row_ends_final_nothing_twice(
    own_stack: Stack, setup: dict[str, Any]
) -> None:
    stack, cohort = own_stack, 60
    body = ("email,name\n" + "".join(f"crash{n}@example.pl,C {n}\n" for n in range(cohort))).encode()
    job, rows = await run_bulk(stack, setup, body)
    await scan_all(stack, rows)
    at_kill = await until(stack, setup, job, lambda p: p["by_state"].get("issued", 0) >= cohort // 3, 120)
    contracts = dict(stack.contracts)
    os.kill(stack.components["issuer-agent"].pid, signal.SIGKILL)
    await stack.down()
    await stack.up()  # same data directory: wallets, database, ports and the chain's state are kept
    assert stack.contracts == contracts  # the registries were not deployed again
    # A learner whose wallet never finished connecting scans the code again, as a person would.
    waiting = [
        r for r in await get(stack, setup, f"/v1/bulk-issuances/{job}/offers") if r["state"] == "invited"
    ]
    await scan_all(stack, waiting)
    progress = await until(stack, setup, job, lambda p: p["finished"], timeout=180)
    rows = await get(stack, setup, f"/v1/bulk-issuances/{job}/offers")
    assert all(r["error"] for r in rows if r["state"] != "issued"), "a row ended without a reason"
    await assert_nothing_twice(stack, setup, rows)
    print(f"\ncrash: killed at {at_kill['by_state']}; ended {progress['by_state']}; rescanned {len(waiting)}")
