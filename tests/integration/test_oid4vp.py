"""OpenID4VP against the real stack: an employer's request (signed by its DID, DCQL, direct_post) answered
with our SD-JWT VC gets the same report as a DIDComm answer; each tampered or misdirected presentation fails
its named check; a response that comes twice, late or for another request is refused; and a compact SD-JWT
posted to /v1/verifications is verified by the same pipeline."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from mcred.oid4vc_wallet import Oid4vciWallet, Received, answer, present, resolve_request
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

SD_JWT_CHECKS = {
    "credential.structure", "proof.signature", "sd.disclosures", "holder.binding", "presentation.challenge",
    "presentation.domain", "presentation.freshness", "validity.window", "status.revocation",
    "status.suspension", "status.list_consistency", "issuer.accreditation", "schema.ob3",
    "microcredential.eu_elements", "request.criteria", "stack.parts_recorded", "stack.parts_valid",
}  # fmt: skip


@pytest.fixture(scope="module")
async def institution(issuer: httpx.AsyncClient, stack: Stack) -> Enrolled:
    return await accredited(issuer, stack, "Wyższa Szkoła Otwarta")


@pytest.fixture(scope="module")
async def employer(verifier: httpx.AsyncClient, stack: Stack) -> dict[str, str]:
    return await register_employer(verifier, stack, "Rekruter OpenID")


async def holding(issuer: httpx.AsyncClient, institution: Enrolled, name: str) -> tuple[Received, str]:
    body = {"template_id": institution.template["id"], "learner": {"name": name}, "protocol": "oid4vci"}
    made = (await issuer.post("/v1/offers", json=body, headers=institution.auth)).json()
    return await Oid4vciWallet(issuer).receive(made["invitation_url"]), made["id"]


async def ask(verifier: httpx.AsyncClient, employer: dict[str, str], **criteria: Any) -> dict[str, Any]:
    body = {"criteria": criteria, "protocol": "oid4vp", "purpose": "Rekrutacja"}
    response = await verifier.post("/v1/proof-requests", json=body, headers=employer)
    assert response.status_code == 201, response.text
    return response.json()


async def final(verifier: httpx.AsyncClient, employer: dict[str, str], request_id: str) -> dict[str, Any]:
    async def current() -> dict[str, Any]:
        return (await verifier.get(f"/v1/proof-requests/{request_id}", headers=employer)).json()

    return await eventually(current, until=lambda r: r["state"] in FINAL_REQUEST, what="a final report")


async def answered(
    verifier: httpx.AsyncClient, employer: dict[str, str], received: Received, **kwargs: Any
) -> dict[str, Any]:
    """Ask, read the signed request as a wallet does, present for it, and return the final request."""
    asked = await ask(verifier, employer, **kwargs)
    request = await resolve_request(verifier, asked["invitation_url"])
    presentation = present(received, request.payload["nonce"], request.client_id)
    response = await answer(verifier, request, [presentation])
    assert response.status_code == 200, response.text
    return await final(verifier, employer, asked["id"])


async def test_a_presented_sd_jwt_vc_is_verified_with_every_check_named(
    issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, institution: Enrolled, employer: dict[str, str]
) -> None:
    received, _ = await holding(issuer, institution, "Marta Kaczmarek")
    asked = await ask(
        verifier, employer, achievement_id=institution.template["achievement_id"], min_eqf_level=4
    )
    assert asked["invitation_url"].startswith(
        "openid4vp://?client_id=decentralized_identifier%3Adid%3Akey%3A"
    )
    page = await verifier.get(asked["page_url"])
    assert "openid4vp://" in page.text
    request = await resolve_request(verifier, asked["invitation_url"])
    payload = request.payload
    again = await verifier.get(asked["page_url"])
    assert "openid4vp://" in again.text, "read but not answered: the candidate can scan again"
    assert (payload["response_mode"], payload["response_type"]) == ("direct_post", "vp_token")
    assert payload["client_metadata"]["client_name"] == "Rekruter OpenID"
    query = payload["dcql_query"]["credentials"][0]
    assert query["format"] == "dc+sd-jwt" and query["meta"]["vct_values"] == ["urn:mcred:microcredential:1"]
    response = await answer(verifier, request, [present(received, payload["nonce"], request.client_id)])
    assert response.status_code == 200, response.text
    done = await final(verifier, employer, asked["id"])
    assert done["state"] == "verified", failures(done)
    checks = outcome(done)
    assert set(checks) == SD_JWT_CHECKS
    assert {k for k, v in checks.items() if v == "failed"} == set()
    passed = {k for k, v in checks.items() if v == "passed"}
    assert {"proof.signature", "sd.disclosures", "holder.binding", "presentation.challenge",
            "presentation.domain", "status.revocation", "status.suspension", "issuer.accreditation",
            "microcredential.eu_elements", "request.criteria"} <= passed  # fmt: skip
    assert done["presentation"]["vp_token"]["microcredential"][0].count("~") >= 2
    assert [h["state"] for h in done["history"]][:2] == ["invited", "requested"]
    assert "openid4vp://" not in (await verifier.get(asked["page_url"])).text
    twice = await answer(verifier, request, [present(received, payload["nonce"], request.client_id)])
    assert twice.status_code == 400 and twice.json()["error"] == "invalid_request"


async def test_after_revocation_the_revocation_check_fails(
    issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, institution: Enrolled, employer: dict[str, str]
) -> None:
    received, offer_id = await holding(issuer, institution, "Paweł Zając")
    revoked = await issuer.post(
        f"/v1/credentials/{offer_id}/revoke", json={"reason": "plagiarism"}, headers=institution.auth
    )
    assert revoked.status_code == 202, revoked.text
    await until_anchored(issuer, institution.auth, offer_id, 1)
    done = await answered(verifier, employer, received)
    assert done["state"] == "rejected"
    assert set(failures(done)) == {"status.revocation"}, failures(done)


def forged_disclosure(presentation: str) -> str:
    """A disclosure the issuer never signed, slipped in before the key binding JWT."""
    fake = base64.urlsafe_b64encode(json.dumps(["salt", "result", "6.0"]).encode()).decode().rstrip("=")
    head, kb = presentation.rsplit("~", 1)
    return f"{head}~{fake}~{kb}"


def tampered_issuer_jwt(received: Received) -> Received:
    """The issuer's JWT with its payload changed and its signature kept."""
    header, payload, signature = received.compact.split("~")[0].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["achievement"]["name"] = "Doktorat z fizyki"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    rest = received.compact.split("~", 1)[1]
    return Received(f"{header}.{forged}.{signature}~{rest}", received.payload, received.claims, received.key)


