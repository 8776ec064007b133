"""The issuer controller, its agent and the learner's wallet stand-in: real processes, HTTP and DIDComm."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from agent.contexts import MCRED_CONTEXT_URL, bundle
from agent.dataintegrity import canonicalizer, eddsa_rdfc_2022
from common.baking import unbake_png
from common.microcredential import missing_eu_elements, ob3_schema_errors
from mcred.anvil import ANVIL_DEPLOYER_KEY
from mcred.samples import template_body
from mcred.scenario import Enrolled, enrol, eventually, issue_to_learner, scan
from mcred.stack import Stack
from revocation.chain import ChainClient


@pytest.fixture(scope="module")
async def enrolled(issuer: httpx.AsyncClient, stack: Stack) -> Enrolled:
    return await enrol(issuer, stack.operator_key)


@pytest.fixture(scope="module")
def auth(enrolled: Enrolled) -> dict[str, str]:
    return enrolled.auth


@pytest.fixture(scope="module")
def template(enrolled: Enrolled) -> dict[str, Any]:
    return enrolled.template


@pytest.fixture(scope="module")
async def issued(
    issuer: httpx.AsyncClient, auth: dict[str, str], template: dict[str, Any], stack: Stack
) -> dict[str, Any]:
    """A learner scans the offer's invitation with the wallet stand-in and ends up holding the credential."""
    learner = {"email": "Anna.Nowak@example.pl", "name": "Anna Nowak", "ref": "s1001"}
    return await issue_to_learner(issuer, auth, template["id"], stack, learner)


async def test_offer_ends_issued_and_the_wallet_holds_what_was_recorded(
    issued: dict[str, Any], issuer: httpx.AsyncClient, auth: dict[str, str], stack: Stack
) -> None:
    assert issued["state"] == "issued", issued
    assert [h["state"] for h in issued["history"]] == ["invited", "connected", "offered", "issued"]
    assert issued["holder_did"].startswith("did:key:z6Mk")

    recorded = (
        await issuer.get(f"/v1/credentials/{issued['id']}/download?profile=wallet", headers=auth)
    ).json()
    learner = stack.agents.agents["learner"].client
    held = [
        c["cred_value"] for c in await learner.w3c_credentials() if c["cred_value"]["id"] == recorded["id"]
    ]
    assert held == [recorded]
    assert recorded["credentialSubject"]["id"] == issued["holder_did"]
    assert recorded["proof"]["type"] == "Ed25519Signature2018"
    assert recorded["proof"]["proofPurpose"] == "assertionMethod"
    assert "credentialStatus" not in recorded
    assert {e["statusPurpose"] for e in recorded["statusEntries"]} == {"revocation", "suspension"}
    assert missing_eu_elements(recorded) == []


async def test_standard_profile_validates_and_verifies(
    issued: dict[str, Any], issuer: httpx.AsyncClient, auth: dict[str, str], stack: Stack
) -> None:
    base = f"/v1/credentials/{issued['id']}/download"
    standard = (await issuer.get(base, headers=auth)).json()
    wallet = (await issuer.get(f"{base}?profile=wallet", headers=auth)).json()
    assert ob3_schema_errors(standard) == []
    assert standard["id"] == wallet["id"] == issued["credential_id"]
    assert standard["credentialStatus"] == wallet["statusEntries"]  # both entries, where verifiers look
    assert [e["statusPurpose"] for e in standard["credentialStatus"]] == ["revocation", "suspension"]
    assert "statusEntries" not in standard
    proof = standard["proof"][0]
    assert (proof["type"], proof["cryptosuite"]) == ("DataIntegrityProof", "eddsa-rdfc-2022")
    assert eddsa_rdfc_2022.verify(canonicalizer(), standard, proof).controller == standard["issuer"]["id"]
    assert missing_eu_elements(standard) == []
    identifier = standard["credentialSubject"]["identifier"][0]
    assert identifier["hashed"] is True and identifier["identityHash"].startswith("sha256$")
    assert "Anna" not in str(standard)  # the learner's email and name never enter the credential

    png = await issuer.get(f"{base}?format=png", headers=auth)
    assert png.headers["content-type"] == "image/png"
    assert unbake_png(png.content) == standard


