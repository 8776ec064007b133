"""Revocation through the issuer API: request → anchored on chain, one at a time and many at once.

    .venv/bin/python -m bench.revocation [--single N] [--burst M]

Starts its own stack in a temporary directory and issues N + M credentials to the learner stand-in. Figures:
- single: N revocations one after another, each from POST …/revoke (202) to its change ``anchored`` (the
  transaction mined on anvil, the list re-signed): p50 and max seconds;
- burst: M revocations requested together: seconds until all are anchored, and how many transactions
  carried them (the worker batches per list).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from mcred.scenario import Enrolled, enrol, issue_to_learner
from mcred.settings import StackSettings
from mcred.stack import Stack

from .waits import until

POLL = 0.02


async def anchored(http: httpx.AsyncClient, enrolled: Enrolled, offer_id: str) -> dict:
    async def change() -> dict | None:
        changes = (await http.get(f"/v1/credentials/{offer_id}", headers=enrolled.auth)).json()["status"][
            "changes"
        ]
        return changes[0] if changes else None

    # Moving while the change goes through its states (requested, submitted, ...).
    anchored_change = await until(
        change,
        done=lambda c: c is not None and c["state"] == "anchored",
        progress=lambda c: c and c["state"],
        interval=POLL,
        what=f"the revocation of {offer_id} anchored",
    )
    assert anchored_change is not None
    return anchored_change


async def revoke(http: httpx.AsyncClient, enrolled: Enrolled, offer_id: str) -> None:
    response = await http.post(
        f"/v1/credentials/{offer_id}/revoke", json={"reason": "benchmark"}, headers=enrolled.auth
    )
    assert response.status_code == 202, response.text


async def main(single: int, burst: int, measured: dict | None = None) -> dict:
    """The figures, also written into ``measured`` as each is taken (what a failed run got to)."""
    figures = {} if measured is None else measured
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(StackSettings(data_dir=Path(tmp), chain_port=0, issuer_port=0, verifier_port=0))
        await stack.up()
        try:
            async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=60) as http:
                enrolled = await enrol(http, stack.operator_key, "Bench University")
                offers = [
                    await issue_to_learner(
                        http, enrolled.auth, enrolled.template["id"], stack, {"email": f"r{n}@example.pl"}
                    )
                    for n in range(single + burst)
                ]
                ids = [o["id"] for o in offers]
                latencies = []
                for offer_id in ids[:single]:
                    started = time.monotonic()
                    await revoke(http, enrolled, offer_id)
                    await anchored(http, enrolled, offer_id)
                    latencies.append(time.monotonic() - started)
                figures["single"] = {
                    "n": single,
                    "p50_s": round(statistics.median(latencies), 3),
                    "max_s": round(max(latencies), 3),
                }
                started = time.monotonic()
                await asyncio.gather(*(revoke(http, enrolled, i) for i in ids[single:]))
                changes = await asyncio.gather(*(anchored(http, enrolled, i) for i in ids[single:]))
                figures["burst"] = {
                    "m": burst,
                    "all_anchored_s": round(time.monotonic() - started, 3),
                    "transactions": len({c["transaction"] for c in changes}),
                }
        finally:
            await stack.down()
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--single", type=int, default=10)
    parser.add_argument("--burst", type=int, default=20)
    args = parser.parse_args()
    figures = asyncio.run(main(args.single, args.burst))
    s, b = figures["single"], figures["burst"]
    print(f"single revocation, request → anchored: p50 {s['p50_s']} s, max {s['max_s']} s (n={s['n']})")
    print(
        f"{b['m']} revocations at once: all anchored in {b['all_anchored_s']} s"
        f" by {b['transactions']} transaction(s)"
    )
    print(json.dumps(figures))
