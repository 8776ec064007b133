"""The story's moves over the real APIs: an institution enrols and is accredited, the learner's wallet
(the stand-in agent) scans invitations, an employer asks, parts are stacked. The demo tells them; tests and
benchmarks use the same moves, so what the demo shows is what is tested."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from agent.client import AdminClient
from revocation.accreditation import ANY, accredit
from revocation.chain import ChainClient

from .anvil import ANVIL_DEPLOYER_KEY
from .samples import template_body
from .stack import Stack

TIMEOUT = 60
FINAL_REQUEST = ("verified", "rejected", "failed", "expired")


class ScenarioError(Exception):
    """A move did not end as it should; the message says what was expected and what happened."""


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise ScenarioError(what)


async def eventually(probe, *, until=bool, timeout: float = TIMEOUT, interval: float = 0.2, what: str = "it"):
    """Poll ``probe()`` (async) until ``until(value)`` holds, with a deadline; returns that value. The
    timeout error shows the last value seen."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if until(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout} s; last seen: {value}")
        await asyncio.sleep(interval)


def scan(invitation_url: str) -> dict[str, Any]:
    """What a wallet does with a scanned QR code: the out-of-band message from the URL's ``oob``."""
    oob = parse_qs(urlsplit(invitation_url).query)["oob"][0]
    return json.loads(base64.urlsafe_b64decode(oob + "=" * (-len(oob) % 4)))


async def wallet_scans(stack: Stack, invitation_url: str) -> dict[str, Any]:
    return await stack.agents.agents["learner"].client.receive_invitation(scan(invitation_url))


# --- institutions --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Enrolled:
    institution: dict
    template: dict

    @property
    def auth(self) -> dict[str, str]:
        return {"X-API-Key": self.institution["api_key"]}


async def enrol(
    http: httpx.AsyncClient, operator_key: str, name: str = "Uniwersytet Przykładowy"
) -> Enrolled:
    """What an operator and then the institution do first: register, then define a template."""
    response = await http.post(
        "/v1/institutions",
        json={
            "name": name,
            "country_code": "PL",
            "url": "https://example.edu.pl",
            "identifiers": {"REGON": "000001"},
        },
        headers={"X-API-Key": operator_key},
    )
    expect(response.status_code == 201, f"registering {name}: {response.text}")
    institution = response.json()
    created = await http.post(
        "/v1/templates", json=template_body(), headers={"X-API-Key": institution["api_key"]}
    )
    expect(created.status_code == 201, f"defining {name}'s microcredential: {created.text}")
    return Enrolled(institution, created.json())


async def accredit_institution(stack: Stack, institution: dict[str, Any], days: int = 365) -> str:
    """The local chain's authority accredits the institution for any scope; returns the transaction."""
    authority = ChainClient(stack.components["chain"].url, ANVIL_DEPLOYER_KEY)
    moment = datetime.now(UTC)
    try:
        registry, did, account = (
            stack.contracts["IssuerRegistry"],
            institution["did"],
            institution["chain_account"],
        )
        window = (moment - timedelta(days=1), moment + timedelta(days=days))
        _, tx = await accredit(authority, registry, did, account, ANY, *window)
    finally:
        await authority.aclose()
    return tx


async def accredited(http: httpx.AsyncClient, stack: Stack, name: str) -> Enrolled:
    """An institution with a microcredential, accredited on chain."""
    enrolled = await enrol(http, stack.operator_key, name)
    me = (await http.get("/v1/institutions/me", headers=enrolled.auth)).json()
    await accredit_institution(stack, me)
    return Enrolled({**enrolled.institution, **me}, enrolled.template)


async def offer_until_final(http: httpx.AsyncClient, auth: dict[str, str], offer_id: str) -> dict[str, Any]:
    async def offer() -> dict[str, Any]:
        return (await http.get(f"/v1/offers/{offer_id}", headers=auth)).json()

    return await eventually(
        offer, until=lambda o: o["state"] in ("issued", "failed", "expired"), what="the offer's final state"
    )


async def issue_to_learner(
    http: httpx.AsyncClient, auth: dict[str, str], template_id: str, stack: Stack, learner: dict[str, str]
) -> dict[str, Any]:
    """An offer the learner scans with the wallet stand-in; returns the offer in its final state."""
    response = await http.post(
        "/v1/offers",
        json={"template_id": template_id, "learner": learner, "award": {"grade": "5.0"}},
        headers=auth,
    )
    expect(response.status_code == 201, f"offering: {response.text}")
    offer = response.json()
    expect(
        offer["state"] == "invited" and offer["invitation_url"].startswith("http"), f"an invitation: {offer}"
    )
    await wallet_scans(stack, offer["invitation_url"])
    return await offer_until_final(http, auth, offer["id"])


async def accredited_holding(http: httpx.AsyncClient, stack: Stack, name: str) -> tuple[Enrolled, dict]:
    """An accredited institution with its own microcredential, issued to the learner stand-in."""
    enrolled = await accredited(http, stack, name)
    learner = {"email": f"{name.split()[0].lower()}@example.pl", "name": "Jan Kowalski"}
    offer = await issue_to_learner(http, enrolled.auth, enrolled.template["id"], stack, learner)
    expect(offer["state"] == "issued", f"the credential issued: {offer}")
    return enrolled, offer


