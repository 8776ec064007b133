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

from mcred.scenario import console_sign_in, csrf_of, enrol, eventually, wallet_scans
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
    await add_staff(issuer, enrolled.auth, email, "Anna Nowak", role)
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
        await sign_in_with(page, base, registrar.email, registrar.password)
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
        public = Pages(await context.new_page())  # what the learner opens on a phone, in the same look
        await public.goto(f"{base}/offers/{offer_id}", "en-public-offer")
        await expect(public.page.get_by_role("link", name="Open in wallet")).to_have_attribute("href", link)
        pages.violations += public.violations
        await public.page.close()
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
            ("/console/pathways/new", "pl-pathway-define"),
            ("/console/profile", "pl-profile"),
        ):
            await pages.goto(base + path, shot)

        # A phone's width: nothing needs sideways scrolling but wide tables in their own box.
        await page.set_viewport_size({"width": 375, "height": 800})
        await pages.goto(f"{base}/console/credentials/{offer_id}", "pl-phone-credential")
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        await context.close()
    assert pages.violations == [], "\n".join(map(str, pages.violations))
    assert dialogs == []


# --- security over plain HTTP: the forms and the sessions -------------------------------------------------

DEFINITION = {
    "title_pl": "Bezpieczeństwo formularzy",
    "description_pl": "Opis.",
    "outcomes_pl": "Wynik",
    "ects": "1",
    "eqf_level": "4",
    "assessment_type": "Test",
    "participation_form": "online",
    "quality_assurance": "Wewnętrzne",
    "language": "pl",
}


async def templates_of(issuer: httpx.AsyncClient, member: Member) -> int:
    return len((await issuer.get("/v1/templates", headers=member.auth)).json())


async def test_a_form_without_its_token_or_from_another_site_is_refused(
    issuer: httpx.AsyncClient, registrar: Member
) -> None:
    base = str(issuer.base_url)
    async with signed_in(base, registrar.email, registrar.password) as client:
        before = await templates_of(issuer, registrar)
        token = csrf_of((await client.get("/console/microcredentials/new")).text)
        missing = await client.post("/console/microcredentials", data=DEFINITION)
        wrong = await client.post("/console/microcredentials", data={**DEFINITION, "csrf": token[:-2] + "xx"})
        elsewhere = await client.post(
            "/console/microcredentials",
            data={**DEFINITION, "csrf": token},
            headers={"Origin": "https://attacker.example"},
        )
        for refused in (missing, wrong, elsewhere):
            assert refused.status_code == 403, refused.text
            assert refused.headers["content-type"].startswith("text/html")
        assert "security token" in missing.text
        assert await templates_of(issuer, registrar) == before
        sent = await client.post("/console/microcredentials", data={**DEFINITION, "csrf": token})
        assert sent.status_code == 303
        assert await templates_of(issuer, registrar) == before + 1
        signed_out = await client.post("/console/sign-out", data={})
        assert signed_out.status_code == 403  # signing out is a form too
        assert (await client.get("/console")).status_code == 200


async def test_one_institutions_session_cannot_read_or_change_anothers(
    issuer: httpx.AsyncClient, stack: Stack, registrar: Member, other: Member
) -> None:
    offer = await issuer.post(
        "/v1/offers",
        json={"template_id": registrar.template["id"], "learner": {"name": "Ukryta Osoba"}},
        headers=registrar.auth,
    )
    offer_id, template_id = offer.json()["id"], registrar.template["id"]
    async with signed_in(str(issuer.base_url), other.email, other.password) as client:
        for path in (
            f"/console/credentials/{offer_id}",
            f"/console/offers/{offer_id}",
            f"/console/offers/{offer_id}/state",
            f"/console/microcredentials/{template_id}",
        ):
            page = await client.get(path)
            assert page.status_code == 404, path
            assert "Ukryta" not in page.text
        for path in ("/console", "/console/credentials?q=ukryta", "/console/microcredentials"):
            page = await client.get(path)
            assert page.status_code == 200
            assert "Ukryta" not in page.text and template_id not in page.text
        token = csrf_of((await client.get("/console")).text)
        changed = await client.post(f"/console/microcredentials/{template_id}/retire", data={"csrf": token})
        assert changed.status_code == 404
        awarded = await client.post(
            f"/console/microcredentials/{template_id}/award",
            data={"csrf": token, "learner_name": "X", "protocol": "didcomm"},
        )
        assert awarded.status_code == 404
    template = await issuer.get(f"/v1/templates/{template_id}", headers=registrar.auth)
    assert template.json()["status"] == "active"


