"""A deployment from before tenancy — every institution's and employer's DID in its agent's one wallet —
restarted with multitenant agents: ``python -m issuer_controller.tenants`` (and the verifier's) moves each
into a tenant wallet of its own, keeping its DID, keys and chain account, so what it issued stays valid and
it keeps issuing, revoking and signing; one with DIDComm exchanges still open is left, saying why; a second
run changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from mcred.oid4vc_wallet import resolve_request
from mcred.scenario import accredited_holding, enrol, issue_to_learner, register_employer, until_anchored
from mcred.stack import Stack
from tests.support import stacks


async def migrate(stack: Stack, controller: str) -> dict:
    return json.loads(await stack.controller_command(controller, f"{controller}_controller.tenants"))


async def test_institutions_and_employers_from_before_tenancy_move_into_wallets_of_their_own(
    tmp_path: Path,
) -> None:
    async with stacks.own_stack(tmp_path, tenancy=False) as stack:
        async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=60) as issuer:
            settled, offer = await accredited_holding(issuer, stack, "Uczelnia Sprzed Najemców")
            waiting = await enrol(issuer, stack.operator_key, "Szkoła z Otwartą Ofertą")
            body = {"template_id": waiting.template["id"], "learner": {"email": "w@example.pl"}, "award": {}}
            assert (await issuer.post("/v1/offers", json=body, headers=waiting.auth)).status_code == 201
        async with httpx.AsyncClient(base_url=stack.components["verifier"].url, timeout=60) as verifier:
            employer = await register_employer(verifier, stack, "Firma Sprzed Najemców")
            asked = {"criteria": {}, "protocol": "oid4vp"}
            made = (await verifier.post("/v1/proof-requests", json=asked, headers=employer)).json()
            employer_did = (await resolve_request(verifier, made["invitation_url"])).client_id.split(":", 1)[
                1
            ]

        await stack.down()
        stack.settings.tenancy = True
        await stack.up()

        moved = await migrate(stack, "issuer")
        assert moved["tenants_made"] == [settled.institution["id"]]
        assert moved["dids_moved"] == [settled.institution["did"]]
        assert moved["left"] == {
            waiting.institution[
                "id"
            ]: "1 DIDComm offers and 0 claims still open: run again once they have ended"
        }
        assert await migrate(stack, "issuer") == {**moved, "tenants_made": [], "dids_moved": []}
        employers = await migrate(stack, "verifier")
        assert employers["dids_moved"] == [employer_did] and len(employers["tenants_made"]) == 1

        wallet = await stack.owner_agent("issuer", settled.institution["id"])
        assert [d.did for d in await wallet.list_dids()] == [settled.institution["did"]]
        async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=60) as issuer:
            # Its chain account came along: revoking what it issued before still anchors.
            revoke = await issuer.post(
                f"/v1/credentials/{offer['id']}/revoke", json={"reason": "moved"}, headers=settled.auth
            )
            assert revoke.status_code == 202, revoke.text
            await until_anchored(issuer, settled.auth, offer["id"], 1)
            # It issues from its own wallet now, under the same DID.
            learner = {"email": "po@example.pl", "name": "Ewa Nowak"}
            after = await issue_to_learner(issuer, settled.auth, settled.template["id"], stack, learner)
            assert after["state"] == "issued", after
            download = await issuer.get(f"/v1/credentials/{after['id']}/download", headers=settled.auth)
            assert download.json()["issuer"]["id"] == settled.institution["did"]
            assert len([x for x in await wallet.credential_exchanges() if x["state"] == "done"]) == 1
        async with httpx.AsyncClient(base_url=stack.components["verifier"].url, timeout=60) as verifier:
            made = (await verifier.post("/v1/proof-requests", json=asked, headers=employer)).json()
            request = await resolve_request(verifier, made["invitation_url"])
            assert request.client_id == f"decentralized_identifier:{employer_did}"
