"""Verification throughput and latency: the full pipeline (POST /v1/verifications) on the standard file
(eddsa-rdfc-2022, checked in-process) beside the agent's own signature-only ``/vc/credentials/verify`` of the
same credential body signed Ed25519Signature2020 (and ``/vc/presentations/verify`` for a presentation), same
run.

    .venv/bin/python -m bench.verification [--n N] [--concurrency C]

Starts its own stack in a temporary directory; an accredited institution issues one credential to the learner
stand-in; its standard profile (the file a person would be sent) is verified N times each way. Cold is the
first full verification (its status lists and accreditation not yet read); warm is the rest, at the given
concurrency and again one at a time (the latency a caller sees when nothing queues). Then a DIDComm
presentation (full pipeline beside the agent's presentation verify) and OpenID4VP answers with the SD-JWT VC
(each wallet response verified before it is answered), same run.
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

from common.microcredential import agent_document
from mcred.oid4vc_wallet import Oid4vciWallet, answer, present, resolve_request
from mcred.scenario import Enrolled, accredited_holding, ask_and_answer, register_employer
from mcred.settings import StackSettings
from mcred.stack import Stack


def figures(latencies: list[float], seconds: float) -> dict:
    ordered = sorted(latencies)
    return {
        "n": len(ordered),
        "per_s": round(len(ordered) / seconds, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
    }


async def run(n: int, concurrency: int, call) -> dict:
    latencies: list[float] = []
    slots = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with slots:
            started = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    return figures(latencies, time.perf_counter() - started)


async def oid4vp(
    issuer: httpx.AsyncClient,
    verifier: httpx.AsyncClient,
    enrolled: Enrolled,
    employer: dict[str, str],
    n: int,
    concurrency: int,
) -> dict:
    """OpenID4VP answers with the SD-JWT VC: N requests made and read as a wallet reads them beforehand; what
    is timed is the wallet's ``direct_post`` of each presentation, which returns once it is verified."""
    body = {"template_id": enrolled.template["id"], "learner": {"name": "Bench"}, "protocol": "oid4vci"}
    made = (await issuer.post("/v1/offers", json=body, headers=enrolled.auth)).json()
    received = await Oid4vciWallet(issuer).receive(made["invitation_url"])
    answers = []
    for _ in range(n + 1):
        asked = (
            await verifier.post("/v1/proof-requests", json={"protocol": "oid4vp"}, headers=employer)
        ).json()
        request = await resolve_request(verifier, asked["invitation_url"])
        answers.append((request, present(received, request.payload["nonce"], request.client_id), asked["id"]))
    pending = iter(answers)

    async def respond() -> None:
        request, presentation, _ = next(pending)
        assert (await answer(verifier, request, [presentation])).status_code == 200

    await respond()  # the first reads the token status list and the accreditation
    figures = await run(n, concurrency, respond)
    for _, _, request_id in answers:
        state = (await verifier.get(f"/v1/proof-requests/{request_id}", headers=employer)).json()["state"]
        assert state == "verified", state
    return figures


async def main(n: int, concurrency: int, measured: dict | None = None) -> dict:
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
                enrolled, offer = await accredited_holding(issuer, stack, "Bench University")
                credential = (
                    await issuer.get(f"/v1/credentials/{offer['id']}/download", headers=enrolled.auth)
                ).json()
                body = json.dumps(credential).encode()
                agent = stack.agents.agents["verifier"].client
                unsigned = {k: v for k, v in credential.items() if k != "proof"}
                institution = await stack.owner_agent("issuer", enrolled.institution["id"])
                signed_2020 = await institution.sign_credential(
                    unsigned, {"proofType": "Ed25519Signature2020", "proofPurpose": "assertionMethod"}
                )

                async def full() -> None:
                    response = await verifier.post("/v1/verifications", content=body)
                    assert response.status_code == 201 and response.json()["verified"], response.text

                async def signature_only() -> None:
                    assert (await agent.verify_credential(signed_2020))["verified"]

                started = time.perf_counter()
                await full()
                result["full_pipeline_cold_ms"] = round((time.perf_counter() - started) * 1000, 1)
                await signature_only()  # the agent's own first-call costs out of the baseline too
                result["agent_signature_only"] = baseline = await run(n, concurrency, signature_only)
                result["full_pipeline_warm"] = pipeline = await run(n, concurrency, full)
                result["ratio_per_s"] = round(pipeline["per_s"] / baseline["per_s"], 2)
                # One at a time: the latency a caller sees when nothing queues.
                result["one_at_a_time"] = {
                    "agent_signature_only": await run(n // 4, 1, signature_only),
                    "full_pipeline_warm": await run(n // 4, 1, full),
                }

                # A presentation the wallet made for a proof request, verified as a file with its challenge.
                employer = await register_employer(verifier, stack, "Bench Employer")
                criteria = {"achievement_id": enrolled.template["achievement_id"]}
                answered = await ask_and_answer(verifier, employer, stack, criteria)
                presentation, challenge = answered["presentation"], answered["challenge"]
                vp_body = json.dumps(presentation).encode()

                async def full_presentation() -> None:
                    response = await verifier.post(
                        "/v1/verifications", content=vp_body, params={"challenge": challenge}
                    )
                    assert response.status_code == 201 and response.json()["verified"], response.text

                async def presentation_signature_only() -> None:
                    result = await agent.verify_presentation(
                        agent_document(presentation), {"challenge": challenge}
                    )
                    assert result["verified"]

                await presentation_signature_only()
                vp_baseline = await run(n, concurrency, presentation_signature_only)
                vp_pipeline = await run(n, concurrency, full_presentation)
                result["presentation"] = {
                    "agent_signature_only": vp_baseline,
                    "full_pipeline_warm": vp_pipeline,
                    "ratio_per_s": round(vp_pipeline["per_s"] / vp_baseline["per_s"], 2),
                }
                result["oid4vp"] = await oid4vp(issuer, verifier, enrolled, employer, n, concurrency)
        finally:
            await stack.down()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    result = asyncio.run(main(args.n, args.concurrency))
    for name, r in [
        ("file: agent_signature_only", result["agent_signature_only"]),
        ("file: full_pipeline_warm", result["full_pipeline_warm"]),
        ("file, one at a time: agent", result["one_at_a_time"]["agent_signature_only"]),
        ("file, one at a time: full", result["one_at_a_time"]["full_pipeline_warm"]),
        ("presentation: agent only", result["presentation"]["agent_signature_only"]),
        ("presentation: full pipeline", result["presentation"]["full_pipeline_warm"]),
        ("OpenID4VP: SD-JWT VC answer", result["oid4vp"]),
    ]:
        print(f"{name:<30} {r['per_s']:>7}/s  p50 {r['p50_ms']:>7} ms  p95 {r['p95_ms']:>7} ms  (n={r['n']})")
    cold, ratio = result["full_pipeline_cold_ms"], result["ratio_per_s"]
    print(f"full pipeline, cold (first file): {cold} ms; throughput ratio full/agent {ratio}")
    print(json.dumps(result))
