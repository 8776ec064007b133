"""Verifying what someone sent (POST /v1/verifications): genuine credentials and presentations pass; each
tampered one is caught by the right check with a clear reason; bad bodies are problems; nothing crashes."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from common.microcredential import ob3_document
from mcred.scenario import accredited_holding, ask_and_answer, eventually, register_employer
from mcred.stack import Stack
from tests.support.browser import Page, chromium


@pytest.fixture(scope="module")
async def material(issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, stack: Stack) -> dict[str, Any]:
    """A genuine standard credential (download), the wallet's copy, and a presentation the wallet made for a
    proof request (with that request's challenge)."""
    enrolled, offer = await accredited_holding(issuer, stack, "Politechnika Plików")
    standard = (await issuer.get(f"/v1/credentials/{offer['id']}/download", headers=enrolled.auth)).json()
    png = (
        await issuer.get(f"/v1/credentials/{offer['id']}/download?format=png", headers=enrolled.auth)
    ).content
    employer = await register_employer(verifier, stack, "Firma Plików")
    answered = await ask_and_answer(
        verifier, employer, stack, {"achievement_id": enrolled.template["achievement_id"]}
    )
    assert answered["state"] == "verified"
    return {
        "standard": standard,
        "png": png,
        "presentation": answered["presentation"],
        "challenge": answered["challenge"],
        "did": enrolled.institution["did"],
        "institution": enrolled.institution["id"],
        "employer": employer,
    }


async def verify(verifier: httpx.AsyncClient, body: bytes | dict, **params: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await verifier.post("/v1/verifications", content=content, params=params)


def checks_of(response: httpx.Response) -> dict[str, dict[str, Any]]:
    assert response.status_code == 201, response.text
    return {c["id"]: c for c in response.json()["report"]["credentials"][0]["checks"]}


async def resigned(
    stack: Stack, material: dict[str, Any], credential: dict[str, Any], **changes: Any
) -> dict[str, Any]:
    """The issuer's own agent signs a changed copy: a genuine signature over the wrong dates."""
    unsigned = {k: v for k, v in credential.items() if k != "proof"} | changes
    institution = await stack.owner_agent("issuer", material["institution"])
    return ob3_document(await institution.sign_data_integrity(unsigned))


async def test_genuine_credential_badge_and_presentation_pass(
    verifier: httpx.AsyncClient, material: dict
) -> None:
    for body in (material["standard"], material["png"]):
        response = await verify(verifier, body)
        checks = checks_of(response)
        assert response.json()["verified"] is True, {
            k: v for k, v in checks.items() if v["status"] == "failed"
        }
        assert checks["proof.signature"]["facts"]["suite"] == "eddsa-rdfc-2022"
        assert checks["schema.ob3"]["status"] == "passed"
        assert checks["holder.binding"]["status"] == "skipped"
        assert {checks[c]["status"] for c in ("status.revocation", "status.suspension")} == {"passed"}
    response = await verify(verifier, material["presentation"], challenge=material["challenge"])
    assert response.json()["verified"] is True, response.json()
    assert response.json()["kind"] == "presentation"


def edit(path: list[str], value: Any) -> Callable[[dict], dict]:
    def change(document: dict) -> dict:
        changed = copy.deepcopy(document)
        target = changed
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return changed

    return change


OTHER_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
TAMPERED = [
    ("changed subject name", edit(["credentialSubject", "name"], "Someone Else"), "proof.signature"),
    ("swapped issuer", edit(["issuer", "id"], OTHER_DID), "proof.signature"),
    ("altered achievement", edit(["credentialSubject", "achievement", "name"], "Surgery"), "proof.signature"),
    ("stripped proof", lambda d: {k: v for k, v in d.items() if k != "proof"}, "credential.structure"),
    ("unknown context", lambda d: {**d, "@context": [*d["@context"], "https://example.com/unknown/v1"]},
     "proof.signature"),
    ("changed proofValue", edit(["proof", 0, "proofValue"], "z" + "1" * 86), "proof.signature"),
    ("wrong cryptosuite", edit(["proof", 0, "cryptosuite"], "eddsa-jcs-2022"), "proof.signature"),
    ("wrong verificationMethod", edit(["proof", 0, "verificationMethod"], f"{OTHER_DID}#{OTHER_DID[8:]}"),
     "proof.signature"),
    ("undefined term", edit(["credentialSubject", "achievement", "secretGrade"], "A+"), "proof.signature"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "tamper", "caught_by"), TAMPERED, ids=[t[0] for t in TAMPERED])
async def test_a_tampered_credential_is_caught(
    verifier: httpx.AsyncClient, material: dict, case: str, tamper, caught_by: str
) -> None:
    response = await verify(verifier, tamper(material["standard"]))
    checks = checks_of(response)
    assert response.json()["verified"] is False
    failed = [i for i, c in checks.items() if c["status"] == "failed"]
    assert failed[0] == caught_by, (case, failed)
    problem = checks[caught_by]["problem"]
    assert problem["type"].endswith(f"/{caught_by}") and problem["detail"]
    if case == "unknown context":
        assert "https://example.com/unknown/v1" in problem["detail"]


async def test_expired_and_not_yet_valid_fail_the_validity_window(
    verifier: httpx.AsyncClient, material: dict, stack: Stack
) -> None:
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    future = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for changes, says in (({"validUntil": past}, "Expired"), ({"validFrom": future}, "Not yet valid")):
        response = await verify(verifier, await resigned(stack, material, material["standard"], **changes))
        checks = checks_of(response)
        assert checks["proof.signature"]["status"] == "passed"
        assert checks["validity.window"]["status"] == "failed"
        assert checks["validity.window"]["problem"]["title"] == says


async def test_wrong_challenge_and_replayed_presentation_fail_the_challenge(
    verifier: httpx.AsyncClient, material: dict, stack: Stack
) -> None:
    # Replayed: the presentation made for one request, handed in as the answer to another request.
    employer = material["employer"]
    other = (await verifier.post("/v1/proof-requests", json={}, headers=employer)).json()
    for challenge in ("not-the-challenge", other["challenge"]):
        response = await verify(verifier, material["presentation"], challenge=challenge)
        checks = checks_of(response)
        assert checks["presentation.challenge"]["status"] == "failed", checks["presentation.challenge"]
        assert response.json()["verified"] is False
    # A presentation whose proof was made for someone else's key: the holder binding catches it.
    forged = copy.deepcopy(material["presentation"])
    proofs = forged["proof"] if isinstance(forged["proof"], list) else [forged["proof"]]
    proofs[0]["verificationMethod"] = material["did"] + "#" + material["did"].split(":")[-1]
    checks = checks_of(await verify(verifier, forged, challenge=material["challenge"]))
    assert checks["proof.signature"]["status"] == "failed" or checks["holder.binding"]["status"] == "failed"


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"{not json", 400, "neither JSON nor a PNG"),
        (b"[1, 2, 3]", 400, "not an object"),
        (b"", 400, "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, 400, "PNG"),
        (b"{" + b" " * (10 * 2**20) + b"}", 413, "limit"),
    ],
    ids=["garbage", "array", "empty", "png-without-badge", "10MB"],
)
async def test_bad_bodies_are_problems_not_crashes(
    verifier: httpx.AsyncClient, body: bytes, status: int, says: str
):
    response = await verify(verifier, body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert says in response.json()["detail"]


async def test_an_employer_keeps_what_it_verified(verifier: httpx.AsyncClient, material: dict) -> None:
    employer = material["employer"]
    created = await verifier.post("/v1/verifications", json=material["standard"], headers=employer)
    assert created.status_code == 201
    again = await verifier.get(f"/v1/verifications/{created.json()['id']}", headers=employer)
    assert again.json()["report"] == created.json()["report"]
    assert (await verifier.get(f"/v1/verifications/{created.json()['id']}")).status_code == 401


async def test_a_credential_that_is_not_a_microcredential_says_what_is_missing(
    verifier: httpx.AsyncClient, material: dict, stack: Stack
) -> None:
    bare = copy.deepcopy(material["standard"])
    achievement = bare["credentialSubject"]["achievement"]
    for name in ("assessmentType", "participationForm", "qualityAssurance"):
        achievement.pop(name, None)
    checks = checks_of(await verify(verifier, await resigned(stack, material, bare)))
    assert checks["microcredential.eu_elements"]["status"] == "failed"
    assert "type of assessment" in checks["microcredential.eu_elements"]["problem"]["detail"]


async def shown(page: Page) -> dict[str, Any]:
    """What the page shows once it has an answer: the verdict, each check's mark, the EU elements."""
    await eventually(
        lambda: page.evaluate("!!document.querySelector('#result[data-done], #problem')"),
        what="the page's answer",
    )
    return await page.evaluate("""({
        verdict: document.querySelector('#verdict')?.textContent,
        problem: document.querySelector('#problem')?.textContent,
        checks: Object.fromEntries([...document.querySelectorAll('li[data-check]')].map(
            li => [li.dataset.check, li.dataset.status + ' ' + li.querySelector('.mark').textContent])),
        elements: Object.fromEntries([...document.querySelectorAll('dd[data-element]')].map(
            dd => [dd.dataset.element, dd.textContent])),
    })""")


async def test_the_verify_page_in_a_real_browser(
    verifier: httpx.AsyncClient, material: dict, tmp_path: Path
) -> None:
    """A person pastes, or uploads, what they were sent and reads the answer in Chromium."""
    badge = tmp_path / "badge.png"
    badge.write_bytes(material["png"])
    page_url = f"{verifier.base_url}/verify"
    async with chromium(tmp_path / "profile") as page:
        await page.goto(page_url)
        await page.evaluate(
            f"document.getElementById('paste').value = {json.dumps(json.dumps(material['standard']))}"
        )
        await page.evaluate("document.getElementById('verify').click()")
        genuine = await shown(page)
        assert genuine["verdict"].startswith("✓ Verified"), genuine
        assert genuine["checks"]["proof.signature"] == "passed ✓"
        assert genuine["checks"]["status.revocation"] == "passed ✓"
        assert genuine["checks"]["holder.binding"] == "skipped –"
        assert (
            genuine["elements"]["title"] == material["standard"]["credentialSubject"]["achievement"]["name"]
        )
        assert genuine["elements"]["awarding_body"] == "Politechnika Plików"
        assert genuine["elements"]["ects"] and genuine["elements"]["eqf_level"]

        await page.goto(page_url)
        await page.upload("#file", badge)
        await page.evaluate("document.getElementById('verify').click()")
        assert (await shown(page))["verdict"].startswith("✓ Verified")

        await page.goto(page_url)
        tampered = edit(["credentialSubject", "achievement", "name"], "Surgery")(material["standard"])
        await page.evaluate(f"document.getElementById('paste').value = {json.dumps(json.dumps(tampered))}")
        await page.evaluate("document.getElementById('verify').click()")
        caught = await shown(page)
        assert (
            caught["verdict"].startswith("✗ Not verified")
            and caught["checks"]["proof.signature"] == "failed ✗"
        )

        await page.goto(page_url)
        await page.evaluate("document.getElementById('paste').value = '<script>alert(1)</script>'")
        await page.evaluate("document.getElementById('verify').click()")
        assert "neither JSON nor a PNG" in (await shown(page))["problem"]
