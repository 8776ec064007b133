"""Parts fail alone: a part killed outright (SIGKILL) is started again on its port by the stack's supervisor
while the others keep serving — the verifier's agent (verifications needing it answer 503 until it is back,
never a 500 nor a stored ``verified: false``), the chain (back with its state) and a controller (the same
port; a caller meanwhile waits instead of being refused)."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from agent.process import pid_alive
from bench.restart import VerificationStream, wallet_and_standard_copies
from mcred.anvil import has_code
from mcred.scenario import eventually
from mcred.stack import ComponentInfo, Stack
from tests.support import stacks

DEADLINE = 90


@pytest.fixture(scope="module")
async def own_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with stacks.own_stack(Path(tmp_path_factory.mktemp("restarts-stack"))) as stack:
        yield stack


@pytest.fixture(scope="module")
async def documents(own_stack: Stack) -> dict[str, bytes]:
    async with httpx.AsyncClient(base_url=own_stack.components["issuer"].url, timeout=60) as issuer:
        return await wallet_and_standard_copies(own_stack, issuer, "Akademia Wytrwałości")


def kill(part: ComponentInfo) -> int:
    pid = part.pid
    os.kill(pid, signal.SIGKILL)
    return pid


async def restarted(part: ComponentInfo) -> ComponentInfo:
    """Once the supervisor has it ready again (it updates the part's record in place)."""

    async def current() -> ComponentInfo:
        return part

    return await eventually(current, until=lambda p: p.restarts >= 1, timeout=DEADLINE, what=part.name)


async def test_killed_verifier_agent_is_restarted_and_verifications_wait_for_it(
    own_stack: Stack, documents: dict[str, bytes]
) -> None:
    stack = own_stack
    agent = stack.components["verifier-agent"]
    async with (
        httpx.AsyncClient(base_url=stack.components["verifier"].url, timeout=60) as verifier,
        VerificationStream(verifier, documents, concurrency=2) as stream,
    ):
        await eventually(lambda: stream.verified("wallet"), until=lambda v: len(v) >= 4, what="verified")
        old_pid = kill(agent)
        back = await restarted(agent)
        ready_at = time.monotonic()
        await eventually(lambda: stream.verified("wallet", ready_at), timeout=DEADLINE, what="verified again")
    assert back.pid != old_pid and pid_alive(back.pid)
    assert back.last_exit == "exited with code -9 (SIGKILL)"
    refused = [o for o in stream.outcomes if o.retryable]
    assert refused and {o.kind for o in refused} == {"wallet"}, "the standard copy needs no agent"
    assert stream.outcomes[-1].expected
    unexpected = [o for o in stream.outcomes if not o.expected]
    assert unexpected == [], unexpected[:5]  # never a 500, never a stored wrong verdict


async def test_killed_chain_is_restarted_with_its_state(
    own_stack: Stack, documents: dict[str, bytes]
) -> None:
    stack = own_stack
    chain = stack.components["chain"]
    state = stack.data_dir / "chain" / "anvil-state.json"
    async with httpx.AsyncClient(timeout=10) as http:
        height = await _block_number(http, chain.url)
        await eventually(  # written every second: what came before the kill is in the file
            lambda: _dumped_height(state), until=lambda h: h >= height, what="the chain state written"
        )
        kill(chain)
        await restarted(chain)
        assert await _block_number(http, chain.url) >= height
        for address in stack.contracts.values():
            assert await has_code(http, chain.url, address)
    async with httpx.AsyncClient(base_url=stack.components["verifier"].url, timeout=60) as verifier:
        # Status lists and the accreditation are read from the restarted chain.
        response = await verifier.post("/v1/verifications", content=documents["standard"])
    assert response.status_code == 201 and response.json()["verified"] is True, response.text


async def _block_number(http: httpx.AsyncClient, url: str) -> int:
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}
    return int((await http.post(url, json=body)).json()["result"], 16)


async def _dumped_height(state: Path) -> int:
    try:
        return json.loads(state.read_text())["best_block_number"]
    except (FileNotFoundError, ValueError, KeyError):
        return -1


async def test_killed_controller_is_restarted_on_its_port_and_callers_wait(own_stack: Stack) -> None:
    stack = own_stack
    controller = stack.components["verifier"]
    url = controller.url
    old_pid = kill(controller)

    async def alive() -> bool:
        return pid_alive(old_pid)

    await eventually(alive, until=lambda alive: not alive, what="the controller gone")
    async with httpx.AsyncClient(timeout=DEADLINE) as http:
        # The stack holds the listening socket: this call waits for the new process instead of being refused.
        health = await http.get(f"{url}/health")
    assert health.status_code == 200, health.text
    back = await restarted(controller)
    assert back.url == url and back.pid != old_pid
    assert back.last_exit == "exited with code -9 (SIGKILL)"
