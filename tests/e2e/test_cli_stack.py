"""The mcred CLI brings the whole stack up and down, as a person at a terminal would use it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import time
from pathlib import Path

import httpx
import pytest

from agent.process import pid_alive
from tests.support.cli import MCRED, mcred
from tests.support.console import signed_in

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
    return proc, await status_until(env, lambda status: True, proc)


async def status_until(env: dict[str, str], holds, up: asyncio.subprocess.Process) -> dict:
    """Poll ``mcred status --json`` (with a deadline) until every part answers and ``holds(status)``."""
    deadline = time.monotonic() + STARTUP_DEADLINE
    while True:
        assert up.returncode is None, said(env)
        code, out, _ = await mcred("status", "--json", env=env)
        status = json.loads(out)
        if code == 0 and status["healthy"] and holds(status):
            return status
        assert time.monotonic() < deadline, f"not so in {STARTUP_DEADLINE} s: {status}"
        await asyncio.sleep(0.5)


def said(env: dict[str, str]) -> str:
    """What ``mcred up`` printed."""
    return (Path(env["MCRED_DATA_DIR"]).parent / "up.log").read_text()


def part(status: dict, name: str) -> dict:
    return next(c for c in status["components"] if c["name"] == name)


async def test_up_status_down(stack_env: dict[str, str]) -> None:
    up, status = await start_up(stack_env)
    components = {c["name"]: c for c in status["components"]}
    assert set(components) == {
        "chain", "issuer-agent", "verifier-agent", "learner-agent", "issuer", "verifier",
    }  # fmt: skip
    assert all(c["rss_bytes"] > 0 for c in components.values())
    assert all(c["restarts"] == 0 and c["last_exit"] is None for c in components.values())
    data = Path(stack_env["MCRED_DATA_DIR"])
    keys = [p.read_text() for p in [*data.glob("*/operator.key"), *data.glob("agents/*/wallet.key")]]
    assert len(keys) == 5
    code, text, _ = await mcred("status", env=stack_env)
    assert code == 0 and not [k for k in keys if k in json.dumps(status) + text + said(stack_env)]
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


async def test_demo_tells_the_whole_story_and_keeps_a_console_to_sign_in_to(
    stack_env: dict[str, str],
) -> None:
    """``mcred demo --keep``: the story, then the stack left running with the console URLs and a user each to
    sign in with (printed); Ctrl-C stops every part."""
    log = Path(stack_env["MCRED_DATA_DIR"]).parent / "demo.err"
    with open(log, "wb") as errors:
        demo = await asyncio.create_subprocess_exec(
            MCRED, "demo", "--keep", env=stack_env, stdout=asyncio.subprocess.PIPE, stderr=errors
        )
    assert demo.stdout is not None
    told: list[str] = []
    deadline = time.monotonic() + 300
    while not told or not told[-1].startswith("{"):
        line = await asyncio.wait_for(demo.stdout.readline(), max(1.0, deadline - time.monotonic()))
        assert line, "\n".join(told) + log.read_text()
        told.append(line.decode().rstrip())
    summary = json.loads(told[-1])
    assert [s["name"] for s in summary["steps"]] == [
        "start stack", "stack answers", "accredit university", "define microcredential", "offer to learner",
        "learner holds it", "employer verifies", "university revokes", "employer asks again",
        "stack microcredentials", "console users",
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
    consoles = [re.search(r"(http://\S+)/console  as (\S+), password (\S+)", line) for line in told]
    found = {m.group(2): (m.group(1), m.group(3)) for m in consoles if m}
    assert set(found) == {"registrar@uni.example.pl", "recruiter@employer.example.pl"}, told
    for email, (url, password) in found.items():
        async with signed_in(url, email, password) as client:
            page = await client.get("/console")
            assert page.status_code == 200 and email.split("@")[0].title() in page.text
    code, out, _ = await mcred("status", "--json", env=stack_env)
    components = json.loads(out)["components"]
    assert code == 0 and len(components) == 6
    demo.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(demo.wait(), 60) == 0
    assert not any(pid_alive(c["pid"]) for c in components)


async def test_a_killed_part_is_restarted_while_the_rest_keep_running(stack_env: dict[str, str]) -> None:
    up, before = await start_up(stack_env)
    agent = part(before, "issuer-agent")
    os.kill(agent["pid"], signal.SIGKILL)
    status = await status_until(stack_env, lambda s: part(s, "issuer-agent")["restarts"] == 1, up)
    again = part(status, "issuer-agent")
    assert again["pid"] != agent["pid"] and again["last_exit"] == "exited with code -9 (SIGKILL)"
    assert again["url"] == agent["url"]  # the same admin port: its controller's client finds it there

    def others(status: dict) -> dict[str, tuple[int, int]]:
        return {
            c["name"]: (c["pid"], c["restarts"]) for c in status["components"] if c["name"] != agent["name"]
        }

    assert others(status) == others(before)  # the rest kept running, untouched
    code, out, _ = await mcred("status", env=stack_env)
    assert code == 0 and "restarted 1x, last: exited with code -9 (SIGKILL)" in out

    up.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(up.wait(), 30) == 0
    assert not any(pid_alive(c["pid"]) for c in status["components"])


async def test_a_part_that_keeps_crashing_stops_the_stack_saying_why(stack_env: dict[str, str]) -> None:
    env = {**stack_env, "MCRED_RESTART_LIMIT": "2"}
    up, status = await start_up(env)
    os.kill(part(status, "issuer-agent")["pid"], signal.SIGKILL)
    status = await status_until(env, lambda s: part(s, "issuer-agent")["restarts"] == 1, up)
    os.kill(part(status, "issuer-agent")["pid"], signal.SIGKILL)
    assert await asyncio.wait_for(up.wait(), 60) == 1
    assert (
        "agent issuer: crashed 2 times within 60 s, not restarted again; last: exited with code -9"
        in said(env)
    )
    assert "last lines of its log" in said(env)
    assert not any(pid_alive(c["pid"]) for c in status["components"])
