"""The institution's console in a real browser against the real stack: a member of staff signs in, defines a
microcredential (each missing EU element named at its field), awards it to one learner with the keyboard
alone, the stand-in wallet accepts, the credential appears, it is revoked and its history shows the
transaction. axe-core finds no WCAG 2.1 AA violation on any page; screenshots in Polish and English. Then the
security of the forms and sessions over plain HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from mcred.scenario import enrol, eventually, wallet_scans
from mcred.stack import Stack
from tests.support.console import axe_violations, browser, screenshot, tab_to

PASSWORD = "correct horse battery staple"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@dataclass(frozen=True)
class Member:
    email: str
    password: str
    institution: dict[str, Any]
    template: dict[str, Any]

    @property
    def auth(self) -> dict[str, str]:
        return {"X-API-Key": self.institution["api_key"]}


async def staff_of(issuer: httpx.AsyncClient, stack: Stack, name: str, email: str, role: str) -> Member:
    enrolled = await enrol(issuer, stack.operator_key, name)
    made = await issuer.post(
        "/v1/staff",
        json={"email": email, "name": "Anna Nowak", "role": role, "password": PASSWORD},
        headers=enrolled.auth,
    )
    assert made.status_code == 201, made.text
    return Member(email, PASSWORD, enrolled.institution, enrolled.template)


@pytest.fixture(scope="module")
async def registrar(issuer: httpx.AsyncClient, stack: Stack) -> Member:
    return await staff_of(
        issuer, stack, "Politechnika Konsolowa", "registrar@konsola.edu.pl", "administrator"
    )


@pytest.fixture(scope="module")
async def other(issuer: httpx.AsyncClient, stack: Stack) -> Member:
    return await staff_of(issuer, stack, "Akademia Obca", "staff@obca.edu.pl", "administrator")


class Pages:
    """A browser page that checks every page it lands on with axe and keeps what it found."""

    def __init__(self, page: Page):
        self.page, self.violations = page, []

    async def checked(self, shot: str | None = None) -> None:
        self.violations += await axe_violations(self.page)
        if shot:
            await screenshot(self.page, shot)

    async def goto(self, url: str, shot: str | None = None) -> None:
        await self.page.goto(url)
        await self.checked(shot)


async def sign_in(pages: Pages, base: str, member: Member) -> None:
    await pages.goto(f"{base}/console")
    assert "/console/sign-in" in pages.page.url
    await pages.page.get_by_label(re.compile("E-mail|Adres e-mail")).fill(member.email)
    await pages.page.get_by_label(re.compile("Password|Hasło")).fill(member.password)
    await pages.page.locator("form button[type=submit]").click()
    await pages.page.wait_for_url(f"{base}/console")
    await pages.checked()


async def test_award_one_learner_from_sign_in_to_revocation(
    stack: Stack, issuer: httpx.AsyncClient, registrar: Member
) -> None:
    base = str(issuer.base_url).rstrip("/")
    async with browser() as chromium:
        context = await chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        pages = Pages(await context.new_page())
        page = pages.page
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))
        await pages.goto(f"{base}/console/sign-in", "en-sign-in")
        await sign_in(pages, base, registrar)
        await pages.checked("en-dashboard")

        # Define: first with EU elements missing — each named at its field, the summary announced.
        await pages.goto(f"{base}/console/microcredentials/new")
        await page.get_by_label("Title in Polish").fill("Analiza danych w konsoli")
        await page.get_by_role("button", name="Define").click()
        summary = page.locator("#error-summary")
        await expect(summary).to_have_attribute("role", "alert")
        for element in ("EU element 6", "EU element 7", "EU element 8", "EU element 9", "EU element 10"):
            await expect(summary).to_contain_text(element)
        ects = page.get_by_label("Workload in ECTS credits")
        await expect(ects).to_have_attribute("aria-invalid", "true")
        described = await ects.get_attribute("aria-describedby") or ""
        await expect(page.locator(f"#{described.split()[-1]}")).to_contain_text("EU element 7")
        await expect(page.get_by_label("Title in Polish")).to_have_value("Analiza danych w konsoli")
        await pages.checked("en-define-errors")

        await page.get_by_label("Title in English").fill("Data analysis in the console")
        await page.get_by_label("Description in Polish").fill("Analiza danych tabelarycznych.")
        await page.get_by_label("Learning outcomes in Polish").fill("Czyści dane\nBuduje wykresy")
        await page.get_by_label("Learning outcomes in English").fill("Cleans data\nBuilds charts")
        await ects.fill("2,5")
        await page.get_by_label("Workload in hours").fill("60")
        await page.get_by_label("EQF level").select_option("5")
        await page.get_by_label("PRK level (Polish Qualifications Framework)").select_option("5")
        await page.get_by_label("Type of assessment").fill("Practical test")
        await page.get_by_label("Form of participation").select_option("blended")
        await page.get_by_label("Type of quality assurance").fill("Internal quality system")
        await page.get_by_label("IQR qualification code").fill("ZRK-12345")
        await page.get_by_role("button", name="Define").click()
        await page.wait_for_url(re.compile(r"/console/microcredentials/[0-9a-f-]{36}$"))
        template_id = page.url.rsplit("/", 1)[1]
        defined = await issuer.get(f"/v1/templates/{template_id}", headers=registrar.auth)
        assert defined.json()["definition"]["ects"] == 2.5
        assert defined.json()["definition"]["iqr"]["qualification_code"] == "ZRK-12345"
        await pages.checked("en-microcredential")

        # Award to one learner with the keyboard alone.
        await tab_to(page, "learner_name")
        await page.keyboard.type("Jan Klawiatura")
        await tab_to(page, "learner_email")
        await page.keyboard.type("jan.klawiatura@example.pl")
        await tab_to(page, "award-submit")
        await page.keyboard.press("Enter")
        await page.wait_for_url(re.compile(r"/console/offers/[0-9a-f-]{36}$"))
        offer_id = page.url.rsplit("/", 1)[1]
        await pages.checked("en-offer")

        # The learner's wallet (stand-in) scans the code; the page follows the offer until issued.
        link = await page.get_by_role("link", name="Open in the wallet").get_attribute("href")
        assert link and link.startswith("didcomm://invite?oob=")
        await wallet_scans(stack, link)
        await expect(page.locator("#offer-state .state")).to_have_text("issued", timeout=60_000)

        # The credential appears in the list, found by the learner's name.
        await pages.goto(f"{base}/console/credentials?q=klawiatura")
        row = page.get_by_role("link", name="Jan Klawiatura")
        await expect(row).to_have_count(1)
        await pages.checked("en-credentials")
        await row.click()
        await page.wait_for_url(f"{base}/console/credentials/{offer_id}")

        # Revoke: the reason and the confirmation are required, then the chain's transaction shows.
        revoke = page.locator(f"form[action='/console/credentials/{offer_id}/revoke']")
        await revoke.get_by_label("Reason").fill("Issued in error")
        await revoke.get_by_role("button", name="Revoke").click()
        await expect(page.locator("dd.state")).to_have_text("issued")  # the unticked box stopped it
        await revoke.get_by_label("Reason").fill("Issued in error")
        await revoke.get_by_label(re.compile("I confirm the revocation")).check()
        await revoke.get_by_role("button", name="Revoke").click()
        await page.wait_for_url(f"{base}/console/credentials/{offer_id}")
        await expect(page.locator("dd.state")).to_have_text("revoked")

        async def transaction() -> str | None:
            await page.reload()
            shown = page.locator(".transaction")
            return await shown.text_content() if await shown.count() else None

        tx = await eventually(transaction, what="the revocation's transaction on the credential's page")
        assert re.fullmatch(r"0x[0-9a-f]{64}", tx.strip())
        credential = (await issuer.get(f"/v1/credentials/{offer_id}", headers=registrar.auth)).json()
        assert credential["status"]["changes"][0]["transaction"] == tx.strip()
        await pages.checked("en-credential-revoked")

        # The dashboard counts it and the audit trail names who did what.
        await pages.goto(f"{base}/console")
        activity = page.locator("table").last
        for what in ("revoked a credential", "awarded a microcredential", "defined a microcredential"):
            await expect(activity).to_contain_text(what)
        await expect(activity).to_contain_text(registrar.email)

        # The same pages in Polish, through the switch.
        await page.get_by_role("link", name="Polski").click()
        await expect(page.locator("html")).to_have_attribute("lang", "pl")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
        await pages.checked("pl-dashboard")
        for path, shot in (
            (f"/console/microcredentials/{template_id}", "pl-microcredential"),
            ("/console/microcredentials/new", "pl-define"),
            (f"/console/offers/{offer_id}", "pl-offer"),
            ("/console/credentials", "pl-credentials"),
            (f"/console/credentials/{offer_id}", "pl-credential-revoked"),
            ("/console/staff", "pl-staff"),
        ):
            await pages.goto(base + path, shot)

        # A phone's width: nothing needs sideways scrolling but wide tables in their own box.
        await page.set_viewport_size({"width": 375, "height": 800})
        await pages.goto(f"{base}/console/credentials/{offer_id}", "pl-phone-credential")
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        await context.close()
    assert pages.violations == [], "\n".join(map(str, pages.violations))
    assert dialogs == []
