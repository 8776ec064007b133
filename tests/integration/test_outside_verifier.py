"""DCC's verifier-core — the verifier behind the Learner Credential Wallet, software nobody here wrote —
checks what we issue with nothing of ours but the status lists it fetches: the signature (eddsa-rdfc-2022,
safe-mode JSON-LD, every context its own bundled copy), revocation and suspension read from our published
lists, and the status list credentials themselves."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from common.baking import unbake_png
from mcred.scenario import Enrolled, enrol, issue_to_learner, until_anchored
from mcred.stack import Stack
from tests.support.dcc import dcc_verify

SCHEMA_DEVIATION = "/credentialStatus must be object"
"""The OB 3.0 JSON Schema allows one status entry; we carry revocation and suspension (VCDM 2.0 allows a set,
1EdTech/openbadges-specification#623 proposes it for OB 3.1). docs/credential-model.md says why."""


@pytest.fixture(scope="module")
async def enrolled(issuer: httpx.AsyncClient, stack: Stack) -> Enrolled:
    return await enrol(issuer, stack.operator_key, "Uniwersytet Otwarty")


@pytest.fixture(scope="module")
def status_lists(stack: Stack) -> list[str]:
    return [stack.components["issuer"].url + "/status-lists/"]


async def standard_copy(
    issuer: httpx.AsyncClient, enrolled: Enrolled, stack: Stack, who: str
) -> dict[str, Any]:
    offer = await issue_to_learner(issuer, enrolled.auth, enrolled.template["id"], stack, {"name": who})
    assert offer["state"] == "issued", offer
    return offer


async def download(issuer: httpx.AsyncClient, enrolled: Enrolled, offer_id: str, fmt: str = "json"):
    response = await issuer.get(f"/v1/credentials/{offer_id}/download?format={fmt}", headers=enrolled.auth)
    assert response.status_code == 200, response.text
    return response


def assert_accepted(verdict: dict[str, Any], *, revoked: bool = False, suspended: bool = False) -> None:
    summary = verdict["summary"]
    assert summary["fatal"] == [] and "error" not in summary, summary
    assert verdict["blocked"] == [], f"it needed documents of ours or from the web: {verdict['blocked']}"
    checks = summary["checks"]
    assert checks["valid_signature"] is True, summary
    assert checks["expiration"] is True, summary
    assert checks["revocation_status"] is (not revoked), summary
    assert checks["suspension_status"] is (not suspended), summary
    [schema] = summary["schema"]
    assert schema["errors"] == [SCHEMA_DEVIATION], schema


async def test_a_fresh_credential_and_its_baked_badge_verify(
    issuer: httpx.AsyncClient, enrolled: Enrolled, stack: Stack, status_lists: list[str]
) -> None:
    offer = await standard_copy(issuer, enrolled, stack, "Ewa")
    credential = (await download(issuer, enrolled, offer["id"])).json()
    assert_accepted(await dcc_verify(credential, allow=status_lists))

    baked = unbake_png((await download(issuer, enrolled, offer["id"], "png")).content)
    assert baked == credential
    assert_accepted(await dcc_verify(baked, allow=status_lists))


async def test_revocation_and_suspension_are_seen_from_the_published_lists(
    issuer: httpx.AsyncClient, enrolled: Enrolled, stack: Stack, status_lists: list[str]
) -> None:
    revoked = await standard_copy(issuer, enrolled, stack, "Jan")
    suspended = await standard_copy(issuer, enrolled, stack, "Ala")
    for offer, action in ((revoked, "revoke"), (suspended, "suspend")):
        response = await issuer.post(
            f"/v1/credentials/{offer['id']}/{action}", json={"reason": "test"}, headers=enrolled.auth
        )
        assert response.status_code == 202, response.text
        await until_anchored(issuer, enrolled.auth, offer["id"], 1)

    verdict = await dcc_verify((await download(issuer, enrolled, revoked["id"])).json(), allow=status_lists)
    assert_accepted(verdict, revoked=True)
    verdict = await dcc_verify((await download(issuer, enrolled, suspended["id"])).json(), allow=status_lists)
    assert_accepted(verdict, suspended=True)

    reinstated = await issuer.post(
        f"/v1/credentials/{suspended['id']}/reinstate", json={"reason": "cleared"}, headers=enrolled.auth
    )
    assert reinstated.status_code == 202, reinstated.text
    await until_anchored(issuer, enrolled.auth, suspended["id"], 2)
    verdict = await dcc_verify((await download(issuer, enrolled, suspended["id"])).json(), allow=status_lists)
    assert_accepted(verdict)


async def test_the_status_list_credentials_verify(
    issuer: httpx.AsyncClient, enrolled: Enrolled, stack: Stack, status_lists: list[str]
) -> None:
    offer = await standard_copy(issuer, enrolled, stack, "Olek")
    credential = (await download(issuer, enrolled, offer["id"])).json()
    for entry in credential["credentialStatus"]:
        listed = (await issuer.get(entry["statusListCredential"])).json()
        assert listed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
        verdict = await dcc_verify(listed, allow=[])
        assert verdict["summary"]["fatal"] == [], verdict["summary"]
        assert verdict["summary"]["checks"]["valid_signature"] is True, verdict["summary"]
        assert verdict["blocked"] == []
