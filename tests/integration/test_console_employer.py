"""The employer's console in a real browser against the real stack: a recruiter signs in, asks for a
microcredential (criteria, then a QR code on screen), the candidate's wallet (stand-in) answers, the answer
arrives on the open page and the report says every check in plain language; past requests list it. axe-core
finds no WCAG 2.1 AA violation; screenshots in both languages. Another employer's session sees none of it."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import expect

from mcred.scenario import accredited_holding, register_employer, wallet_scans
from mcred.stack import Stack
from tests.support.console import (
    PASSWORD,
    add_staff,
    axe_violations,
    browser,
    screenshot,
    sign_in_with,
    signed_in,
    tab_to,
)


async def recruiter(verifier: httpx.AsyncClient, stack: Stack, name: str, email: str) -> dict[str, str]:
    auth = await register_employer(verifier, stack, name)
    await add_staff(verifier, auth, email, "Ewa Rekruter", "awarding")
    return auth


@pytest.fixture(scope="module")
async def achievement(issuer: httpx.AsyncClient, stack: Stack) -> str:
    """The candidate's wallet (stand-in) holds an accredited institution's microcredential."""
    enrolled, _ = await accredited_holding(issuer, stack, "Szkoła Kandydatów")
    return enrolled.template["achievement_id"]


async def test_a_recruiter_asks_and_reads_the_report(
    stack: Stack, verifier: httpx.AsyncClient, achievement: str
) -> None:
    await recruiter(verifier, stack, "Firma Konsolowa", "ewa@firma-konsolowa.pl")
    base = str(verifier.base_url).rstrip("/")
    violations: list[dict] = []
    async with browser() as chromium:
        context = await chromium.new_context(locale="en-GB")
        page = await context.new_page()
        await sign_in_with(page, base, "ewa@firma-konsolowa.pl", PASSWORD)
        violations += await axe_violations(page)

        await page.get_by_role("link", name="Ask for a credential").first.click()
        await page.wait_for_url(f"{base}/console/requests/new")
        await page.get_by_label("Why you ask (the wallet shows it)").fill("Junior analyst, application 42")
        await page.get_by_label("A given microcredential (its achievement id)").fill(achievement)
        violations += await axe_violations(page)
        await screenshot(page, "en-employer-ask")
        await tab_to(page, "ask-submit")
        await page.keyboard.press("Enter")
        await page.wait_for_url(re.compile(r"/console/requests/[0-9a-f-]{36}$"))
        request_id = page.url.rsplit("/", 1)[1]
        await expect(page.locator("#request-state .state")).to_have_text("waiting for the candidate")
        violations += await axe_violations(page)
        await screenshot(page, "en-employer-request")

        link = await page.get_by_role("link", name="Open in the wallet").get_attribute("href")
        assert link and link.startswith("didcomm://invite?oob=")
        public = await context.new_page()
        for path, shot in ((f"/requests/{request_id}", "en-public-request"), ("/verify", "en-public-verify")):
            await public.goto(base + path)
            violations += await axe_violations(public)
            await screenshot(public, shot)
        await public.close()
        await wallet_scans(stack, link)
        await expect(page.locator("#verdict")).to_contain_text("Verified", timeout=60_000)
        for check, says in (
            ("proof.signature", "The issuer's signature is genuine"),
            ("status.revocation", "has not revoked it"),
            ("issuer.accreditation", "accredited when it issued"),
            ("request.criteria", "It is what you asked for"),
        ):
            row = page.locator(f"tr[data-check='{check}']")
            await expect(row).to_contain_text(says)
            await expect(row.locator(".result")).to_have_text("yes")
        await expect(page.locator("[data-element='awarding_body']")).to_have_text("Szkoła Kandydatów")
        violations += await axe_violations(page)
        await screenshot(page, "en-employer-report")

        await page.goto(f"{base}/console")
        await expect(page.get_by_role("row", name=re.compile("Junior analyst"))).to_contain_text("verified")
        await page.goto(f"{base}/console/language/pl?after=/console/requests/{request_id}")
        await expect(page.locator("#verdict")).to_contain_text("Zweryfikowane")
        violations += await axe_violations(page)
        await screenshot(page, "pl-employer-report")
        await page.goto(f"{base}/console/requests/new")
        violations += await axe_violations(page)
        await screenshot(page, "pl-employer-ask")
        await context.close()
    assert violations == [], "\n".join(map(str, violations))

    async with signed_in(base, "ewa@firma-konsolowa.pl", PASSWORD) as client:
        assert "Junior analyst" in (await client.get("/console")).text
    await recruiter(verifier, stack, "Firma Obca", "obcy@firma-obca.pl")
    async with signed_in(base, "obcy@firma-obca.pl", PASSWORD) as client:
        assert "Junior analyst" not in (await client.get("/console")).text
        for path in (f"/console/requests/{request_id}", f"/console/requests/{request_id}/state"):
            assert (await client.get(path)).status_code == 404
