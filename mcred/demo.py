"""The demo scenario, step by step, narrated; each step ends passed or failed with its duration.

For now: the stack comes up, every part answers, and it goes down leaving nothing behind.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from agent.process import pid_alive

from .settings import StackSettings
from .stack import Stack, probe_state, read_state

Say = Callable[[str], None]


class DemoStepFailed(Exception):
    """A step's check did not hold; the message says what was expected and what happened."""


async def run_demo(settings: StackSettings, *, keep: bool, say: Say) -> tuple[dict[str, Any], Stack | None]:
    """The summary, and with ``keep`` the stack still running (the caller stops it)."""
    stack = Stack(settings)
    steps: list[dict[str, Any]] = []
    summary: dict[str, Any] = {"steps": steps}

    async def step(name: str, story: str, action: Callable[[], Awaitable[dict[str, Any]]]) -> bool:
        say(f"\n== {story}")
        started = time.monotonic()
        try:
            details = await action()
            status = "passed"
        except Exception as err:  # a failed step is reported, and the demo moves on to clean up
            details = {"error": f"{type(err).__name__}: {err}"}
            say("".join(traceback.format_exception_only(err)).strip())
            status = "failed"
        steps.append(
            {
                "name": name,
                "status": status,
                "seconds": round(time.monotonic() - started, 2),
                **details,
            }
        )
        say(f"   -> {status}")
        return status == "passed"

    async def start() -> dict[str, Any]:
        components = await stack.up()
        for c in components.values():
            say(f"   {c.name:<16} {c.url:<28} ready in {c.startup_seconds:.2f} s")
        return {"components": {n: c.url for n, c in components.items()}}

    async def answers() -> dict[str, Any]:
        rows = await probe_state(read_state(stack.data_dir))
        for r in rows:
            say(f"   {r['name']:<16} answers: {r['answering']}   RSS {r['rss_bytes'] / 2**20:.0f} MB")
        silent = [r["name"] for r in rows if not r["answering"]]
        if silent:
            raise DemoStepFailed(f"not answering: {', '.join(silent)}")
        return {"rss_mb": {r["name"]: round(r["rss_bytes"] / 2**20, 1) for r in rows}}

    pids: dict[str, int] = {}

    async def stop() -> dict[str, Any]:
        pids.update({n: c.pid for n, c in stack.components.items()})
        await stack.down()
        return {}

    async def nothing_left() -> dict[str, Any]:
        left = [n for n, pid in pids.items() if pid_alive(pid)]
        if left:
            raise DemoStepFailed(f"still running after stop: {', '.join(left)}")
        return {"stopped": sorted(pids)}

    if await step("start stack", "Starting the local chain, three agents and both controllers", start):
        await step("stack answers", "Checking that every part answers", answers)
        if keep:
            say("\nThe stack keeps running (--keep). Open:")
            for c in stack.components.values():
                say(f"   {c.name:<16} {c.url}" + ("/docs" if c.kind == "controller" else ""))
            say("Ctrl-C (or 'mcred down' from another shell) stops it.")
            return summary, stack
    await step("stop stack", "Stopping everything", stop)
    await step("nothing left", "Checking that no process was left behind", nothing_left)
    return summary, None