async def until_anchored(http: httpx.AsyncClient, auth: dict[str, str], offer_id: str, changes: int) -> dict:
    """The credential once ``changes`` status changes are anchored on chain."""

    async def credential() -> dict[str, Any]:
        return (await http.get(f"/v1/credentials/{offer_id}", headers=auth)).json()

    return await eventually(
        credential,
        until=lambda c: sum(x["state"] == "anchored" for x in c["status"]["changes"]) == changes,
        what=f"{changes} anchored status change(s)",
    )


# --- employers -----------------------------------------------------------------------------------------
async def register_employer(
    http: httpx.AsyncClient, stack: Stack, name: str = "Pracodawca Sp. z o.o."
) -> dict:
    response = await http.post(
        "/v1/employers", json={"name": name}, headers={"X-API-Key": stack.operator_key_of("verifier")}
    )
    expect(response.status_code == 201, f"registering {name}: {response.text}")
    return {"X-API-Key": response.json()["api_key"]}


async def employer_agent(http: httpx.AsyncClient, stack: Stack, auth: dict[str, str]) -> AdminClient:
    """The employer's own wallet on the verifier agent (to look at its exchanges)."""
    me = (await http.get("/v1/employers/me", headers=auth)).json()
    return await stack.owner_agent("verifier", me["id"])


async def ask_and_answer(
    http: httpx.AsyncClient, auth: dict[str, str], stack: Stack, criteria: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """The employer asks, the learner's wallet scans the request's QR code and answers; returns the request
    in its final state."""
    response = await http.post("/v1/proof-requests", json={"criteria": criteria, **extra}, headers=auth)
    expect(response.status_code == 201, f"asking: {response.text}")
    request = response.json()
    await wallet_scans(stack, request["invitation_url"])

    async def current() -> dict[str, Any]:
        return (await http.get(f"/v1/proof-requests/{request['id']}", headers=auth)).json()

    return await eventually(current, until=lambda r: r["state"] in FINAL_REQUEST, what="a final report")


def outcome(request: dict[str, Any]) -> dict[str, str]:
    """Check id → status, for the first credential of the report."""
    return {c["id"]: c["status"] for c in request["report"]["credentials"][0]["checks"]}


def failures(request: dict[str, Any]) -> dict[str, str]:
    """Failed check id → the problem's detail, over every credential of the report."""
    report = request.get("report") or {"credentials": []}
    return {
        c["id"]: c["problem"]["detail"]
        for credential in report["credentials"]
        for c in credential["checks"]
        if c["status"] == "failed"
    }


# --- stacking ------------------------------------------------------------------------------------------
@dataclass
class TwoInstitutions:
    """Institution A awards a certificate made of A's part and an accredited B's part."""

    a: Enrolled
    b: Enrolled
    pathway: dict[str, Any]


async def two_institutions(
    http: httpx.AsyncClient, stack: Stack, tag: str, policy: str = "flag"
) -> TwoInstitutions:
    a = await accredited(http, stack, f"Uczelnia A {tag}")
    b = await accredited(http, stack, f"Instytut B {tag}")
    whole = await http.post(
        "/v1/templates",
        json=template_body(title={"pl": f"Certyfikat {tag}", "en": f"Certificate {tag}"}, ects=10),
        headers=a.auth,
    )
    expect(whole.status_code == 201, f"defining the certificate: {whole.text}")
    requirements = [
        {"name": "A's part", "achievement_ids": [a.template["achievement_id"]], "issuers": {"kind": "self"}},
        {"name": "B's part", "achievement_ids": [b.template["achievement_id"]]},
    ]
    created = await http.post(
        "/v1/pathways",
        json={"name": f"Certyfikat {tag}", "template_id": whole.json()["id"], "requirements": requirements,
              "policy": policy},
        headers=a.auth,
    )  # fmt: skip
    expect(created.status_code == 201, f"defining the pathway: {created.text}")
    return TwoInstitutions(a, b, created.json())


async def holds(http: httpx.AsyncClient, stack: Stack, who: Enrolled, email: str) -> dict[str, Any]:
    offer = await issue_to_learner(http, who.auth, who.template["id"], stack, {"email": email, "name": "Ola"})
    expect(offer["state"] == "issued", f"the part issued: {offer}")
    return offer


async def claim(http: httpx.AsyncClient, stack: Stack, s: TwoInstitutions, email: str) -> dict[str, Any]:
    """The learner claims the certificate; returns the claim once decided."""
    path = f"/v1/pathways/{s.pathway['id']}/claims"
    created = await http.post(path, json={"email": email, "name": "Ola"}, headers=s.a.auth)
    expect(created.status_code == 201, f"claiming: {created.text}")
    await wallet_scans(stack, created.json()["invitation_url"])

    async def current() -> dict[str, Any]:
        return (await http.get(f"{path}/{created.json()['id']}", headers=s.a.auth)).json()

    return await eventually(
        current,
        until=lambda c: c["state"] in ("awarded", "refused", "expired"),
        timeout=90,
        what="a decision",
    )


# --- the console -----------------------------------------------------------------------------------------
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token of a console page's form."""
    found = CSRF.search(page)
    expect(found is not None, "the page has no form with a CSRF token")
    assert found is not None
    return found.group(1)


async def console_sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    """What a member of staff does at the sign-in form; the client then holds the session cookie."""
    form = await client.get("/console/sign-in")
    return await client.post(
        "/console/sign-in", data={"csrf": csrf_of(form.text), "email": email, "password": password}
    )
