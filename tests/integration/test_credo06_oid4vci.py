"""A stock Credo 0.6.3 holder (the framework under Bifold 3 and BC Wallet) takes our SD-JWT VC over
OpenID4VCI, checks its signature and its token status list at receipt, and stores it; it refuses one whose
status entry is revoked on chain. It gets nothing of ours but what it fetches from the issuer's URLs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import create_async_engine

from common.jws import parse
from issuer_controller.models import StatusAllocation
from mcred.scenario import Enrolled, enrol, until_anchored
from mcred.stack import Stack
from tests.support.credo06 import start_credo06

LOGO = "https://szkola.example/logo.png"


@pytest.fixture(scope="module")
async def enrolled(issuer: httpx.AsyncClient, stack: Stack) -> Enrolled:
    enrolled = await enrol(issuer, stack.operator_key, "Szkoła Policealna nr 1")
    changed = await issuer.patch(
        "/v1/institutions/me", json={"display_name": "Szkoła nr 1", "logo_url": LOGO}, headers=enrolled.auth
    )
    assert changed.status_code == 200, changed.text
    return enrolled


async def offer(issuer: httpx.AsyncClient, enrolled: Enrolled, name: str, **extra: Any) -> dict[str, Any]:
    body = {
        "template_id": enrolled.template["id"],
        "learner": {"email": "learner@example.pl", "name": name},
        "protocol": "oid4vci",
        **extra,
    }
    response = await issuer.post("/v1/offers", json=body, headers=enrolled.auth)
    assert response.status_code == 201, response.text
    return response.json()


def same_key(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Same public key (a wallet may add its own ``kid`` to the JWK it sends)."""
    return all(a.get(m) == b.get(m) for m in ("kty", "crv", "x", "y"))


@pytest.mark.parametrize("alg", [None, "EdDSA"])
async def test_credo_stores_our_sd_jwt_vc_bound_to_its_key(
    issuer: httpx.AsyncClient, enrolled: Enrolled, tmp_path: Path, alg: str | None
) -> None:
    made = await offer(issuer, enrolled, "Zofia Mazur", tx_code=True)
    async with start_credo06(tmp_path) as holder:
        await holder.receive(made["invitation_url"], made["tx_code"], alg=alg)
        shown = await holder.until("offer")
        assert shown["display"][0]["name"] == "Szkoła nr 1"
        assert shown["display"][0]["logo"]["uri"] == LOGO
        stored = await holder.until("stored")
        await holder.until("done")
        assert stored["format"] == "dc+sd-jwt" and stored["vct"] == "urn:mcred:microcredential:1"
        claims = stored["claims"]
        assert claims["learner_name"] == "Zofia Mazur"
        assert claims["achievement"]["name"] == enrolled.template["definition"]["title"]["pl"]
        assert claims["awarding_body"]["name"] == "Szkoła Policealna nr 1"
        assert claims["iss"] == enrolled.institution["did"]
        payload = parse(stored["compact"].split("~")[0]).payload
        assert same_key(payload["cnf"]["jwk"], stored["holderJwk"]), "bound to the key it proved"
        if alg:
            assert stored["proofAlg"] == alg
        status_uri = payload["status"]["status_list"]["uri"]
        assert any(f["url"] == status_uri and f.get("status") == 200 for f in holder.fetches), (
            "Credo checked the token status list at receipt"
        )
        assert len(await holder.credentials()) == 1
    final = (await issuer.get(f"/v1/offers/{made['id']}", headers=enrolled.auth)).json()
    assert final["state"] == "issued"


async def test_credo_refuses_a_credential_whose_entry_is_revoked_on_chain(
    issuer: httpx.AsyncClient, enrolled: Enrolled, stack: Stack, tmp_path: Path
) -> None:
    first = await offer(issuer, enrolled, "Adam Nowicki")
    async with start_credo06(tmp_path) as holder:
        await holder.receive(first["invitation_url"])
        stored = await holder.until("stored")
        await holder.until("done")
        revoked = await issuer.post(
            f"/v1/credentials/{first['id']}/revoke", json={"reason": "fraud"}, headers=enrolled.auth
        )
        assert revoked.status_code == 202, revoked.text
        await until_anchored(issuer, enrolled.auth, first["id"], 1)
        # A credential pointing at that revoked entry (as after a database restored from a backup):
        # the second offer is given the first one's token status list entry.
        second = await offer(issuer, enrolled, "Adam Nowicki")
        entry = parse(stored["compact"].split("~")[0]).payload["status"]["status_list"]
        engine = create_async_engine(await stack.database_url("issuer"))
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    delete(StatusAllocation).where(StatusAllocation.offer_id == second["id"])
                )
                moved = await connection.execute(
                    update(StatusAllocation)
                    .where(StatusAllocation.offer_id == first["id"])
                    .values(offer_id=second["id"])
                )
                assert moved.rowcount == 1
        finally:
            await engine.dispose()
        await holder.receive(second["invitation_url"])
        refused = await holder.until("error", stage="credential")
        assert "Status is not valid" in refused["reason"], refused
        assert len(await holder.credentials()) == 1
        assert entry["uri"] in {f["url"] for f in holder.fetches}
