"""OpenID4VCI against the real stack (agents, anvil, controllers): a wallet takes an SD-JWT VC signed in the
institution's agent, bound to its own key, pointing at a token status list the chain anchors; revocation and
suspension reach that list; and every bad request gets the specs' error with nothing issued."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from common.jws import jwk_of_did_key, parse, verify
from mcred.anvil import ANVIL_DEPLOYER_KEY
from mcred.oid4vc_wallet import OAuthRefusal, Oid4vciWallet, Received, WalletKey, offer_of, well_known
from mcred.scenario import Enrolled, enrol, until_anchored
from mcred.stack import Stack
from revocation import status_registry as registry
from revocation.chain import ChainClient
from revocation.token_status_list import INVALID, SUSPENDED, VALID, TokenStatusBits

LOGO = "https://uczelnia.example/logo.png"
NAMES = {"revoke": "Piotr Wiśniewski", "suspend": "Maria Zielińska"}


@pytest.fixture(scope="module")
async def enrolled(issuer: httpx.AsyncClient, stack: Stack) -> Enrolled:
    enrolled = await enrol(issuer, stack.operator_key, "Akademia Otwarta")
    changed = await issuer.patch(
        "/v1/institutions/me", json={"display_name": "Akademia", "logo_url": LOGO}, headers=enrolled.auth
    )
    assert changed.status_code == 200, changed.text
    return enrolled


@pytest.fixture(scope="module")
async def wallet(issuer: httpx.AsyncClient) -> Oid4vciWallet:
    return Oid4vciWallet(issuer)


@pytest.fixture(scope="module")
async def chain(stack: Stack) -> AsyncIterator[ChainClient]:
    client = ChainClient(stack.components["chain"].url, ANVIL_DEPLOYER_KEY)
    yield client
    await client.aclose()


async def offer(issuer: httpx.AsyncClient, enrolled: Enrolled, name: str, **extra: Any) -> dict[str, Any]:
    body = {
        "template_id": enrolled.template["id"],
        "learner": {"email": f"{name.split()[0].lower()}@example.pl", "name": name},
        "award": {"grade": "4.5"},
        "protocol": "oid4vci",
        **extra,
    }
    response = await issuer.post("/v1/offers", json=body, headers=enrolled.auth)
    assert response.status_code == 201, response.text
    return response.json()


async def read_offer(issuer: httpx.AsyncClient, enrolled: Enrolled, offer_id: str) -> dict[str, Any]:
    return (await issuer.get(f"/v1/offers/{offer_id}", headers=enrolled.auth)).json()


async def token_status(issuer: httpx.AsyncClient, received: Received) -> tuple[int, dict[str, Any], str]:
    """The entry's status in the served list, after checking the list's signature as a wallet does."""
    entry = received.payload["status"]["status_list"]
    response = await issuer.get(entry["uri"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/statuslist+jwt"
    jws = parse(response.text)
    assert jws.header["typ"] == "statuslist+jwt"
    assert jws.header["kid"] == received.header["kid"], "signed with the credential's key"
    verify(jws, jwk_of_did_key(jws.header["kid"]))
    assert jws.payload["sub"] == entry["uri"]
    bits = TokenStatusBits.decode(jws.payload["status_list"]["lst"])
    return bits.status(entry["idx"]), jws.payload, entry["uri"]


async def test_metadata_names_the_institution_at_path_inserted_well_known_urls(
    issuer: httpx.AsyncClient, enrolled: Enrolled
) -> None:
    made = await offer(issuer, enrolled, "Ewa Nowak")
    assert made["invitation_url"].startswith("openid-credential-offer://?credential_offer_uri=")
    assert made["credential_offer_url"].startswith("openid-credential-offer://?credential_offer=")
    credential_offer = await Oid4vciWallet(issuer).resolve(made["invitation_url"])
    by_value = await Oid4vciWallet(issuer).resolve(made["credential_offer_url"])
    assert credential_offer == by_value
    issuer_id = credential_offer["credential_issuer"]
    metadata = (await issuer.get(well_known(issuer_id, "openid-credential-issuer"))).json()
    assert metadata["credential_issuer"] == issuer_id
    assert metadata["display"] == [{"name": "Akademia", "logo": {"uri": LOGO, "alt_text": "Akademia"}}]
    [configuration] = metadata["credential_configurations_supported"].values()
    assert configuration["format"] == "dc+sd-jwt"
    assert configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == [
        "EdDSA",
        "ES256",
    ]
    server = (await issuer.get(well_known(issuer_id, "oauth-authorization-server"))).json()
    assert server["issuer"] == issuer_id and server["pre-authorized_grant_anonymous_access_supported"]
    page = await issuer.get(made["page_url"])
    assert page.status_code == 200 and "openid-credential-offer://" in page.text
    elsewhere = await issuer.get(well_known(issuer_id + "x", "openid-credential-issuer"))
    assert elsewhere.status_code == 404


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
async def test_a_wallet_receives_the_microcredential_bound_to_its_key(
    issuer: httpx.AsyncClient, enrolled: Enrolled, wallet: Oid4vciWallet, alg: str
) -> None:
    made = await offer(issuer, enrolled, "Anna Kowalska")
    received = await wallet.receive(made["invitation_url"], alg=alg)
    claims = received.claims
    assert received.header["typ"] == "dc+sd-jwt" and received.header["alg"] == "EdDSA"
    assert claims["iss"] == enrolled.institution["did"]
    assert claims["vct"] == "urn:mcred:microcredential:1"
    assert claims["learner_name"] == "Anna Kowalska" and "learner_name" not in received.payload
    assert claims["result"] == "4.5"
    assert claims["jti"] == made["credential_id"]
    assert claims["achievement"]["name"] == enrolled.template["definition"]["title"]["pl"]
    assert claims["awarding_body"]["name"] == "Akademia Otwarta"
    assert claims["cnf"]["jwk"] == received.key.jwk
    final = await read_offer(issuer, enrolled, made["id"])
    assert final["state"] == "issued"
    assert [h["state"] for h in final["history"]] == ["invited", "connected", "issued"]
    status, _, _ = await token_status(issuer, received)
    assert status == VALID


async def test_revocation_and_suspension_reach_the_token_list_and_the_chain(
    issuer: httpx.AsyncClient, enrolled: Enrolled, wallet: Oid4vciWallet, chain: ChainClient, stack: Stack
) -> None:
    made = {action: await offer(issuer, enrolled, name) for action, name in NAMES.items()}
    revoked, suspended = [await wallet.receive(m["invitation_url"]) for m in made.values()]
    ids = {action: m["id"] for action, m in made.items()}
    for action, offer_id in ids.items():
        answer = await issuer.post(
            f"/v1/credentials/{offer_id}/{action}", json={"reason": "test"}, headers=enrolled.auth
        )
        assert answer.status_code == 202, answer.text
    for offer_id in ids.values():
        credential = await until_anchored(issuer, enrolled.auth, offer_id, 1)
        assert credential["status"]["changes"][0]["transaction"]
    assert (await token_status(issuer, revoked))[0] == INVALID
    status, served, uri = await token_status(issuer, suspended)
    assert status == SUSPENDED
    on_chain = await registry.read_list(chain, stack.contracts["StatusRegistry"], registry.list_id(uri))
    assert on_chain.state.purpose is registry.Purpose.TOKEN
    assert on_chain.bits.encode() == served["status_list"]["lst"], "the served bits are the chain's"
    lifted = await issuer.post(
        f"/v1/credentials/{ids['suspend']}/reinstate", json={"reason": "cleared"}, headers=enrolled.auth
    )
    assert lifted.status_code == 202, lifted.text
    await until_anchored(issuer, enrolled.auth, ids["suspend"], 2)
    assert (await token_status(issuer, suspended))[0] == VALID


async def test_a_code_is_redeemed_once_and_a_token_gives_one_credential_to_one_key(
    issuer: httpx.AsyncClient, enrolled: Enrolled, wallet: Oid4vciWallet
) -> None:
    made = await offer(issuer, enrolled, "Jan Lewandowski")
    credential_offer = await wallet.resolve(made["invitation_url"])
    metadata = await wallet.metadata(credential_offer["credential_issuer"])
    token = await wallet.token(credential_offer)
    with pytest.raises(OAuthRefusal) as replay:
        await wallet.token(credential_offer)
    assert (replay.value.status, replay.value.error) == (400, "invalid_grant")
    keys = [WalletKey(), WalletKey("ES256")]
    nonces = [await wallet.nonce(metadata) for _ in keys]
    results = await asyncio.gather(
        *(wallet.credential(metadata, token, k, nonce=n) for k, n in zip(keys, nonces, strict=True)),
        return_exceptions=True,
    )
    issued = [(k, r) for k, r in zip(keys, results, strict=True) if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, OAuthRefusal)]
    assert len(issued) == 1 and len(refused) == 1, results
    assert refused[0].error == "credential_request_denied"
    winner, first = issued[0]
    again = await wallet.credential(metadata, token, winner)
    assert again == first, "a repeated request (an answer lost) gets the same credential, not a second"
    with pytest.raises(OAuthRefusal) as other:
        await wallet.credential(metadata, token, WalletKey())
    assert other.value.error == "credential_request_denied"
    final = await read_offer(issuer, enrolled, made["id"])
    assert [h["state"] for h in final["history"]].count("issued") == 1
    reference, _ = offer_of(made["invitation_url"])
    assert (await issuer.get(reference or "")).status_code == 404, "a redeemed offer is not served again"


async def test_a_transaction_code_is_asked_and_wrong_ones_are_counted(
    issuer: httpx.AsyncClient, enrolled: Enrolled, wallet: Oid4vciWallet
) -> None:
    made = await offer(issuer, enrolled, "Ola Kamińska", tx_code=True)
    assert made["tx_code"] and len(made["tx_code"]) == 6
    credential_offer = await wallet.resolve(made["invitation_url"])
    grant = credential_offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert grant["tx_code"]["length"] == 6
    wrong = "000000" if made["tx_code"] != "000000" else "111111"
    for left in (4, 3):
        with pytest.raises(OAuthRefusal) as refused:
            await wallet.token(credential_offer, wrong)
        assert (
            refused.value.error == "invalid_grant"
            and f"{left} attempt" in refused.value.body["error_description"]
        )
    received = await wallet.receive(made["invitation_url"], tx_code=made["tx_code"])
    assert received.claims["learner_name"] == "Ola Kamińska"

    locked = await offer(issuer, enrolled, "Tomasz Wójcik", tx_code=True)
    locked_offer = await wallet.resolve(locked["invitation_url"])
    for _ in range(5):
        with pytest.raises(OAuthRefusal):
            await wallet.token(locked_offer, "abc")
    with pytest.raises(OAuthRefusal):
        await wallet.token(locked_offer, locked["tx_code"])
    final = await read_offer(issuer, enrolled, locked["id"])
    assert final["state"] == "failed" and "too many" in final["error"]


async def test_bad_proofs_get_the_specs_errors_and_nothing_is_issued(
    issuer: httpx.AsyncClient, enrolled: Enrolled, wallet: Oid4vciWallet
) -> None:
    made = await offer(issuer, enrolled, "Kasia Dąbrowska")
    credential_offer = await wallet.resolve(made["invitation_url"])
    metadata = await wallet.metadata(credential_offer["credential_issuer"])
    token = await wallet.token(credential_offer)
    audience, configuration = (
        metadata["credential_issuer"],
        next(iter(metadata["credential_configurations_supported"])),
    )
    key, other = WalletKey(), WalletKey("ES256")

    async def refused(body: Any, error: str, status: int = 400, bearer: str | None = token) -> dict:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        kwargs = {"content": body} if isinstance(body, bytes) else {"json": body}
        response = await issuer.post(metadata["credential_endpoint"], headers=headers, **kwargs)
        assert (response.status_code, response.json()["error"]) == (status, error), response.text
        return response.json()

    def body(proof: str, config: str = configuration) -> dict:
        return {"credential_configuration_id": config, "proofs": {"jwt": [proof]}}

    nonce = await wallet.nonce(metadata)
    await refused(body(key.proof(audience, nonce)), "invalid_token", 401, bearer="not-a-token")
    await refused(body(key.proof(audience, nonce)), "invalid_token", 401, bearer=None)
    await refused(body(key.proof(audience, nonce), "ob3_ldp_vc"), "unknown_credential_configuration")
    await refused({"credential_configuration_id": configuration}, "invalid_proof")
    await refused(body("not.a.jwt"), "invalid_proof")
    await refused(body(key.proof("https://elsewhere.example", nonce)), "invalid_proof")
    claims = {"aud": audience, "iat": int(time.time()), "nonce": nonce}
    forged = key.sign({"typ": "openid4vci-proof+jwt", "jwk": other.jwk}, claims)
    await refused(body(forged), "invalid_proof")
    await refused(body(key.sign({"jwk": key.jwk}, claims)), "invalid_proof")
    old = key.sign({"typ": "openid4vci-proof+jwt", "jwk": key.jwk}, {**claims, "iat": 1})
    await refused(body(old), "invalid_proof")
    stale = await refused(body(key.proof(audience, "never-issued")), "invalid_nonce")
    assert stale["c_nonce"], "a fresh nonce comes with the error"
    await refused(body(key.proof(audience, None)), "invalid_nonce")
    await refused(b"{not json", "invalid_credential_request")
    await refused(b"[1, 2]", "invalid_credential_request")
    assert (await read_offer(issuer, enrolled, made["id"]))["state"] == "connected", "nothing was issued"
    answer = await wallet.credential(metadata, token, key, nonce=stale["c_nonce"])
    with pytest.raises(OAuthRefusal) as reused:
        await wallet.credential(metadata, token, WalletKey(), nonce=stale["c_nonce"])
    assert reused.value.error in ("credential_request_denied", "invalid_nonce")
    assert answer["credentials"][0]["credential"].count("~") >= 2


@pytest.mark.parametrize(
    "form",
    [
        b"",
        b"grant_type=authorization_code&code=x",
        b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code",
        b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=nope",
        b"\xff\xfe",
        b"pre-authorized_code=%00",
    ],
)
async def test_garbage_at_the_token_endpoint_is_a_400(
    issuer: httpx.AsyncClient, enrolled: Enrolled, form: bytes
) -> None:
    response = await issuer.post(
        f"/oid4vci/{enrolled.institution['id']}/token",
        content=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] in ("invalid_request", "unsupported_grant_type", "invalid_grant")
