"""Issuance throughput, end to end, beside the raw agent in the same run.

    .venv/bin/python -m bench.issuance [--single N] [--bulk M] [--wallets W]

Starts its own stack in a temporary directory. Figures:
- raw agent: the issuer agent offers an OB3 wallet-profile credential to the learner agent over one
  DIDComm connection, N times in a row, through the admin API (no controller): credentials/s;
- controller, single: N offers in a row through POST /v1/offers, each scanned by the learner stand-in
  (its own connection, holder binding, both profiles signed): credentials/s;
- controller, bulk: M learners from one CSV, held by W wallet-agent processes (round robin), 8 scanning at a
  time: credentials/s, lost, duplicates;
- OpenID4VCI, the same microcredential as an SD-JWT VC: N single offers end to end (offer made, resolved,
  token, nonce, proof, credential checked by the wallet stand-in), latency p50/p95; and M learners from one
  CSV taken by wallets 16 at a time: credentials/s from the upload to the last credential, lost, duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx

from agent.client import AdminClient
from agent.config import AgentRole
from agent.process import rss_bytes
from common.microcredential import Institution, Profile, StatusEntry, Template, build_credential
from mcred.oid4vc_wallet import OAuthRefusal, Oid4vciWallet
from mcred.samples import template_body
from mcred.scenario import enrol, scan
from mcred.settings import StackSettings
from mcred.stack import Stack

from .waits import until


async def raw_agent(stack: Stack, n: int) -> float:
    issuer, learner = await stack.own_wallet("issuer", "raw ACA-Py"), stack.agents.agents["learner"].client
    invitation = await issuer.create_invitation(alias="bench")
    await learner.receive_invitation(invitation.message)

    async def active() -> str | None:
        found = await issuer.connections(invitation_msg_id=invitation.invitation_msg_id)
        return next((c["connection_id"] for c in found if c["state"] == "active"), None)

    connection = await until(active, what="the raw agent's connection active")
    assert connection is not None
    did = (await issuer.create_did_key()).did
    holder = (await learner.create_did_key()).did
    template = Template.model_validate(template_body())
    status = [
        StatusEntry("revocation", "http://127.0.0.1/s/1", 1),
        StatusEntry("suspension", "http://127.0.0.1/s/2", 2),
    ]
    started = time.monotonic()
    for _ in range(n):
        credential = build_credential(
            Profile.WALLET, template=template, institution=Institution(did=did, name="U", country_code="PL"),
            credential_id=f"urn:uuid:{uuid.uuid4()}", achievement_id="urn:uuid:bench", subject_did=holder,
            issued_at=datetime.now(UTC), status=status,
        )  # fmt: skip
        record = await issuer.offer_credential(
            connection, credential, {"proofType": "Ed25519Signature2018", "proofPurpose": "assertionMethod"}
        )

        async def state(cred_ex_id=record["cred_ex_id"]) -> str:
            return (await issuer.credential_exchange(cred_ex_id))["state"]

        await until(state, done=lambda s: s == "done", what="a raw credential exchange done")
    return n / (time.monotonic() - started)


async def controller_single(stack: Stack, http: httpx.AsyncClient, template: str, n: int) -> float:
    learner = stack.agents.agents["learner"].client
    started = time.monotonic()
    for _ in range(n):
        offer = (await http.post("/v1/offers", json={"template_id": template})).json()
        await learner.receive_invitation(scan(offer["invitation_url"]))

        async def state(offer_id=offer["id"]) -> str:
            return (await http.get(f"/v1/offers/{offer_id}")).json()["state"]

        await until(state, done=lambda s: s == "issued", what="a single offer issued")
    return n / (time.monotonic() - started)


async def learners(stack: Stack, wallets: int) -> list[AdminClient]:
    """The stack's learner stand-in and ``wallets - 1`` more learner agents (the learners' side of a bulk run
    spread over several processes, as phones are)."""
    holders = [stack.agents.agents["learner"].client]
    for k in range(1, wallets):
        holders.append((await stack.agents.start(AgentRole.LEARNER, name=f"learner-{k}")).client)
    return holders


async def controller_bulk(http: httpx.AsyncClient, template: str, m: int, holders: list[AdminClient]) -> dict:
    csv = "email\n" + "".join(f"bench{n}-{uuid.uuid4().hex[:6]}@example.pl\n" for n in range(m))
    started = time.monotonic()
    job = (
        await http.post(
            "/v1/bulk-issuances", params={"template_id": template}, content=csv.encode(),
            headers={"Content-Type": "text/csv"},
        )
    ).json()  # fmt: skip

    async def made() -> list[dict]:
        return (await http.get(f"/v1/bulk-issuances/{job['id']}/offers")).json()

    # Invitations are made in the background: as long as their number grows, the wait goes on.
    rows = await until(
        made, done=lambda rows: len(rows) == m, progress=len, what=f"{m} bulk invitations made"
    )
    slots = asyncio.Semaphore(8)

    async def scan_one(n: int, row) -> None:
        async with slots:
            await holders[n % len(holders)].receive_invitation(scan(row["invitation_url"]))

    await asyncio.gather(*(scan_one(n, r) for n, r in enumerate(rows)))

    async def job_progress() -> dict:
        return (await http.get(f"/v1/bulk-issuances/{job['id']}")).json()

    # Finished when every row is issued, failed or expired; moving while any row changes state.
    progress = await until(
        job_progress,
        done=lambda p: p["finished"],
        progress=lambda p: p["by_state"],
        what=f"bulk issuance of {m} finished",
    )
    elapsed = time.monotonic() - started
    rows = (await http.get(f"/v1/bulk-issuances/{job['id']}/offers")).json()
    stored = [await holder.w3c_credentials() for holder in holders]
    held = Counter(c["cred_value"]["id"] for credentials in stored for c in credentials)
    issued = [r["credential_id"] for r in rows if r["state"] == "issued"]
    return {
        "per_second": len(issued) / elapsed,
        "issued": len(issued),
        "lost": m - len(issued),
        "duplicates": sum(held[i] - 1 for i in issued if held[i] > 1),
        "by_state": progress["by_state"],
        "seconds": elapsed,
        "wallets": len(holders),
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def oid4vci_single(http: httpx.AsyncClient, template: str, n: int) -> dict:
    wallet, took = Oid4vciWallet(http), []
    for _ in range(n):
        started = time.monotonic()
        body = {"template_id": template, "learner": {"name": "Jan"}, "protocol": "oid4vci"}
        offer = (await http.post("/v1/offers", json=body)).json()
        await wallet.receive(offer["invitation_url"])
        took.append(time.monotonic() - started)
    return {
        "per_second": n / sum(took),
        "p50_ms": _percentile(took, 0.5) * 1000,
        "p95_ms": _percentile(took, 0.95) * 1000,
    }


async def upload_cohort(http: httpx.AsyncClient, template: str, m: int) -> dict:
    """A CSV of M learners (each a fresh e-mail and a name) offered over OpenID4VCI: the bulk job."""
    csv = "email,name\n" + "".join(
        f"vci{n}-{uuid.uuid4().hex[:6]}@example.pl,Learner {n}\n" for n in range(m)
    )
    response = await http.post(
        "/v1/bulk-issuances", params={"template_id": template, "protocol": "oid4vci"},
        content=csv.encode(), headers={"Content-Type": "text/csv"},
    )  # fmt: skip
    return response.json()


async def oid4vci_bulk(http: httpx.AsyncClient, template: str, m: int, concurrency: int = 16) -> dict:
    started = time.monotonic()
    job = await upload_cohort(http, template, m)

    async def made() -> list[dict]:
        return (await http.get(f"/v1/bulk-issuances/{job['id']}/offers")).json()

    rows = await until(
        made, done=lambda rows: len(rows) == m, progress=len, what=f"{m} OpenID4VCI offers made"
    )
    offers_made_s = time.monotonic() - started
    wallet, slots, received, refused = (
        Oid4vciWallet(http, patience=30),
        asyncio.Semaphore(concurrency),
        [],
        [],
    )

    async def take(row: dict) -> None:
        async with slots:
            try:
                received.append((await wallet.receive(row["invitation_url"])).claims["jti"])
            except OAuthRefusal as refusal:
                refused.append(refusal.error)

    await asyncio.gather(*(take(row) for row in rows))
    elapsed = time.monotonic() - started
    progress = (await http.get(f"/v1/bulk-issuances/{job['id']}")).json()
    held = Counter(received)
    return {
        "per_second": progress["by_state"].get("issued", 0) / elapsed,
        "issued": progress["by_state"].get("issued", 0),
        "lost": m - len(held),
        "duplicates": sum(count - 1 for count in held.values()),
        "refused": dict(Counter(refused)),
        "offers_made_s": offers_made_s,
        "seconds": elapsed,
        "concurrency": concurrency,
    }


async def offers_ready(http: httpx.AsyncClient, template: str, m: int) -> dict:
    """A cohort's CSV of M learners over OpenID4VCI: seconds from the upload until every learner's
    invitation exists (what an institution waits for before the e-mails can go out)."""
    started = time.monotonic()
    job = await upload_cohort(http, template, m)

    async def progress() -> dict:
        return (await http.get(f"/v1/bulk-issuances/{job['id']}")).json()

    await until(progress, done=lambda p: p["offers_made"] == m, progress=lambda p: p["offers_made"],
                what=f"{m} OpenID4VCI invitations made")  # fmt: skip
    seconds = time.monotonic() - started
    return {"learners": m, "seconds": seconds, "per_second": m / seconds}


def memory(stack: Stack) -> dict[str, float]:
    """RSS of each process of the stack (its whole process group's leader), MB; and the sum."""
    rss = {name: round(rss_bytes(c.pid) / 2**20, 1) for name, c in stack.components.items()}
    return {**rss, "total": round(sum(rss.values()), 1)}


async def main(
    single: int, bulk: int, wallets: int = 1, measured: dict | None = None, cohort: int = 10_000
) -> dict:
    """The figures, also written into ``measured`` as each is taken (what a failed run got to)."""
    figures = {} if measured is None else measured
    figures.update(date=datetime.now(UTC).isoformat(timespec="seconds"), n_single=single, n_bulk=bulk)
    with tempfile.TemporaryDirectory(prefix="mcred-bench-") as tmp:
        stack = Stack(StackSettings(data_dir=Path(tmp), chain_port=0, issuer_port=0, verifier_port=0))
        await stack.up()
        try:
            async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=60) as http:
                enrolled = await enrol(http, stack.operator_key, "Bench")
                http.headers.update(enrolled.auth)
                template = enrolled.template["id"]
                figures["rss_mb_at_rest"] = memory(stack)
                raw = await raw_agent(stack, single)
                figures["raw_agent_sequential_per_s"] = round(raw, 2)
                one = await controller_single(stack, http, template, single)
                figures["controller_single_per_s"] = round(one, 2)
                figures["controller_single_vs_raw"] = round(one / raw, 2)
                many = await controller_bulk(http, template, bulk, await learners(stack, wallets))
                figures["controller_bulk"] = {
                    k: round(v, 2) if isinstance(v, float) else v for k, v in many.items()
                }
                figures["rss_mb_after_bulk"] = memory(stack)
                single_vci = await oid4vci_single(http, template, single)
                figures["oid4vci_single"] = {k: round(v, 2) for k, v in single_vci.items()}
                bulk_vci = await oid4vci_bulk(http, template, bulk)
                figures["oid4vci_bulk"] = {
                    k: round(v, 2) if isinstance(v, float) else v for k, v in bulk_vci.items()
                }
                figures["rss_mb_after_oid4vci_bulk"] = memory(stack)
                ready = await offers_ready(http, template, cohort)
                figures["oid4vci_offers_ready"] = {k: round(v, 2) for k, v in ready.items()}
        finally:
            await stack.down()
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--single", type=int, default=20)
    parser.add_argument("--bulk", type=int, default=100)
    parser.add_argument("--wallets", type=int, default=1, help="wallet-agent processes holding the learners")
    args = parser.parse_args()
    figures = asyncio.run(main(args.single, args.bulk, args.wallets))
    print(
        f"raw agent, sequential DIDComm issuance : {figures['raw_agent_sequential_per_s']:6.2f} credentials/s"
    )
    print(
        f"controller, single offers end to end   : {figures['controller_single_per_s']:6.2f} credentials/s"
        f"  ({figures['controller_single_vs_raw']:.2f} x raw)"
    )
    bulk = figures["controller_bulk"]
    print(
        f"controller, bulk {args.bulk} learners, {args.wallets} wallets: {bulk['per_second']:.2f}/s"
        f"  lost {bulk['lost']}  duplicates {bulk['duplicates']}"
    )
    vci = figures["oid4vci_bulk"]
    print(
        f"OpenID4VCI, single offers end to end  : p50 {figures['oid4vci_single']['p50_ms']} ms"
        f"  p95 {figures['oid4vci_single']['p95_ms']} ms"
    )
    print(
        f"OpenID4VCI, bulk {args.bulk} learners: {vci['per_second']:.2f}/s  lost {vci['lost']}"
        f"  duplicates {vci['duplicates']}"
    )
    print(json.dumps(figures))