async def test_each_role_does_only_what_it_may(issuer: httpx.AsyncClient, registrar: Member) -> None:
    for email, role in (("reader@konsola.edu.pl", "reader"), ("awarder@konsola.edu.pl", "awarding")):
        await add_staff(issuer, registrar.auth, email, role, role)
    async with signed_in(str(issuer.base_url), "reader@konsola.edu.pl", PASSWORD) as reader:
        assert (await reader.get("/console/credentials")).status_code == 200
        page = await reader.get(f"/console/microcredentials/{registrar.template['id']}")
        assert page.status_code == 200 and "award-submit" not in page.text
        token = csrf_of(page.text)
        defined = await reader.post("/console/microcredentials", data={**DEFINITION, "csrf": token})
        assert defined.status_code == 403
        assert (await reader.get("/console/staff")).status_code == 403
    async with signed_in(str(issuer.base_url), "awarder@konsola.edu.pl", PASSWORD) as awarder:
        assert (await awarder.get("/console/microcredentials/new")).status_code == 200
        assert (await awarder.get("/console/staff")).status_code == 403


async def test_sign_in_is_rate_limited_and_says_nothing_of_which_part_was_wrong(
    issuer: httpx.AsyncClient, registrar: Member
) -> None:
    email = "guessed@konsola.edu.pl"
    await add_staff(issuer, registrar.auth, email, "Zgadywana", "reader")
    async with httpx.AsyncClient(base_url=str(issuer.base_url), timeout=30) as client:
        token = csrf_of((await client.get("/console/sign-in")).text)

        async def attempt(address: str, password: str) -> httpx.Response:
            return await client.post(
                "/console/sign-in", data={"csrf": token, "email": address, "password": password}
            )

        unknown = await attempt("nobody@konsola.edu.pl", "whatever it may be")
        wrong = [await attempt(email, f"wrong password {n}") for n in range(5)]
        assert unknown.status_code == 401 and {r.status_code for r in wrong} == {401}
        assert unknown.text.count("wrong") == wrong[0].text.count("wrong")
        refused = await attempt(email, PASSWORD)  # the right one, after five failures
        assert refused.status_code == 429, refused.text
        assert "15" in refused.text
        assert "session" not in refused.headers.get("set-cookie", "")


async def test_a_set_password_link_works_once(issuer: httpx.AsyncClient, registrar: Member) -> None:
    made = await issuer.post(
        "/v1/staff",
        json={"email": "Nowa@Konsola.edu.pl", "name": "Nowa Osoba", "role": "awarding"},
        headers=registrar.auth,
    )
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    link = made.json()["set_password_url"]
    path = "/" + link.split("/", 3)[3]
    async with httpx.AsyncClient(base_url=str(issuer.base_url), timeout=30) as client:
        page = await client.get(path)
        assert page.status_code == 200 and "nowa@konsola.edu.pl" in page.text
        token = csrf_of(page.text)
        differ = await client.post(path, data={"csrf": token, "password": PASSWORD, "repeat": PASSWORD + "!"})
        short = await client.post(path, data={"csrf": token, "password": "short", "repeat": "short"})
        assert differ.status_code == 400 and short.status_code == 400
        done = await client.post(path, data={"csrf": token, "password": PASSWORD, "repeat": PASSWORD})
        assert done.status_code == 303
        again = await client.get(path)
        assert again.status_code == 401
    async with signed_in(str(issuer.base_url), "nowa@konsola.edu.pl", PASSWORD) as client:
        assert "Nowa Osoba" in (await client.get("/console")).text


