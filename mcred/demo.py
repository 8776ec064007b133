"""The demo scenario, step by step, narrated; each step ends passed or failed with its duration.

For now: the stack comes up, every part answers, the accreditation authority accredits a university the
issuer controller registered, and the stack goes down leaving nothing behind.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from agent.process import pid_alive
from revocation.accreditation import ANY, accredit, is_accredited
from revocation.chain import ChainClient

from .anvil import ANVIL_DEPLOYER_KEY
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

    async def accreditation() -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=30) as http:
            created = await http.post(
                "/v1/institutions",
                json={
                    "name": "Uniwersytet Demonstracyjny",
                    "country_code": "PL",
                    "url": "https://uni.example.pl",
                },
                headers={"X-API-Key": stack.operator_key},
            )
        if created.status_code != 201:
            raise DemoStepFailed(f"the issuer did not register the university: {created.text}")
        university = created.json()
        say(f"   the issuer registered {university['name']}: {university['did']}")
        say(f"   its status lists belong to chain account {university['chain_account']}")
        authority = ChainClient(stack.components["chain"].url, ANVIL_DEPLOYER_KEY)
        registry, moment = stack.contracts["IssuerRegistry"], datetime.now(UTC)
        try:
            record, tx = await accredit(
                authority, registry, university["did"], university["chain_account"], ANY,
                moment - timedelta(minutes=1), moment + timedelta(days=365),
            )  # fmt: skip
            accredited = await is_accredited(authority, registry, university["did"], ANY, moment)
        finally:
            await authority.aclose()
        say(f"   the authority accredited it for any scope for a year: record {record}, transaction {tx}")
        if not accredited:
            raise DemoStepFailed("IssuerRegistry.isAccredited says no right after accreditation")
        say("   IssuerRegistry.isAccredited(did, any, now) = true")
        return {"institution_did": university["did"], "accreditation_tx": tx}

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
        await step(
            "accredit university", "An accreditation authority accredits a university on chain", accreditation
        )
        if keep:
            say("\nThe stack keeps running (--keep). Open:")
            for c in stack.components.values():
                say(f"   {c.name:<16} {c.url}" + ("/docs" if c.kind == "controller" else ""))
            say("Ctrl-C (or 'mcred down' from another shell) stops it.")
            return summary, stack
    await step("stop stack", "Stopping everything", stop)
    await step("nothing left", "Checking that no process was left behind", nothing_left)
    return summary, None
