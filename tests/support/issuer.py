"""An institution registered with the issuer controller, with one microcredential defined."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tests.support.templates import template_body


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
