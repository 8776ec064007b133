"""MCRED_PUBLIC_HOST: the stack serves a phone on the local network — agents and pages listen on every
interface and advertise this machine's address (here: its own LAN address, reached by the wallet stand-in)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mcred.scenario import enrol, issue_to_learner, scan
from mcred.settings import StackSettings
from mcred.stack import Stack


def lan_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.fixture(scope="module")
async def lan_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Stack, str]]:
    address = lan_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    settings = StackSettings(
        data_dir=Path(tmp_path_factory.mktemp("lan")), chain_port=0, issuer_port=0, verifier_port=0,
        public_host=address,
    )  # fmt: skip
    stack = Stack(settings)
    await stack.up()
    yield stack, address
    await stack.down()


async def test_invitations_and_pages_use_the_lan_address(lan_stack: tuple[Stack, str]) -> None:
    stack, address = lan_stack
    issuer_port = stack.components["issuer"].url.rsplit(":", 1)[1]
    async with httpx.AsyncClient(base_url=f"http://{address}:{issuer_port}", timeout=30) as issuer:
        enrolled = await enrol(issuer, stack.operator_key)
        created = await issuer.post(
            "/v1/offers", json={"template_id": enrolled.template["id"]}, headers=enrolled.auth
        )
        offer = created.json()
        assert offer["page_url"].startswith(f"http://{address}:")
        assert scan(offer["invitation_url"])["services"][0]["serviceEndpoint"].startswith(
            f"http://{address}:"
        )
        assert (await issuer.get(offer["page_url"])).status_code == 200
        issued = await issue_to_learner(
            issuer, enrolled.auth, enrolled.template["id"], stack, {"name": "Phone"}
        )
    assert issued["state"] == "issued"
