"""An institution registered with the issuer controller, with one microcredential defined."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from mcred.stack import Stack
from tests.support.flows import eventually, scan
from tests.support.templates import template_body

DEADLINE = 60


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
    assert response.status_code == 201, response.text
    institution = response.json()
    created = await http.post(
        "/v1/templates", json=template_body(), headers={"X-API-Key": institution["api_key"]}
    )
    assert created.status_code == 201, created.text
    return Enrolled(institution, created.json())


async def offer_until_final(issuer: httpx.AsyncClient, auth: dict[str, str], offer_id: str) -> dict[str, Any]:
    async def offer() -> dict[str, Any]:
        return (await issuer.get(f"/v1/offers/{offer_id}", headers=auth)).json()

    return await eventually(
        offer,
        until=lambda o: o["state"] in ("issued", "failed", "expired"),
        timeout=DEADLINE,
        what="a final state",
    )


async def issue_to_learner(
    issuer: httpx.AsyncClient, auth: dict[str, str], template_id: str, stack: Stack, learner: dict[str, str]
) -> dict[str, Any]:
    """An offer the learner scans with the wallet stand-in; returns the offer in its final state."""
    response = await issuer.post(
        "/v1/offers",
        json={"template_id": template_id, "learner": learner, "award": {"grade": "5.0"}},
        headers=auth,
    )
    assert response.status_code == 201, response.text
    offer = response.json()
    assert offer["state"] == "invited"
    assert offer["invitation_url"].startswith("http")
    await stack.agents.agents["learner"].client.receive_invitation(scan(offer["invitation_url"]))
    return await offer_until_final(issuer, auth, offer["id"])
