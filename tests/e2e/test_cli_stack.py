"""The mcred CLI brings the whole stack up and down, as a person at a terminal would use it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from agent.process import pid_alive
from tests.support.cli import MCRED, mcred

STARTUP_DEADLINE = 90


@pytest.fixture
def stack_env(tmp_path: Path) -> dict[str, str]:
    """Free ports everywhere, so a developer's own running stack is left alone."""
    return {
        **os.environ,
        "MCRED_DATA_DIR": str(tmp_path / "data"),
        "MCRED_CHAIN_PORT": "0",
        "MCRED_ISSUER_PORT": "0",
        "MCRED_VERIFIER_PORT": "0",
    }


async def start_up(env: dict[str, str]) -> tuple[asyncio.subprocess.Process, dict]:
    """``mcred up`` in the background; returns once ``mcred status`` says every part answers."""
    with open(Path(env["MCRED_DATA_DIR"]).parent / "up.log", "wb") as log:
        proc = await asyncio.create_subprocess_exec(MCRED, "up", env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + STARTUP_DEADLINE
    while True:
        assert proc.returncode is None, (Path(env["MCRED_DATA_DIR"]).parent / "up.log").read_text()
        code, out, _ = await mcred("status", "--json", env=env)
        status = json.loads(out)
        if code == 0 and status["healthy"]:
            return proc, status
        assert time.monotonic() < deadline, f"stack not healthy in {STARTUP_DEADLINE} s: {status}"
        await asyncio.sleep(0.5)


async def test_up_status_down(stack_env: dict[str, str]) -> None:
    up, status = await start_up(stack_env)
    components = {c["name"]: c for c in status["components"]}
    assert set(components) == {
        "chain", "issuer-agent", "verifier-agent", "learner-agent", "issuer", "verifier",
    }  # fmt: skip
    assert all(c["rss_bytes"] > 0 for c in components.values())
    async with httpx.AsyncClient(timeout=5) as http:
        for name in ("issuer", "verifier"):
            spec = (await http.get(components[name]["url"] + "/openapi.json")).json()
            assert spec["info"]["title"] == f"mcred {name}"

    code, out, _ = await mcred("up", env=stack_env)
    assert code == 1 and "already running" in out

    code, out, _ = await mcred("down", env=stack_env)
    assert code == 0 and "Stopped." in out
    assert await asyncio.wait_for(up.wait(), 30) == 0
    assert not any(pid_alive(c["pid"]) for c in components.values())
    data = Path(stack_env["MCRED_DATA_DIR"])
    assert not (data / "stack.json").exists()
    assert (data / "chain" / "anvil-state.json").exists()  # the chain survives a restart
    assert (data / "agents" / "issuer" / "wallet").exists()

    code, out, _ = await mcred("status", env=stack_env)
    assert code == 1 and "Not running" in out


async def test_ctrl_c_stops_everything(stack_env: dict[str, str]) -> None:
    up, status = await start_up(stack_env)
    up.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(up.wait(), 30) == 0
    assert not any(pid_alive(c["pid"]) for c in status["components"])


async def test_demo_tells_the_whole_story(stack_env: dict[str, str]) -> None:
    code, out, err = await mcred("demo", env=stack_env, timeout=300)
    assert code == 0, out + err
    summary = json.loads(out.strip().splitlines()[-1])
    assert [s["name"] for s in summary["steps"]] == [
        "start stack", "stack answers", "accredit university", "define microcredential", "offer to learner",
        "learner holds it", "employer verifies", "university revokes", "employer asks again",
        "stack microcredentials", "stop stack", "nothing left",
    ]  # fmt: skip
    assert all(s["status"] == "passed" for s in summary["steps"]), [
        s for s in summary["steps"] if "error" in s
    ]
    steps = {s["name"]: s for s in summary["steps"]}
    assert steps["employer verifies"]["verified"] is True
    assert steps["employer asks again"]["failed_checks"] == ["status.revocation"]
    assert summary["accreditation_tx"].startswith("0x") and summary["revocation_tx"].startswith("0x")
    assert (
        summary["credential_id"].startswith("urn:uuid:")
        and summary["larger_credential_id"] != summary["credential_id"]
    )
    assert len(steps["nothing left"]["stopped"]) == 6


async def test_a_dying_component_takes_the_stack_down_and_says_why(stack_env: dict[str, str]) -> None:
    up, status = await start_up(stack_env)
    agent = next(c for c in status["components"] if c["name"] == "issuer-agent")
    os.kill(agent["pid"], signal.SIGKILL)
    assert await asyncio.wait_for(up.wait(), 30) == 1
    said = (Path(stack_env["MCRED_DATA_DIR"]).parent / "up.log").read_text()
    assert "agent issuer: exited with code -9" in said
    assert "last lines of its log" in said
    assert not any(pid_alive(c["pid"]) for c in status["components"])