async def test_each_bad_presentation_fails_its_named_check(
    issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, institution: Enrolled, employer: dict[str, str]
) -> None:
    received, _ = await holding(issuer, institution, "Lena Szymańska")

    def good(r) -> str:
        return present(received, r.payload["nonce"], r.client_id)

    cases = {
        "presentation.challenge": lambda r: present(received, "another-nonce", r.client_id),
        "presentation.domain": lambda r: present(received, r.payload["nonce"], "decentralized_identifier:x"),
        "holder.binding": lambda r: good(r).rsplit("~", 1)[0] + "~",
        "sd.disclosures": lambda r: forged_disclosure(good(r)),
        "proof.signature": lambda r: present(tampered_issuer_jwt(received), r.payload["nonce"], r.client_id),
    }
    for check, make in cases.items():
        asked = await ask(verifier, employer)
        request = await resolve_request(verifier, asked["invitation_url"])
        response = await answer(verifier, request, [make(request)])
        assert response.status_code == 200, response.text
        done = await final(verifier, employer, asked["id"])
        assert done["state"] == "rejected", (check, done["state"])
        assert check in failures(done), (check, failures(done))

    # A presentation made for one request, replayed into another: the nonce is the first one's.
    first = await ask(verifier, employer)
    first_request = await resolve_request(verifier, first["invitation_url"])
    made_for_first = present(received, first_request.payload["nonce"], first_request.client_id)
    second = await ask(verifier, employer)
    second_request = await resolve_request(verifier, second["invitation_url"])
    assert (await answer(verifier, second_request, [made_for_first])).status_code == 200
    assert set(failures(await final(verifier, employer, second["id"]))) == {"presentation.challenge"}

    # Sent to the first request's response URI with the second's state: refused, nothing stored.
    crossed = await verifier.post(
        first_request.payload["response_uri"], data={"vp_token": made_for_first, "state": second["id"]}
    )
    assert crossed.status_code == 400


@pytest.mark.parametrize(
    "form",
    [
        b"",
        b"vp_token=",
        b"vp_token=%7B%7D",
        b"vp_token=%5B1%5D",
        b"\xff",
        b"vp_token=%00",
        b"state=x&vp_token=a",
    ],
)
async def test_garbage_responses_are_a_400(
    verifier: httpx.AsyncClient, employer: dict[str, str], form: bytes
) -> None:
    asked = await ask(verifier, employer)
    response = await verifier.post(
        f"/oid4vp/responses/{asked['id']}",
        content=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    unknown = await verifier.get("/oid4vp/requests/no-such-request")
    assert unknown.status_code == 404


async def test_a_compact_sd_jwt_posted_to_verifications_gets_the_same_report(
    issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, institution: Enrolled
) -> None:
    received, _ = await holding(issuer, institution, "Igor Wróbel")
    compact = present(received, "any", "https://someone.example")
    response = await verifier.post(
        "/v1/verifications", content=compact, headers={"Content-Type": "application/dc+sd-jwt"}
    )
    assert response.status_code == 201, response.text
    report = response.json()["report"]
    assert report["verified"], report
    checks = {c["id"]: c["status"] for c in report["credentials"][0]["checks"]}
    assert checks["presentation.challenge"] == "skipped" and checks["holder.binding"] == "passed"
    assert report["credentials"][0]["profile"] == "sd-jwt"
    bare = await verifier.post("/v1/verifications", content=received.compact)
    assert set(failures(bare.json())) == {"holder.binding"}
