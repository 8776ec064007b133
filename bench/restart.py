"""An agent crash under load: verifications keep being posted while the verifier's ACA-Py agent is killed
(SIGKILL); the supervisor starts it again on its port and the verifier answers again.

    .venv/bin/python -m bench.restart [--concurrency C] [--before S] [--after S]

Starts its own stack in a temporary directory; an accredited institution issues one credential to the
learner stand-in. Both its copies are posted to ``POST /v1/verifications`` back to back by C workers: the
standard copy (eddsa-rdfc-2022, checked in-process: no agent needed) and the wallet copy
(Ed25519Signature2018, checked by the agent). Reports the seconds from the kill until the supervisor had the
agent ready again and until the verifier answered 201 for the wallet copy again, how many requests got 503
(retryable, nothing stored) in between, how many got anything else (a 500, a refused connection, a stored
``verified: false``: must be 0), and throughput before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from mcred.scenario import accredited_holding
from mcred.settings import StackSettings
from mcred.stack import Stack

from .waits import until

SERVICE_UNAVAILABLE = "/service-unavailable"


@dataclass(frozen=True)
class Outcome:
    """One verification as its caller saw it; ``started``/``ended`` are ``time.monotonic()``."""

    kind: str
    """Which copy was posted: ``standard`` or ``wallet``."""
    started: float
    ended: float
    status: int
    """The HTTP status; 0 when no answer came (a refused connection, a timeout)."""
    verified: bool | None = None
    problem: str = ""
    """The problem type of an error answer, the exception when none came, or the failed checks' details of a
    ``verified: false``."""

    @property
    def retryable(self) -> bool:
        """A 503 saying ``service-unavailable``: nothing was decided or stored."""
        return self.status == 503 and self.problem.endswith(SERVICE_UNAVAILABLE)

    @property
    def verified_201(self) -> bool:
        return self.status == 201 and self.verified is True

    @property
    def expected(self) -> bool:
        """What a caller may get while a part restarts: a verdict that the credential is valid, or a 503."""
        return self.verified_201 or self.retryable


@dataclass
class VerificationStream:
    """``concurrency`` workers posting ``documents`` (kind → body) to the verifier back to back, in turn,
    until stopped; every outcome is kept."""

    http: httpx.AsyncClient
    documents: dict[str, bytes]
    concurrency: int = 2
    outcomes: list[Outcome] = field(default_factory=list)
    _workers: list[asyncio.Task[None]] = field(default_factory=list)
    _stopping: bool = False

    async def __aenter__(self) -> VerificationStream:
        self._workers = [asyncio.create_task(self._work(n)) for n in range(self.concurrency)]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stopping = True
        await asyncio.gather(*self._workers)

    async def _work(self, first: int) -> None:
        kinds = list(self.documents)
        turn = first
        while not self._stopping:
            kind = kinds[turn % len(kinds)]
            turn += 1
            self.outcomes.append(await self._post(kind))

    async def _post(self, kind: str) -> Outcome:
        started = time.monotonic()
        try:
            response = await self.http.post("/v1/verifications", content=self.documents[kind])
        except httpx.HTTPError as err:
            return Outcome(kind, started, time.monotonic(), 0, problem=repr(err))
        body = response.json()
        if response.status_code >= 400:
            retry = "" if response.headers.get("retry-after") else " (no Retry-After)"
            problem = body.get("type", "") + retry
        else:
            problem = "; ".join(failed_checks(body.get("report", {})))
        return Outcome(kind, started, time.monotonic(), response.status_code, body.get("verified"), problem)

    def since(self, moment: float) -> list[Outcome]:
        return [o for o in self.outcomes if o.started >= moment]

    async def verified(self, kind: str, since: float = 0.0) -> list[Outcome]:
        """The 201 ``verified: true`` answers for ``kind`` to requests started at ``since`` or later (a probe
        for ``eventually``)."""
        return [o for o in self.since(since) if o.kind == kind and o.verified_201]


def failed_checks(report: dict) -> list[str]:
    """``check id: why`` of each failed check of a report (a credential's, or a presentation's and its
    credentials')."""
    credentials = report.get("credentials", [])
    checks = [*report.get("checks", []), *(c for credential in credentials for c in credential["checks"])]
    return [f"{c['id']}: {c['problem']['detail']}" for c in checks if "problem" in c]


async def wallet_and_standard_copies(stack: Stack, issuer: httpx.AsyncClient, name: str) -> dict[str, bytes]:
    """One credential issued to the learner stand-in by an accredited institution, as both its copies."""
    enrolled, offer = await accredited_holding(issuer, stack, name)
    base = f"/v1/credentials/{offer['id']}/download"
    return {
        profile: (await issuer.get(base, params={"profile": profile}, headers=enrolled.auth)).content
        for profile in ("standard", "wallet")
    }


async def _now[T](value: T) -> T:
    return value


def rate(outcomes: list[Outcome], seconds: float) -> float:
    return round(sum(o.verified_201 for o in outcomes) / seconds, 1) if seconds > 0 else 0.0


async def main(concurrency: int, before: float, after: float, measured: dict | None = None) -> dict:
    """The figures, also written into ``measured`` as each is taken (what a failed run got to)."""
    result = {} if measured is None else measured
    result["concurrency"] = concurrency
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(StackSettings(data_dir=Path(tmp), chain_port=0, issuer_port=0, verifier_port=0))
        await stack.up()
        try:
            async with (
                httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=60) as issuer,
                httpx.AsyncClient(base_url=stack.components["verifier"].url, timeout=60) as verifier,
            ):
                documents = await wallet_and_standard_copies(stack, issuer, "Bench Restart University")
                for body in documents.values():  # status lists and accreditation read once, before timing
                    response = await verifier.post("/v1/verifications", content=body)
                    assert response.status_code == 201 and response.json()["verified"], response.text
                agent = stack.components["verifier-agent"]
                async with VerificationStream(verifier, documents, concurrency) as stream:
                    await asyncio.sleep(before)
                    killed = time.monotonic()
                    os.kill(agent.pid, signal.SIGKILL)
                    try:
                        await until(lambda: _now(agent.restarts), interval=0.01, what="the agent back")
                        restarted = time.monotonic()
                        result["agent_ready_again_s"] = round(restarted - killed, 2)
                        wallet = await until(
                            lambda: stream.verified("wallet", restarted), interval=0.01, what="verified again"
                        )
                    except Exception:
                        since = stream.since(killed)  # what the callers saw while it was not back
                        result["since_kill"] = dict(Counter(f"{o.status} {o.problem}" for o in since))
                        raise
                    back = min(o.ended for o in wallet)
                    await asyncio.sleep(after)
                    ended = time.monotonic()
        finally:
            await stack.down()
    outcomes = stream.outcomes
    first = min(o.started for o in outcomes)
    warm = [o for o in outcomes if o.ended <= killed]
    outage = [o for o in outcomes if o.ended > killed and o.started < back]
    later = [o for o in outcomes if o.started >= back]
    unexpected = [o for o in outcomes if not o.expected]
    result.update(
        {
            "wallet_verified_again_s": round(back - killed, 2),
            "during_outage": {
                "requests": len(outage),
                "503": sum(o.retryable for o in outage),
                "201_standard": sum(o.verified_201 and o.kind == "standard" for o in outage),
                "201_wallet": sum(o.verified_201 and o.kind == "wallet" for o in outage),
            },
            "unexpected": len(unexpected),
            "unexpected_kinds": dict(Counter(f"{o.status} {o.verified} {o.problem}" for o in unexpected)),
            "before_per_s": rate(warm, killed - first),
            "after_per_s": rate(later, ended - back),
            "restart_last_exit": agent.last_exit,
        }
    )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--before", type=float, default=5.0, help="seconds of load before the kill")
    parser.add_argument("--after", type=float, default=5.0, help="seconds of load after the verifier is back")
    args = parser.parse_args()
    result = asyncio.run(main(args.concurrency, args.before, args.after))
    outage = result["during_outage"]
    print(f"verifier agent killed (SIGKILL) under {result['concurrency']} workers posting both copies")
    print(f"  agent ready again (supervisor)  {result['agent_ready_again_s']:>6} s")
    print(f"  wallet copy verified again      {result['wallet_verified_again_s']:>6} s")
    print(
        f"  meanwhile: {outage['requests']} requests, {outage['503']} answered 503 (retryable), "
        f"{outage['201_standard']} standard copies still verified (no agent needed)"
    )
    print(f"  anything else (500, refused, verified: false): {result['unexpected']}")
    print(f"  verified/s before {result['before_per_s']}, after {result['after_per_s']}")
    print(json.dumps(result))
