"""Starts ACA-Py agents on free loopback ports, waits until they are ready, and stops them cleanly."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from aries_askar import Store

from .client import AdminClient
from .config import AgentLaunch, AgentRole, PostgresWallets
from .keyfiles import secret_file
from .process import ManagedProcess, PortBook, retry_taken_port

__all__ = ["AgentSupervisor", "RunningAgent"]


@dataclass
class RunningAgent:
    launch: AgentLaunch
    process: ManagedProcess
    startup_seconds: float
    client: AdminClient = field(repr=False)

    @property
    def admin_url(self) -> str:
        return self.launch.admin_url

    @property
    def endpoint(self) -> str:
        return self.launch.didcomm_endpoint


def wallet_key(home: Path) -> str:
    """The wallet's raw key, made on first start and kept beside the wallet (mode 0600)."""
    path = home / "wallet.key"
    if not path.exists() and (home / "wallet").exists():
        raise FileNotFoundError(f"{home / 'wallet'} exists but its key {path} is gone")
    return secret_file(path, Store.generate_raw_key)


class AgentSupervisor:
    """Owns the agent processes of one data directory: ``<data_dir>/<name>/`` holds each wallet and log."""

    def __init__(
        self,
        data_dir: Path,
        *,
        ready_timeout: float = 60.0,
        env: dict[str, str] | None = None,
        client_timeout: float = 30.0,
        postgres: PostgresWallets | None = None,
        public_host: str | None = None,
    ):
        self.data_dir = data_dir
        self.ready_timeout = ready_timeout
        self.env = dict(os.environ if env is None else env)
        self.client_timeout = client_timeout
        self.postgres = postgres
        self.public_host = public_host
        """Wallets on other devices (a phone on the same network) reach the agents' DIDComm listeners at
        this address; None keeps them on loopback."""
        self.agents: dict[str, RunningAgent] = {}

    async def start(
        self,
        role: AgentRole,
        *,
        name: str | None = None,
        label: str | None = None,
        webhook_url: str | None = None,
    ) -> RunningAgent:
        """Start one agent and return once it is ready; a failure raises with the tail of its log."""
        name = name or role.value
        if name in self.agents:
            raise ValueError(f"agent {name!r} is already running")
        agent = await retry_taken_port(lambda: self._start_once(role, name, label or name, webhook_url))
        self.agents[name] = agent
        return agent

    async def _start_once(
        self, role: AgentRole, name: str, label: str, webhook_url: str | None
    ) -> RunningAgent:
        home = self.data_dir / name
        ports = PortBook(home / "ports.json")
        launch = AgentLaunch(
            role=role,
            label=label,
            home=home,
            admin_port=ports.port("admin"),
            inbound_port=ports.port("didcomm"),
            admin_api_key=secrets.token_urlsafe(24),
            wallet_key=wallet_key(home),
            webhook_url=webhook_url,
            postgres=self.postgres,
            **(
                {"host": "0.0.0.0", "endpoint": f"http://{self.public_host}:{ports.port('didcomm')}"}  # noqa: S104
                if self.public_host
                else {}
            ),
        )
        process = ManagedProcess(f"agent {name}", launch.argv, home / "agent.log", env=launch.env(self.env))
        client = AdminClient(
            launch.admin_url,
            launch.admin_api_key,
            timeout=self.client_timeout,
            liveness=process.death,
        )
        await process.start()
        try:
            seconds = await process.wait_ready(client.is_ready, self.ready_timeout)
        except BaseException:
            await client.aclose()
            await process.stop()
            raise
        return RunningAgent(launch, process, seconds, client)

    async def stop(self, name: str) -> None:
        agent = self.agents.pop(name)
        await agent.client.aclose()
        await agent.process.stop()

    async def stop_all(self) -> None:
        for name in list(self.agents):
            await self.stop(name)