async def test_credentials_list_and_history(
    issued: dict[str, Any], issuer: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    listed = (await issuer.get("/v1/credentials", headers=auth)).json()
    assert issued["id"] in [c["id"] for c in listed]
    detail = (await issuer.get(f"/v1/credentials/{issued['id']}", headers=auth)).json()
    stamps = [h["at"] for h in detail["history"]]
    assert stamps == sorted(stamps)


async def test_template_missing_mandatory_elements_names_each(
    issuer: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    body = template_body()
    for field in ("ects", "eqf_level", "assessment_type", "participation_form", "quality_assurance"):
        del body[field]
    body["learning_outcomes"] = []
    response = await issuer.post("/v1/templates", json=body, headers=auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "ects", "eqf_level", "assessment_type", "participation_form", "quality_assurance",
        "learning_outcomes",
    }  # fmt: skip


async def test_bad_requests_are_problems_and_change_nothing(
    issuer: httpx.AsyncClient, auth: dict[str, str], template: dict[str, Any]
) -> None:
    before = len((await issuer.get("/v1/templates", headers=auth)).json())

    wrong_key = await issuer.get("/v1/templates", headers={"X-API-Key": "mci_wrong"})
    assert wrong_key.status_code == 401
    assert wrong_key.headers["content-type"] == "application/problem+json"

    unknown = await issuer.post("/v1/offers", json={"template_id": "nope"}, headers=auth)
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]

    no_operator = await issuer.post(
        "/v1/institutions", json={"name": "X", "country_code": "PL"}, headers=auth
    )
    assert no_operator.status_code == 401

    empty_title = await issuer.post("/v1/templates", json=template_body(title={"pl": ""}), headers=auth)
    assert empty_title.status_code == 422
    assert empty_title.json()["errors"][0]["field"] == "title"

    assert len((await issuer.get("/v1/templates", headers=auth)).json()) == before


async def test_retired_template_offers_nothing(issuer: httpx.AsyncClient, auth: dict[str, str]) -> None:
    created = (await issuer.post("/v1/templates", json=template_body(), headers=auth)).json()
    retired = await issuer.post(f"/v1/templates/{created['id']}/retire", headers=auth)
    assert retired.json()["status"] == "retired"
    refused = await issuer.post("/v1/offers", json={"template_id": created["id"]}, headers=auth)
    assert refused.status_code == 409
    assert "retired" in refused.json()["detail"]


async def test_invitations_carry_the_name_and_logo_wallets_show(
    issuer: httpx.AsyncClient, stack: Stack
) -> None:
    enrolled = await enrol(issuer, stack.operator_key, "Uniwersytet Jagielloński w Krakowie")
    offer = await issuer.post(
        "/v1/offers", json={"template_id": enrolled.template["id"]}, headers=enrolled.auth
    )
    invitation = scan(offer.json()["invitation_url"])
    assert invitation["label"] == "Uniwersytet Jagielloński w Krakowie" and "imageUrl" not in invitation

    refused = await issuer.patch("/v1/institutions/me", json={"logo_url": "http://uj.example/logo.png"},
                                 headers=enrolled.auth)  # fmt: skip
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "logo_url", refused.text
    logo = "https://uj.example/logo.png"
    changed = await issuer.patch("/v1/institutions/me", json={"display_name": "UJ", "logo_url": logo},
                                 headers=enrolled.auth)  # fmt: skip
    assert changed.status_code == 200 and changed.json()["name"] == "Uniwersytet Jagielloński w Krakowie"
    offer = await issuer.post(
        "/v1/offers", json={"template_id": enrolled.template["id"]}, headers=enrolled.auth
    )
    invitation = scan(offer.json()["invitation_url"])
    assert (invitation["label"], invitation["imageUrl"]) == ("UJ", logo)
    cleared = await issuer.patch("/v1/institutions/me", json={"display_name": None}, headers=enrolled.auth)
    assert (cleared.json()["display_name"], cleared.json()["logo_url"]) == (None, logo)


async def test_offer_page_shows_qr_and_deep_link(
    issuer: httpx.AsyncClient, auth: dict[str, str], template: dict[str, Any]
) -> None:
    offer = (await issuer.post("/v1/offers", json={"template_id": template["id"]}, headers=auth)).json()
    page = await issuer.get(f"/offers/{offer['id']}")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert 'href="didcomm://invite?oob=' in page.text
    assert "Analiza danych w Pythonie" in page.text
    png = await issuer.get(f"/offers/{offer['id']}/qr.png")
    assert png.content.startswith(b"\x89PNG")


async def test_context_is_published_verbatim(issuer: httpx.AsyncClient) -> None:
    response = await issuer.get("/contexts/mcred/v1")
    assert response.content == bundle().raw(MCRED_CONTEXT_URL)
    assert response.headers["content-type"].startswith("application/ld+json")


async def test_the_wallet_can_prove_the_bound_did_in_a_presentation(
    issued: dict[str, Any], stack: Stack
) -> None:
    """Holder binding works end to end: the did:key of the connection key signs the presentation."""
    verifier = await stack.own_wallet("verifier", "a verifier")
    learner = stack.agents.agents["learner"].client
    invitation = await verifier.create_invitation(alias="learner")
    oob = await learner.receive_invitation(invitation.message)

    async def verifier_side() -> str | None:
        found = await verifier.connections(invitation_msg_id=invitation.invitation_msg_id)
        return next((c["connection_id"] for c in found if c["state"] == "active"), None)

    connection_id = await eventually(verifier_side, what="verifier connection")
    assert oob["connection_id"]
    subject_field = str(uuid.uuid4())  # is_holder needs a UUID4 field id
    request = await verifier.request_presentation(
        connection_id,
        {
            "id": str(uuid.uuid4()),
            "input_descriptors": [
                {
                    "id": "microcredential",
                    "schema": [
                        {"uri": "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"}
                    ],
                    "constraints": {
                        "is_holder": [{"directive": "required", "field_id": [subject_field]}],
                        "fields": [
                            {"id": subject_field, "path": ["$.credentialSubject.id"]},
                            {
                                "path": ["$.id"],
                                "filter": {"type": "string", "const": issued["credential_id"]},
                            },
                        ],
                    },
                }
            ],
        },
        challenge=str(uuid.uuid4()),
        domain="employer.example",
    )

    async def finished() -> dict | None:
        record = await verifier.presentation_exchange(request["pres_ex_id"])
        return record if record["state"] in ("done", "abandoned") else None

    record = await eventually(finished, what="presentation")
    assert record["state"] == "done" and record["verified"] == "true", record.get("error_msg")
    presentation = record["by_format"]["pres"]["dif"]
    assert presentation["proof"]["verificationMethod"].startswith(issued["holder_did"] + "#")


async def test_the_local_chain_has_the_registries(stack: Stack) -> None:
    client = ChainClient(stack.components["chain"].url, ANVIL_DEPLOYER_KEY)
    try:
        for name in ("StatusRegistry", "IssuerRegistry"):
            assert await client.w3.eth.get_code(stack.contracts[name]), name
    finally:
        await client.aclose()
