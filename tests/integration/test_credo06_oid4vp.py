"""A stock Credo 0.6.3 holder that took our SD-JWT VC over OpenID4VCI answers an employer's OpenID4VP request:
it reads the request signed by the employer's DID (client id ``decentralized_identifier``), picks the
credential the DCQL query asks for, discloses what it asks and binds the presentation to our nonce and client
id. The report is ``verified`` with every check passed; after the credential is revoked on chain, the same
holder's answer fails ``status.revocation``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from mcred.scenario import (
    FINAL_REQUEST,
    Enrolled,
    accredited,
    eventually,
    failures,
    outcome,
    register_employer,
    until_anchored,
)
from mcred.stack import Stack
from tests.support.credo06 import Credo06Holder, start_credo06


@pytest.fixture(scope="module")
async def institution(issuer: httpx.AsyncClient, stack: Stack) -> Enrolled:
    return await accredited(issuer, stack, "Kolegium Nauczycielskie")


@pytest.fixture(scope="module")
async def employer(verifier: httpx.AsyncClient, stack: Stack) -> dict[str, str]:
    return await register_employer(verifier, stack, "Biuro Karier")


async def ask_credo(
    verifier: httpx.AsyncClient, employer: dict[str, str], holder: Credo06Holder, **criteria: Any
) -> dict[str, Any]:
    body = {"criteria": criteria, "protocol": "oid4vp", "purpose": "Rekrutacja"}
    asked = (await verifier.post("/v1/proof-requests", json=body, headers=employer)).json()
    await holder.present(asked["invitation_url"])
    shown = await holder.until("request")
    assert shown["query"] == "dcql" and shown["satisfiable"], shown
    presented = await holder.until("presented")
    assert presented["ok"] and presented["status"] == 200, presented

    async def current() -> dict[str, Any]:
        return (await verifier.get(f"/v1/proof-requests/{asked['id']}", headers=employer)).json()

    return await eventually(current, until=lambda r: r["state"] in FINAL_REQUEST, what="a final report")


async def test_credo_presents_our_sd_jwt_vc_and_the_report_follows_its_status(
    issuer: httpx.AsyncClient,
    verifier: httpx.AsyncClient,
    institution: Enrolled,
    employer: dict[str, str],
    tmp_path: Path,
) -> None:
    body = {
        "template_id": institution.template["id"],
        "learner": {"name": "Natalia Król"},
        "protocol": "oid4vci",
    }
    made = (await issuer.post("/v1/offers", json=body, headers=institution.auth)).json()
    async with start_credo06(tmp_path) as holder:
        await holder.receive(made["invitation_url"])
        await holder.until("done")

        done = await ask_credo(
            verifier, employer, holder, achievement_id=institution.template["achievement_id"], min_eqf_level=4
        )
        assert done["state"] == "verified", failures(done)
        checks = outcome(done)
        assert "failed" not in checks.values(), checks
        for check in ("proof.signature", "sd.disclosures", "holder.binding", "presentation.challenge",
                      "presentation.domain", "status.revocation", "issuer.accreditation",
                      "microcredential.eu_elements", "request.criteria"):  # fmt: skip
            assert checks[check] == "passed", (check, checks[check])

        revoked = await issuer.post(
            f"/v1/credentials/{made['id']}/revoke", json={"reason": "withdrawn"}, headers=institution.auth
        )
        assert revoked.status_code == 202, revoked.text
        await until_anchored(issuer, institution.auth, made["id"], 1)
        after = await ask_credo(verifier, employer, holder)
        assert after["state"] == "rejected"
        assert set(failures(after)) == {"status.revocation"}, failures(after)
