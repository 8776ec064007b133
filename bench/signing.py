"""Signing the standard copy: our plugin's ``eddsa-rdfc-2022`` Data Integrity proof beside the agent's own
``Ed25519Signature2020`` (``/vc/credentials/issue``) over the same credential body, same run, same agent, same
institution DID; and the issuer's whole path per credential.

    .venv/bin/python -m bench.signing [--n N] [--concurrency C]

The issuer's path is what it does per credential around the signature: build the OB3 document from the
template (EU elements, alignments, status entries, hashed e-mail), sign it through the plugin, shape it
(``ob3_document``) and check it against the OB3 JSON Schema. Starts its own agent in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from agent.config import AgentRole
from agent.supervisor import AgentSupervisor
from common.microcredential import (
    Award,
    Institution,
    Profile,
    StatusEntry,
    Template,
    build_credential,
    hashed_email,
    ob3_document,
    ob3_schema_errors,
)
from mcred.samples import template_body

ED25519_2020 = {"proofType": "Ed25519Signature2020", "proofPurpose": "assertionMethod"}


async def rate(n: int, concurrency: int, one) -> float:
    slots = asyncio.Semaphore(concurrency)

    async def bounded(k: int) -> None:
        async with slots:
            await one(k)

    started = time.perf_counter()
    await asyncio.gather(*(bounded(k) for k in range(n)))
    return n / (time.perf_counter() - started)


async def main(n: int, concurrency: int, measured: dict | None = None) -> dict:
    """The figures, also written into ``measured`` as each is taken (what a failed run got to)."""
    figures = {} if measured is None else measured
    figures.update(n=n, concurrency=concurrency)
    with tempfile.TemporaryDirectory(prefix="mcred-bench-") as tmp:
        agents = AgentSupervisor(Path(tmp))
        agent = (await agents.start(AgentRole.ISSUER)).client
        try:
            did = (await agent.create_did_key()).did
            template = Template.model_validate(template_body())
            institution = Institution(
                did=did, name="Bench University", country_code="PL", url=None, identifiers={}
            )
            status = [
                StatusEntry("revocation", "http://127.0.0.1/s/1", 7),
                StatusEntry("suspension", "http://127.0.0.1/s/2", 9),
            ]

            def build(k: int) -> dict:
                return build_credential(
                    Profile.STANDARD, template=template, institution=institution,
                    credential_id=f"urn:uuid:{uuid.uuid4()}", achievement_id="urn:uuid:bench",
                    subject_did=did, issued_at=datetime.now(UTC), status=status, award=Award(grade="5.0"),
                    identifier=hashed_email(f"learner{k}@example.pl", uuid.uuid4().hex[:16]),
                )  # fmt: skip

            prebuilt = build(0)

            async def agent_2020(_: int) -> None:
                await agent.sign_credential(prebuilt, ED25519_2020)

            async def plugin_eddsa(_: int) -> None:
                await agent.sign_data_integrity(prebuilt)

            async def issuer_path(k: int) -> None:
                signed = ob3_document(await agent.sign_data_integrity(build(k)))
                assert not ob3_schema_errors(signed)

            await agent_2020(0)  # first-call costs (context loading) out of every figure
            await plugin_eddsa(0)
            raw = await rate(n, concurrency, agent_2020)
            figures["agent_2020_per_s"] = round(raw, 1)
            ours = await rate(n, concurrency, plugin_eddsa)
            figures["plugin_eddsa_rdfc_2022_per_s"] = round(ours, 1)
            figures["ratio"] = round(ours / raw, 2)
            figures["issuer_path_per_s"] = round(await rate(n, concurrency, issuer_path), 1)
        finally:
            await agents.stop_all()
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    result = asyncio.run(main(args.n, args.concurrency))
    print(f"agent Ed25519Signature2020 (/vc/credentials/issue): {result['agent_2020_per_s']}/s")
    print(
        f"plugin eddsa-rdfc-2022, same body                 : {result['plugin_eddsa_rdfc_2022_per_s']}/s "
        f"({result['ratio']}x)"
    )
    print(f"the issuer's whole path (build, sign, schema)     : {result['issuer_path_per_s']}/s")
    print(json.dumps(result))
