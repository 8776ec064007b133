"""Institutions and employers as tenants of their agent: each its own wallet, name and records; none can
reach another's, through our API or with the wrong token."""

from __future__ import annotations

import httpx

from agent.errors import AgentAuthError, AgentRejectedError, AgentServerError
from mcred.scenario import enrol, eventually, register_employer, scan, wallet_scans
from mcred.stack import Stack


async def offer(issuer: httpx.AsyncClient, enrolled, email: str) -> dict:
    response = await issuer.post(
        "/v1/offers",
        json={"template_id": enrolled.template["id"], "learner": {"email": email}, "award": {}},
        headers=enrolled.auth,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_two_institutions_on_one_agent_are_two_wallets(issuer: httpx.AsyncClient, stack: Stack) -> None:
    a = await enrol(issuer, stack.operator_key, "Uniwersytet Alfa")
    b = await enrol(issuer, stack.operator_key, "Akademia Beta")
    assert a.institution["agent_shard"] == b.institution["agent_shard"] == "main"
    offer_a, offer_b = await offer(issuer, a, "ala@example.pl"), await offer(issuer, b, "bartek@example.pl")

    # Each invitation is its own institution's: its name, and a DIDComm key of its own wallet.
    invitation_a, invitation_b = scan(offer_a["invitation_url"]), scan(offer_b["invitation_url"])
    assert (invitation_a["label"], invitation_b["label"]) == ("Uniwersytet Alfa", "Akademia Beta")
    assert invitation_a["services"] != invitation_b["services"]

    wallet_a = await stack.owner_agent("issuer", a.institution["id"])
    wallet_b = await stack.owner_agent("issuer", b.institution["id"])
    assert [d.did for d in await wallet_a.list_dids()] == [a.institution["did"]]
    assert [d.did for d in await wallet_b.list_dids()] == [b.institution["did"]]

    # The learner connects to A; only A's wallet holds that connection, and A's offer moves alone.
    await wallet_scans(stack, offer_a["invitation_url"])

    async def issued() -> str:
        return (await issuer.get(f"/v1/offers/{offer_a['id']}", headers=a.auth)).json()["state"]

    assert await eventually(issued, until=lambda s: s == "issued", what="A's credential") == "issued"
    held_a = await wallet_a.connections(invitation_msg_id=invitation_a["@id"])
    assert [c["state"] for c in held_a] == ["active"]
    assert await wallet_b.connections(invitation_msg_id=invitation_a["@id"]) == []
    assert await wallet_b.credential_exchanges() == []
    assert (await issuer.get(f"/v1/offers/{offer_b['id']}", headers=b.auth)).json()["state"] == "invited"

    # A token mix-up signs nothing: B's wallet has no key of A's DID, nor its chain account (ACA-Py's own
    # JWT route answers a DID it does not hold with a 500, our plugin's with a 400: refused either way).
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": a.institution["did"],
        "credentialSubject": {"id": b.institution["did"]},
    }
    for attempt in (
        wallet_b.sign_data_integrity(unsigned),
        wallet_b.chain_account(a.institution["did"]),
        wallet_b.sign_jwt(a.institution["did"], {"iss": a.institution["did"]}, typ="JWT"),
    ):
        try:
            await attempt
        except (AgentRejectedError, AgentServerError):
            continue
        else:
            raise AssertionError("B's wallet signed as A")

    # The agent's base wallet (its admin key, no tenant token) reads no one's keys or records.
    base = stack.agents.agents["issuer"].client
    for call in (base.list_dids(), base.connections(), base.credential_exchanges()):
        try:
            await call
        except AgentAuthError:
            continue
        raise AssertionError("the base wallet read a tenant's records")

    # Through our API, B neither sees nor touches A's offers or credentials.
    assert (await issuer.get(f"/v1/offers/{offer_a['id']}", headers=b.auth)).status_code == 404
    assert (await issuer.get(f"/v1/credentials/{offer_a['id']}", headers=b.auth)).status_code == 404
    revoke = await issuer.post(
        f"/v1/credentials/{offer_a['id']}/revoke", json={"reason": "x"}, headers=b.auth
    )
    assert revoke.status_code == 404, revoke.text
    listed = (await issuer.get("/v1/offers", headers=b.auth)).json()
    assert {o["id"] for o in listed} == {offer_b["id"]}


async def test_employers_are_tenants_of_the_verifier_agent(verifier: httpx.AsyncClient, stack: Stack) -> None:
    first = await register_employer(verifier, stack, "Firma Jeden")
    second = await register_employer(verifier, stack, "Firma Dwa")
    requests = [
        (await verifier.post("/v1/proof-requests", json={}, headers=auth)).json() for auth in (first, second)
    ]
    assert [scan(r["invitation_url"])["label"] for r in requests] == ["Firma Jeden", "Firma Dwa"]
    me = [(await verifier.get("/v1/employers/me", headers=auth)).json() for auth in (first, second)]
    wallets = [await stack.owner_agent("verifier", m["id"]) for m in me]
    await wallet_scans(stack, requests[0]["invitation_url"])

    async def connected() -> list[dict]:
        return await wallets[0].connections(invitation_msg_id=scan(requests[0]["invitation_url"])["@id"])

    await eventually(connected, until=lambda found: bool(found), what="the first employer's connection")
    held = await wallets[1].connections()
    assert {c.get("invitation_msg_id") for c in held} == {scan(requests[1]["invitation_url"])["@id"]}
    assert all(c["state"] == "invitation" for c in held)
    assert (await verifier.get(f"/v1/proof-requests/{requests[0]['id']}", headers=second)).status_code == 404


async def test_an_event_of_a_wallet_nobody_owns_is_taken_and_ignored(
    issuer: httpx.AsyncClient, stack: Stack
) -> None:
    """A tenant whose registration failed after it was made still sends events: taken (200), not a 500."""
    key = stack.agents.agents["issuer"].launch.admin_api_key
    headers = {"x-api-key": key, "x-wallet-id": "no-such-wallet"}
    answer = await issuer.post("/webhooks/topic/connections/", json={"state": "active"}, headers=headers)
    assert answer.status_code == 200, answer.text
