"""Driving the console as people do: a headless Chromium (Debian's, through Playwright — no browser
download) with axe-core (npm, pinned) injected into each page for WCAG 2.1 AA; and a plain HTTP client
that signs in and sends forms the way the pages do, for the security checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Page, async_playwright

from mcred.scenario import console_sign_in
from tests.support.browser import chromium_binary

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"
"""Where the test run writes the main pages' screenshots (docs/console/ holds the ones the README shows)."""
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "correct horse battery staple"


@asynccontextmanager
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_binary(), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            await launched.close()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now (injected over the DevTools
    protocol: the page's own Content-Security-Policy allows no script of ours)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())
    found = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))})))",
        WCAG_21_AA,
    )
    return [{**v, "page": page.url} for v in found]


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


SIGN_IN_LABELS = {
    "en": ("E-mail address", "Password", "Sign in"),
    "pl": ("Adres e-mail", "Hasło", "Zaloguj się"),
}


async def sign_in_with(page: Page, base: str, email: str, password: str, lang: str = "en") -> None:
    """As a person does: open the console, land on the sign-in form, fill it by its labels (in the page's
    language), send it, and arrive at the console."""
    await page.goto(f"{base}/console")
    assert "/console/sign-in" in page.url
    email_label, password_label, button = SIGN_IN_LABELS[lang]
    await page.get_by_label(email_label).fill(email)
    await page.get_by_label(password_label).fill(password)
    await page.get_by_role("button", name=button).click()
    await page.wait_for_url(f"{base}/console")


async def tab_to(page: Page, element_id: str, limit: int = 80) -> None:
    """Move the focus with the Tab key alone until it is on the element: it is reachable by keyboard."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(
        f"#{element_id} is not reached with the Tab key within {limit} presses on {page.url}"
    )


@asynccontextmanager
async def signed_in(base_url: str, email: str, password: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client holding a console session, as a browser would after the sign-in form."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        answer = await console_sign_in(client, email, password)
        assert answer.status_code == 303, answer.text
        yield client


async def add_staff(
    controller: httpx.AsyncClient, auth: dict[str, str], email: str, name: str, role: str
) -> None:
    """A console account with the tests' password, made with the owner's API key."""
    made = await controller.post(
        "/v1/staff", json={"email": email, "name": name, "role": role, "password": PASSWORD}, headers=auth
    )
    assert made.status_code == 201, made.text