async def test_signing_in_goes_back_only_to_the_console(issuer: httpx.AsyncClient, registrar: Member) -> None:
    async with httpx.AsyncClient(base_url=str(issuer.base_url), timeout=30) as client:
        first = await client.get("/console/credentials")
        assert first.status_code == 303
        assert first.headers["location"] == "/console/sign-in?after=/console/credentials"
        for after, lands in (
            ("//attacker.example/x", "/console"),
            ("/console/credentials", "/console/credentials"),
        ):
            token = csrf_of((await client.get("/console/sign-in")).text)
            answer = await client.post(
                "/console/sign-in",
                data={
                    "csrf": token,
                    "email": registrar.email,
                    "password": registrar.password,
                    "after": after,
                },
            )
            assert answer.status_code == 303 and answer.headers["location"] == lands
        cookie = next(c for c in client.cookies.jar if c.name == "mcred_issuer_session")
        assert cookie.has_nonstandard_attr("HttpOnly")
        assert cookie.get_nonstandard_attr("SameSite") == "lax"


async def test_markup_typed_into_any_field_is_shown_as_text(
    issuer: httpx.AsyncClient, registrar: Member
) -> None:
    async with signed_in(str(issuer.base_url), registrar.email, registrar.password) as client:
        token = csrf_of((await client.get("/console/microcredentials/new")).text)
        text_fields = (
            "title_pl", "title_en", "description_pl", "description_en", "outcomes_pl", "outcomes_en",
            "assessment_type", "quality_assurance", "iqr_code", "iqr_sets", "prerequisites",
            "further_information", "field_of_study",
        )  # fmt: skip
        invalid = await client.post(
            "/console/microcredentials",
            data={**{f: XSS for f in text_fields}, "ects": XSS, "eqf_level": XSS, "csrf": token},
        )
        assert invalid.status_code == 422
        defined = await client.post(
            "/console/microcredentials", data={**DEFINITION, **{f: XSS for f in text_fields}, "csrf": token}
        )
        assert defined.status_code == 303, defined.text
        template_path = defined.headers["location"]
        awarded = await client.post(
            f"{template_path}/award",
            data={
                "csrf": token,
                "learner_name": XSS,
                "learner_ref": XSS,
                "grade": XSS,
                "protocol": "oid4vci",
            },
        )
        assert awarded.status_code == 303, awarded.text
        offer_path = awarded.headers["location"]
        staff = await client.post(
            "/console/staff", data={"csrf": token, "name": XSS, "email": "x@y.pl", "role": "reader"}
        )
        assert staff.status_code == 201
        pages = [invalid, staff] + [
            await client.get(path)
            for path in (
                template_path,
                offer_path,
                "/console",
                "/console/credentials",
                "/console/microcredentials",
            )
        ]
        for page in pages:
            assert "<script>alert" not in page.text and "<img src=x" not in page.text, page.url
        assert sum("&lt;script&gt;alert" in page.text for page in pages) == len(pages)


# --- invitations by e-mail, through a real SMTP server ------------------------------------------------------


