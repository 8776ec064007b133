"""Shared fixtures: real agents are started once per session and shared where isolation allows."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from agent.config import AgentRole
from agent.process import listening_socket
from agent.supervisor import AgentSupervisor, RunningAgent
from mcred.settings import StackSettings
from mcred.stack import Stack
from tests.support.mail import Inbox
from tests.support.netguard import NetworkGuard
from tests.support.webhooks import WebhookCollector


@pytest.fixture(scope="session")
async def network_guard() -> AsyncIterator[NetworkGuard]:
    guard = NetworkGuard()
    await guard.start()
    yield guard
    await guard.stop()


@pytest.fixture(scope="session")
async def webhooks() -> AsyncIterator[WebhookCollector]:
    collector = WebhookCollector()
    await collector.start()
    yield collector
    await collector.stop()


@pytest.fixture(scope="session")
async def supervisor(
    tmp_path_factory: pytest.TempPathFactory, network_guard: NetworkGuard
) -> AsyncIterator[AgentSupervisor]:
    """Agents whose every network access outside loopback is recorded by ``network_guard``."""
    sup = AgentSupervisor(Path(tmp_path_factory.mktemp("agents")), env={**os.environ, **network_guard.env})
    yield sup
    await sup.stop_all()


@pytest.fixture(scope="session")
async def agents(supervisor: AgentSupervisor, webhooks: WebhookCollector) -> dict[str, RunningAgent]:
    """An institution's, an employer's and a learner's (wallet stand-in) agents, started side by side."""
    roles = [AgentRole.ISSUER, AgentRole.VERIFIER, AgentRole.LEARNER]
    started = await asyncio.gather(
        *(supervisor.start(role, webhook_url=webhooks.url(role.value)) for role in roles)
    )
    return {role.value: agent for role, agent in zip(roles, started, strict=True)}


@pytest.fixture(scope="session")
def callback_socket() -> Iterator[socket.socket]:
    """A loopback port an employer's callback server listens on in tests: the one private address the
    shared verifier may call besides its issuer (``MCRED_VERIFIER_OUTBOUND_ALLOW``, set before it starts)."""
    sock = listening_socket("127.0.0.1", 0)
    os.environ["MCRED_VERIFIER_OUTBOUND_ALLOW"] = f"127.0.0.1:{sock.getsockname()[1]}"
    yield sock
    os.environ.pop("MCRED_VERIFIER_OUTBOUND_ALLOW", None)
    sock.close()


@pytest.fixture(scope="session")
async def inbox() -> AsyncIterator[Inbox]:
    """A real SMTP server (no TLS, on loopback) the shared stack's controllers send through (invitations,
    password links: ``MCRED_<CONTROLLER>_SMTP_*``, set before it starts)."""
    server = Inbox()
    port = await server.start()
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_SECURITY": "none"}
    names = {
        f"MCRED_{controller}_{k}": v
        for controller in ("ISSUER", "VERIFIER")
        for k, v in {**settings, "MAIL_FROM": "Politechnika <no-reply@mcred.test>"}.items()
    }
    os.environ.update(names)
    yield server
    for name in names:
        os.environ.pop(name, None)
    await server.stop()


@pytest.fixture(scope="session")
async def stack(
    tmp_path_factory: pytest.TempPathFactory, callback_socket: socket.socket, inbox: Inbox
) -> AsyncIterator[Stack]:
    """The whole embedded stack (anvil, three agents, both controllers) on free ports, shared."""
    settings = StackSettings(
        data_dir=Path(tmp_path_factory.mktemp("stack")), chain_port=0, issuer_port=0, verifier_port=0
    )
    running = Stack(settings)
    await running.up()
    yield running
    await running.down()


@pytest.fixture(scope="module")
async def issuer(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the shared stack's issuer controller."""
    async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
async def verifier(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the shared stack's verifier controller."""
    async with httpx.AsyncClient(base_url=stack.components["verifier"].url, timeout=30) as http:
        yield http


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tiers by folder, so ``-m "not e2e"`` or ``tests/unit`` select the fast ones."""
    for item in items:
        tier = Path(str(item.path)).parent.name
        if tier in ("integration", "e2e"):
            item.add_marker(getattr(pytest.mark, tier))
