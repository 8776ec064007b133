"""Security headers on every answer of both controllers, pages included, and the pages still work under their
Content-Security-Policy in headless Chromium: no violation reported, their script runs, their style applies.
The API docs load their UI from a CDN this machine may not reach: a failed download is not a violation, a
blocked one would be."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from common.web.headers import SECURITY_HEADERS
from mcred.samples import template_body
from mcred.scenario import enrol, eventually, register_employer
from mcred.stack import Stack
from tests.support.browser import Page, chromium

COLLECT_VIOLATIONS = """window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__violations.push(`${e.effectiveDirective} ${e.blockedURI || "inline"} ${e.sample || ""}`));"""


@pytest.fixture(scope="module")
async def pages(stack: Stack, issuer: httpx.AsyncClient, verifier: httpx.AsyncClient) -> dict[str, str]:
    """Every public page with something on it: an offer, a pathway, a proof request, /verify, the docs."""
    enrolled = await enrol(issuer, stack.operator_key, "Uczelnia Nagłówków")
    offer = await issuer.post(
        "/v1/offers",
        json={"template_id": enrolled.template["id"], "learner": {"email": "ola@example.pl"}},
        headers=enrolled.auth,
    )
    assert offer.status_code == 201, offer.text
    whole = await issuer.post(
        "/v1/templates", json=template_body(title={"pl": "Całość", "en": "Whole"}), headers=enrolled.auth
    )
    pathway = await issuer.post(
        "/v1/pathways",
        json={
            "name": "Ścieżka nagłówków",
            "template_id": whole.json()["id"],
            "requirements": [
                {
                    "name": "part",
                    "achievement_ids": [enrolled.template["achievement_id"]],
                    "issuers": {"kind": "self"},
                }
            ],
        },
        headers=enrolled.auth,
    )
    assert pathway.status_code == 201, pathway.text
    employer = await register_employer(verifier, stack, "Pracodawca Nagłówków")
    request = await verifier.post("/v1/proof-requests", json={}, headers=employer)
    assert request.status_code == 201, request.text
    issuer_url, verifier_url = str(issuer.base_url), str(verifier.base_url)
    return {
        "offer": offer.json()["page_url"],
        "pathway": pathway.json()["page_url"],
        "request": request.json()["page_url"],
        "verify": f"{verifier_url}/verify",
        "issuer docs": f"{issuer_url}/docs",
        "issuer redoc": f"{issuer_url}/redoc",
        "verifier docs": f"{verifier_url}/docs",
        "verifier redoc": f"{verifier_url}/redoc",
    }


def assert_secured(response: httpx.Response) -> None:
    for name in SECURITY_HEADERS:
        assert name in response.headers, (response.request.url, name)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, policy
    script_src = next((d for d in policy.split("; ") if d.startswith("script-src")), "")
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in policy, policy


async def test_every_answer_carries_the_headers(
    issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, pages: dict[str, str]
) -> None:
    answers = [
        *[await issuer.get(path) for path in ("/health", "/openapi.json", "/v1/templates", "/v1/nothing")],
        *[await verifier.get(path) for path in ("/health", "/openapi.json", "/v1/employers/me", "/v1/no")],
        await verifier.post(
            "/v1/verifications", content=b"[" * 50_000, headers={"content-type": "text/plain"}
        ),
        await issuer.post("/v1/templates", content=b"{" * 100, headers={"content-type": "application/json"}),
        await issuer.get("/contexts/mcred/v1"),
    ]
    async with httpx.AsyncClient() as http:
        answers += [await http.get(url) for url in pages.values()]
    statuses = {answer.status_code for answer in answers}
    assert {200, 400, 401, 404} <= statuses, statuses
    for answer in answers:
        assert_secured(answer)


async def violations_on(page: Page, url: str) -> list[str]:
    await page.goto(url)
    return await page.evaluate("window.__violations")


async def styled(page: Page) -> bool:
    """The page's own (hashed) style applied: the body's font is ours, not the browser's default."""
    return "system-ui" in await page.evaluate("getComputedStyle(document.body).fontFamily")


async def test_the_pages_work_under_their_policy(pages: dict[str, str], tmp_path: Path) -> None:
    async with chromium(tmp_path / "profile") as page:
        await page.send("Page.addScriptToEvaluateOnNewDocument", source=COLLECT_VIOLATIONS)
        seen: dict[str, Any] = {}
        for name, url in pages.items():
            seen[name] = await violations_on(page, url)
            if "docs" not in name and "redoc" not in name:
                assert await styled(page), name
        assert seen == {name: [] for name in pages}, seen

        # The pathway page's script runs: the claim is made and its QR code shown.
        await page.goto(pages["pathway"])
        await page.evaluate("document.getElementById('email').value = 'ola@example.pl'")
        await page.evaluate("document.querySelector('#claim button').click()")
        shown = await eventually(
            lambda: page.evaluate("document.querySelector('#qr img')?.getAttribute('src')"),
            what="the claim's QR code",
        )
        assert "/claims/" in shown and shown.endswith("/qr.svg")
        assert await eventually(
            lambda: page.evaluate("(i => i.complete && i.naturalWidth)(document.querySelector('#qr img'))"),
            what="the QR code drawn",
        )
        assert await page.evaluate("window.__violations") == []
        # The offer page's QR code is inline SVG: drawn, not blocked.
        await page.goto(pages["offer"])
        assert await page.evaluate("document.querySelector('.qr svg').getBoundingClientRect().width") > 0
        assert await page.evaluate("window.__violations") == []


async def test_an_injected_script_would_not_run(pages: dict[str, str], tmp_path: Path) -> None:
    """What the policy is for: a script that got into a page (an escaping bug) is blocked and reported."""
    async with chromium(tmp_path / "profile") as page:
        await page.send("Page.addScriptToEvaluateOnNewDocument", source=COLLECT_VIOLATIONS)
        await page.goto(pages["verify"])
        await page.evaluate(
            "const s = document.createElement('script'); s.textContent = 'window.__ran = true';"
            "document.body.append(s)"
        )
        await eventually(lambda: page.evaluate("window.__violations.length"), what="a violation report")
        assert await page.evaluate("window.__ran === undefined")
        assert (await page.evaluate("window.__violations"))[0].startswith("script-src-elem inline")