def parts_of(message) -> tuple[str, str, dict[str, bytes]]:
    """The plain text, the HTML and the inline images (by content id) of an invitation."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    images = {
        str(part["Content-ID"]).strip("<>"): part.get_content()
        for part in message.walk()
        if part.get_content_type() == "image/png"
    }
    return text, html, images


async def test_an_invitation_by_e_mail_reaches_the_learner_and_its_link_works(
    stack: Stack, issuer: httpx.AsyncClient, registrar: Member, inbox
) -> None:
    template_path = f"/console/microcredentials/{registrar.template['id']}"
    async with signed_in(str(issuer.base_url), registrar.email, registrar.password) as client:
        token = csrf_of((await client.get(template_path)).text)
        missing = await client.post(
            f"{template_path}/award",
            data={"csrf": token, "learner_name": "Bez Adresu", "protocol": "didcomm", "send_email": "yes"},
        )
        assert missing.status_code == 422 and "Podaj adres, na który wysłać zaproszenie" in missing.text
        awarded = await client.post(
            f"{template_path}/award",
            data={"csrf": token, "learner_name": "Ola Poczta", "learner_email": "ola.poczta@example.pl",
                  "protocol": "didcomm", "send_email": "yes", "email_language": "en"},
        )  # fmt: skip
        assert awarded.status_code == 303, awarded.text
        offer_id = awarded.headers["location"].rsplit("/", 1)[1]

        message = await inbox.one_to("ola.poczta@example.pl")
        assert message["From"] == "Politechnika <no-reply@mcred.test>"
        subject = "Politechnika Konsolowa awards you a microcredential: Data analysis in Python"
        assert message["Subject"].strip() == subject  # a long header is folded before its first word
        text, html, images = parts_of(message)
        assert "Hello Ola Poczta," in text
        assert f"{str(issuer.base_url).rstrip('/')}/offers/{offer_id}" in text
        assert 'src="cid:invitation-qr"' in html and images["invitation-qr"].startswith(b"\x89PNG")
        deep = re.search(r'href="(didcomm://invite\?oob=[^"]+)"', html)
        assert deep, html

        async def email_state() -> str | None:
            found = re.search(
                r'data-email-state="(\w+)"', (await client.get(f"/console/offers/{offer_id}")).text
            )
            return found.group(1) if found else None

        assert (
            await eventually(email_state, until=lambda s: s == "sent", what="the e-mail marked sent")
            == "sent"
        )
        await wallet_scans(stack, deep.group(1).replace("&amp;", "&"))

        async def offer_state() -> str:
            return (await issuer.get(f"/v1/offers/{offer_id}", headers=registrar.auth)).json()["state"]

        assert (
            await eventually(offer_state, until=lambda s: s == "issued", what="issued from the e-mail")
            == "issued"
        )
        history = (await issuer.get(f"/v1/offers/{offer_id}", headers=registrar.auth)).json()["history"]
        assert ("email-sent", "e-mail sent to ola.poczta@example.pl") in [
            (h["state"], h["detail"]) for h in history
        ]


async def test_a_refused_address_is_recorded_on_the_offer(
    issuer: httpx.AsyncClient, registrar: Member, inbox
) -> None:
    inbox.refused.add("nikt@example.pl")
    made = await issuer.post(
        "/v1/offers",
        json={"template_id": registrar.template["id"], "learner": {"email": "nikt@example.pl"},
              "send_email": True, "email_language": "pl"},
        headers=registrar.auth,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    offer_id = made.json()["id"]

    async def failure() -> list[str]:
        history = (await issuer.get(f"/v1/offers/{offer_id}", headers=registrar.auth)).json()["history"]
        return [h["detail"] for h in history if h["state"] == "email-failed"]

    (detail,) = await eventually(failure, what="the refusal on the offer's history")
    assert "550" in detail and "no such mailbox" in detail
    assert inbox.to("nikt@example.pl") == []
    async with signed_in(str(issuer.base_url), registrar.email, registrar.password) as client:
        page = (await client.get(f"/console/offers/{offer_id}")).text
        assert 'data-email-state="failed"' in page and "no such mailbox" in page
    cohort = await issuer.post(
        "/v1/bulk-issuances",
        params={"template_id": registrar.template["id"], "protocol": "oid4vci", "send_email": "true",
                "email_language": "en"},
        content=b"email,name\nk1@api-kohorta.example.pl,K1\nk2@api-kohorta.example.pl,K2\n",
        headers={**registrar.auth, "Content-Type": "text/csv"},
    )  # fmt: skip
    assert cohort.status_code == 201, cohort.text
    for address in ("k1@api-kohorta.example.pl", "k2@api-kohorta.example.pl"):
        assert "awards you a microcredential" in (await inbox.one_to(address))["Subject"]
    without = await issuer.post(
        "/v1/offers",
        json={"template_id": registrar.template["id"], "learner": {"name": "X"}, "send_email": True},
        headers=registrar.auth,
    )
    assert without.status_code == 400 and "learner.email" in without.json()["detail"]


async def test_a_claim_started_on_the_pathway_page_is_e_mailed_in_the_pages_language(
    issuer: httpx.AsyncClient, registrar: Member, inbox
) -> None:
    pathway = await issuer.post(
        "/v1/pathways",
        json={"name": "Ścieżka pocztowa", "template_id": registrar.template["id"],
              "requirements": [{"name": "część", "achievement_ids": [registrar.template["achievement_id"]]}]},
        headers=registrar.auth,
    )  # fmt: skip
    assert pathway.status_code == 201, pathway.text
    claim = await issuer.post(
        f"/pathways/{pathway.json()['id']}/claims",
        json={"email": "kasia.sciezka@example.pl", "name": "Kasia"},
        headers={"Accept-Language": "pl-PL,pl;q=0.9"},
    )
    assert claim.status_code == 201
    message = await inbox.one_to("kasia.sciezka@example.pl")
    assert message["Subject"].strip() == "Twój wniosek o „Ścieżka pocztowa” w Politechnika Konsolowa"
    text, html, images = parts_of(message)
    assert "Dzień dobry, Kasia!" in text
    assert claim.json()["deep_link"] in text
    assert images["invitation-qr"].startswith(b"\x89PNG")


# --- a cohort by CSV ---------------------------------------------------------------------------------------


def cohort_csv(bad_rows: dict[int, str]) -> str:
    """50 learners; ``bad_rows`` (CSV row numbers, the header being row 1) replaced by broken lines."""
    lines = ["email,name,ref,grade"]
    for n in range(1, 51):
        row = n + 1
        lines.append(bad_rows.get(row, f"uczen{n}@kohorta.example.pl,Uczeń {n},K-{n},5"))
    return "\n".join(lines) + "\n"


async def test_a_cohort_with_bad_rows_is_refused_by_row_then_awarded_once_fixed(
    issuer: httpx.AsyncClient, registrar: Member, inbox, tmp_path
) -> None:
    bad = {
        12: "not-an-address,Zły Adres,K-x,5",
        25: ",Bez Adresu,,5",
        40: "uczen1@kohorta.example.pl,Dubel,K-d,5",
    }
    broken, fixed = tmp_path / "kohorta-bledy.csv", tmp_path / "kohorta.csv"
    broken.write_text(cohort_csv(bad))
    fixed.write_text(cohort_csv({}))
    before = len((await issuer.get("/v1/offers?limit=1000", headers=registrar.auth)).json())
    base = str(issuer.base_url).rstrip("/")
    violations: list[dict] = []
    async with browser() as chromium:
        context = await chromium.new_context(locale="pl-PL")
        page = await context.new_page()
        await sign_in_with(page, base, registrar.email, registrar.password, "pl")
        await page.goto(f"{base}/console/microcredentials/{registrar.template['id']}")
        await page.set_input_files("#file", str(broken))
        await page.locator("#cohort_protocol").select_option("oid4vci")
        await page.locator("#cohort_send_email").check()
        await page.locator("#cohort-check").click()
        await expect(page.locator("#error-summary")).to_contain_text("3")
        rows = page.locator("#problems tbody tr")
        await expect(rows).to_have_count(3)
        assert [await r.get_attribute("data-row") for r in await rows.all()] == ["12", "25", "40"]
        await expect(page.locator("#problems tr[data-row='12']")).to_contain_text("adres e-mail")
        await expect(page.locator("#problems tr[data-row='40']")).to_contain_text("wiersz 2")
        violations += await axe_violations(page)
        await screenshot(page, "pl-cohort-refused")
        assert len((await issuer.get("/v1/offers?limit=1000", headers=registrar.auth)).json()) == before

        await page.get_by_role("link", name=re.compile("Wróć")).click()
        await page.set_input_files("#file", str(fixed))
        await page.locator("#cohort_protocol").select_option("oid4vci")
        await page.locator("#cohort_send_email").check()
        await page.locator("#cohort-check").click()
        await expect(page.locator("#checked")).to_contain_text("50")
        violations += await axe_violations(page)
        await screenshot(page, "pl-cohort-checked")
        await page.locator("#cohort-start").click()
        await page.wait_for_url(re.compile(r"/console/cohorts/[0-9a-f-]{36}$"))
        await expect(page.locator("#made-count")).to_have_text("50 / 50", timeout=60_000)
        violations += await axe_violations(page)
        await screenshot(page, "pl-cohort-progress")
        await context.close()
    assert violations == [], "\n".join(map(str, violations))
    offers = (await issuer.get("/v1/offers?limit=1000", headers=registrar.auth)).json()
    cohort = [o for o in offers if (o["learner"]["email"] or "").endswith("@kohorta.example.pl")]
    assert len(cohort) == 50 and {o["protocol"] for o in cohort} == {"oid4vci"}

    async def letters() -> int:
        return len([m for m in inbox.messages if "@kohorta.example.pl" in str(m["To"])])

    assert await eventually(letters, until=lambda n: n >= 50, what="50 letters") == 50
    one = inbox.to("uczen7@kohorta.example.pl")[0]
    assert "przyznaje Ci mikropoświadczenie" in one["Subject"]
    assert "openid-credential-offer://" in parts_of(one)[1]


async def test_a_pathway_and_the_profile_are_defined_in_the_console(
    issuer: httpx.AsyncClient, registrar: Member, other: Member
) -> None:
    async with signed_in(str(issuer.base_url), registrar.email, registrar.password) as client:
        token = csrf_of((await client.get("/console/pathways/new")).text)
        empty = await client.post("/console/pathways", data={"csrf": token, "name": "Bez części"})
        assert empty.status_code == 422 and 'id="requirements"' in empty.text
        form = {
            "csrf": token, "name": "Ścieżka z konsoli", "template_id": registrar.template["id"],
            "part_1": "Podstawy", "own_1": registrar.template["achievement_id"],
            "part_2": "Z innych uczelni", "other_2": "ZRK-999\nurn:uuid:00000000-0000-4000-8000-000000000001",
            "at_least_2": "1", "policy": "suspend",
        }  # fmt: skip
        mixed = await client.post("/console/pathways", data=form)
        assert mixed.status_code == 422 and 'id="other_2-error"' in mixed.text
        defined = await client.post("/console/pathways", data={**form, "other_2": "ZRK-999\nZRK-998"})
        assert defined.status_code == 303, defined.text
        pathway_id = defined.headers["location"].rsplit("/", 1)[1]
        page = await client.get(f"/console/pathways/{pathway_id}")
        assert page.status_code == 200 and "Ścieżka z konsoli" in page.text
    async with signed_in(str(issuer.base_url), other.email, other.password) as client:
        token = csrf_of((await client.get("/console/profile")).text)
        bad = await client.post(
            "/console/profile", data={"csrf": token, "logo_url": "http://insecure.example/x.png"}
        )
        assert bad.status_code == 422
        saved = await client.post(
            "/console/profile",
            data={"csrf": token, "display_name": "PK", "logo_url": "https://pk.example/logo.png",
                  "contact_email": "dziekanat@pk.example"},
        )  # fmt: skip
        assert saved.status_code == 303
    made = (await issuer.get(f"/v1/pathways/{pathway_id}", headers=registrar.auth)).json()
    assert made["policy"] == "suspend"
    parts = {r["name"]: r for r in made["requirements"]}
    assert parts["Podstawy"]["achievement_ids"] == [registrar.template["achievement_id"]]
    assert parts["Z innych uczelni"]["iqr_codes"] == ["ZRK-999", "ZRK-998"]
    assert parts["Z innych uczelni"]["at_least"] == 1
    me = (await issuer.get("/v1/institutions/me", headers=other.auth)).json()
    assert (me["display_name"], me["logo_url"], me["contact_email"]) == (
        "PK", "https://pk.example/logo.png", "dziekanat@pk.example",
    )  # fmt: skip
    offer = await issuer.post("/v1/offers", json={"template_id": other.template["id"]}, headers=other.auth)
    page = await issuer.get(f"/offers/{offer.json()['id']}")
    assert 'href="mailto:dziekanat@pk.example"' in page.text


async def test_a_forgotten_password_is_reset_by_e_mail_and_an_unknown_address_learns_nothing(
    issuer: httpx.AsyncClient, registrar: Member, inbox
) -> None:
    email = "zapominalska@konsola.edu.pl"
    await add_staff(issuer, registrar.auth, email, "Zapominalska", "reader")
    async with httpx.AsyncClient(base_url=str(issuer.base_url), timeout=30) as client:
        sign_in = await client.get("/console/sign-in")
        assert 'href="/console/password-reset"' in sign_in.text
        token = csrf_of((await client.get("/console/password-reset")).text)
        answers = [
            await client.post("/console/password-reset", data={"csrf": token, "email": address})
            for address in (email, "nikogo-tu-nie-ma@konsola.edu.pl")
        ]
        assert [a.status_code for a in answers] == [200, 200]
        assert [a.text.replace(email, "X").replace("nikogo-tu-nie-ma@konsola.edu.pl", "X") for a in answers][
            0
        ] == (answers[1].text.replace(email, "X").replace("nikogo-tu-nie-ma@konsola.edu.pl", "X"))
        letter = await inbox.one_to(email)
        link = re.search(r"http://\S+/console/password/\S+", parts_of(letter)[0])
        assert link, parts_of(letter)[0]
        path = "/" + link.group(0).split("/", 3)[3]
        token = csrf_of((await client.get(path)).text)
        new = "a brand new passphrase"
        done = await client.post(path, data={"csrf": token, "password": new, "repeat": new})
        assert done.status_code == 303
    assert inbox.to("nikogo-tu-nie-ma@konsola.edu.pl") == []
    async with signed_in(str(issuer.base_url), email, new) as client:
        assert "Zapominalska" in (await client.get("/console")).text


async def test_a_disabled_account_loses_its_session_and_cannot_sign_in_until_enabled(
    issuer: httpx.AsyncClient, registrar: Member
) -> None:
    email = "odchodzi@konsola.edu.pl"
    await add_staff(issuer, registrar.auth, email, "Odchodząca", "awarding")
    ids = {u["email"]: u["id"] for u in (await issuer.get("/v1/staff", headers=registrar.auth)).json()}
    base = str(issuer.base_url)
    async with (
        signed_in(base, email, PASSWORD) as leaving,
        signed_in(base, registrar.email, PASSWORD) as admin,
    ):
        token = csrf_of((await admin.get("/console/staff")).text)

        async def set_active(user_id: str, active: str) -> httpx.Response:
            return await admin.post(
                f"/console/staff/{user_id}/active", data={"csrf": token, "active": active}
            )

        disabled = await set_active(ids[email], "no")
        assert disabled.status_code == 200 and 'data-active="no"' in disabled.text
        assert (await leaving.get("/console")).status_code == 303  # its session ended at once
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            assert (await console_sign_in(client, email, PASSWORD)).status_code == 401
        own = await set_active(ids[registrar.email], "no")
        assert own.status_code == 409 and "Nie możesz wyłączyć własnego konta" in own.text
        assert (await set_active(ids[email], "yes")).status_code == 200
    async with signed_in(base, email, PASSWORD) as back:
        assert (await back.get("/console")).status_code == 200
