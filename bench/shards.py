"""Two institutions bulk-issuing at once: both on one issuer-agent shard, then each on its own, in the same
run on the same machine, over DIDComm and over OpenID4VCI; how much CPU the issuer agents spend per
credential (core-seconds, from /proc), and what a tenant costs an agent at rest.

    .venv/bin/python -m bench --only shards
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from agent.client import AdminClient
from agent.process import rss_bytes
from mcred.scenario import enrol
from mcred.settings import StackSettings
from mcred.stack import Stack

from .issuance import controller_bulk, learners, oid4vci_bulk


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far (``/proc/stat``)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (``/proc/<pid>/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def both(stack: Stack, clients: list[httpx.AsyncClient], templates: list[str], run) -> dict:
    """``run`` for each institution at once; credentials per second in all, and the issuer agents' CPU."""
    pids = [stack.components[f"{agent}-agent"].pid for agent in stack.issuer_shards.values()]
    cpu, machine, started = sum(map(cpu_seconds, pids)), machine_ticks(), time.monotonic()
    results = await asyncio.gather(
        *(run(c, t, n) for n, (c, t) in enumerate(zip(clients, templates, strict=True)))
    )
    seconds, spent = time.monotonic() - started, sum(map(cpu_seconds, pids)) - cpu
    busy, total = (after - before for after, before in zip(machine_ticks(), machine, strict=True))
    issued = sum(r["issued"] for r in results)
    return {
        "per_second": round(issued / seconds, 2),
        "issued": issued,
        "lost": sum(r["lost"] for r in results),
        "duplicates": sum(r["duplicates"] for r in results),
        "seconds": round(seconds, 1),
        "agent_core_s_per_credential": round(spent / max(issued, 1), 3),
        "machine_cpu_busy": round(busy / max(total, 1), 2),
    }


async def one_layout(shards: int, m: int, wallets: int, tenants: int, figures: dict) -> None:
    with tempfile.TemporaryDirectory(prefix="mcred-bench-") as tmp:
        stack = Stack(
            StackSettings(
                data_dir=Path(tmp), chain_port=0, issuer_port=0, verifier_port=0, issuer_shards=shards
            )
        )
        await stack.up()
        try:
            url = stack.components["issuer"].url
            async with (
                httpx.AsyncClient(base_url=url, timeout=60) as a,
                httpx.AsyncClient(base_url=url, timeout=60) as b,
            ):
                enrolled = [
                    await enrol(a, stack.operator_key, "Bench A"),
                    await enrol(b, stack.operator_key, "Bench B"),
                ]
                for client, institution in zip((a, b), enrolled, strict=True):
                    client.headers.update(institution.auth)
                templates = [e.template["id"] for e in enrolled]
                layout = figures.setdefault(f"{shards}_shard{'s' if shards > 1 else ''}", {})
                layout["placement"] = [e.institution["agent_shard"] for e in enrolled]
                holders = await learners(stack, wallets)
                half = len(holders) // 2

                async def didcomm(client: httpx.AsyncClient, template: str, n: int) -> dict:
                    mine: list[AdminClient] = holders[half * n : half * (n + 1)] or holders
                    return await controller_bulk(client, template, m, mine)

                layout["didcomm"] = await both(stack, [a, b], templates, didcomm)

                async def oid4vci(client: httpx.AsyncClient, template: str, n: int) -> dict:
                    return await oid4vci_bulk(client, template, m)

                layout["oid4vci"] = await both(stack, [a, b], templates, oid4vci)
                if tenants:
                    figures["memory_per_tenant"] = await tenant_memory(stack, a, tenants)
        finally:
            await stack.down()


async def tenant_memory(stack: Stack, http: httpx.AsyncClient, count: int) -> dict:
    """``count`` more institutions registered (each a tenant with a DID and a chain account): the issuer
    agent's resident memory before and after, at rest."""
    pid = stack.components["issuer-agent"].pid
    before = rss_bytes(pid)
    operator = {"X-API-Key": stack.operator_key}
    for n in range(count):
        body = {"name": f"Tenant {n}", "country_code": "PL"}
        response = await http.post("/v1/institutions", json=body, headers=operator)
        response.raise_for_status()
    after = rss_bytes(pid)
    return {
        "tenants": count,
        "agent_rss_mb_before": round(before / 2**20, 1),
        "agent_rss_mb_after": round(after / 2**20, 1),
        "kb_per_tenant": round((after - before) / count / 1024, 1),
    }


async def main(m: int, wallets: int, tenants: int, measured: dict | None = None) -> dict:
    """The figures, also written into ``measured`` as each is taken (what a failed run got to)."""
    figures = {} if measured is None else measured
    figures.update(date=datetime.now(UTC).isoformat(timespec="seconds"), per_institution=m, wallets=wallets)
    await one_layout(1, m, wallets, tenants, figures)
    await one_layout(2, m, wallets, 0, figures)
    one, two = figures["1_shard"], figures["2_shards"]
    figures["ratio_two_to_one"] = {
        protocol: round(two[protocol]["per_second"] / one[protocol]["per_second"], 2)
        for protocol in ("didcomm", "oid4vci")
    }
    return figures
