"""Starts ACA-Py agents on free loopback ports, waits until they are ready, starts a crashed one again as it
was, and stops them cleanly; and the restart policy the stack applies to every part it runs."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from aries_askar import Store

from .client import AdminClient
from .config import AgentLaunch, AgentRole, PostgresWallets
from .keyfiles import Redactor, secret_file
from .process import ManagedProcess, PortBook, ProcessError, retry_taken_port

__all__ = [
    "AgentSupervisor",
    "GaveUpError",
    "RestartPolicy",
    "Restarts",
    "RunningAgent",
    "keep_running",
]


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
    return secret_file(path, lambda: Store.generate_raw_key())


class _PublicListener(TypedDict, total=False):
    """What ``AgentLaunch`` is given when phones on the network must reach the agent."""

    host: str
    endpoint: str


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
        redact: Redactor | None = None,
    ):
        """``redact`` is shared with the caller's other processes: each agent's secrets are added to it, so
        no log of the stack repeats one."""
        self.data_dir = data_dir
        self.ready_timeout = ready_timeout
        self.env = dict(os.environ if env is None else env)
        self.client_timeout = client_timeout
        self.postgres = postgres
        self.public_host = public_host
        """Wallets on other devices (a phone on the same network) reach the agents' DIDComm listeners at
        this address; None keeps them on loopback."""
        self.redact = redact or Redactor()
        self.agents: dict[str, RunningAgent] = {}

    async def start(
        self,
        role: AgentRole,
        *,
        name: str | None = None,
        label: str | None = None,
        webhook_url: str | None = None,
        multitenant: bool = False,
    ) -> RunningAgent:
        """Start one agent and return once it is ready; a failure raises with the tail of its log.
        ``multitenant``: its users (institutions, employers) are tenants, each with its own wallet."""
        name = name or role.value
        if name in self.agents:
            raise ValueError(f"agent {name!r} is already running")
        agent = await retry_taken_port(
            lambda: self._start_once(role, name, label or name, webhook_url, multitenant)
        )
        self.agents[name] = agent
        return agent

    async def _start_once(
        self, role: AgentRole, name: str, label: str, webhook_url: str | None, multitenant: bool
    ) -> RunningAgent:
        home = self.data_dir / name
        ports = PortBook(home / "ports.json")
        admin_port, inbound_port = ports.port("admin"), ports.port("didcomm")
        public: _PublicListener = (
            {"host": "0.0.0.0", "endpoint": f"http://{self.public_host}:{inbound_port}"}  # noqa: S104
            if self.public_host
            else {}
        )
        launch = AgentLaunch(
            role=role,
            label=label,
            home=home,
            admin_port=admin_port,
            inbound_port=inbound_port,
            admin_api_key=secrets.token_urlsafe(24),
            wallet_key=wallet_key(home),
            webhook_url=webhook_url,
            postgres=self.postgres,
            wallet_name=name,
            jwt_secret=secret_file(home / "jwt.secret", lambda: secrets.token_urlsafe(32))
            if multitenant
            else None,
            **public,
        )
        self.redact.add(*launch.secrets)
        process = ManagedProcess(
            f"agent {name}", launch.argv, home / "agent.log", env=launch.env(self.env), redact=self.redact
        )
        client = AdminClient(
            launch.admin_url,
            launch.admin_api_key,
            timeout=self.client_timeout,
            liveness=process.death,
        )
        agent = RunningAgent(launch, process, 0.0, client)
        try:
            await self._run(agent)
        except BaseException:
            await client.aclose()
            raise
        return agent

    async def _run(self, agent: RunningAgent) -> None:
        await agent.process.start()
        try:
            agent.startup_seconds = await agent.process.wait_ready(agent.client.is_ready, self.ready_timeout)
        except BaseException:
            await agent.process.stop()
            raise

    async def restart(self, name: str) -> RunningAgent:
        """Start a crashed agent again as it was: the same ports, wallet and admin API key, so its
        controller's client, the webhooks and wallets' connections find it where they left it. A port
        someone took meanwhile fails the start (the caller's policy retries it)."""
        agent = self.agents[name]
        await self._run(agent)
        return agent

    async def stop(self, name: str) -> None:
        agent = self.agents.pop(name)
        await agent.client.aclose()
        await agent.process.stop()

    async def stop_all(self) -> None:
        for name in list(self.agents):
            await self.stop(name)


# --- restarts ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RestartPolicy:
    """A crashed part is started again after ``first_delay`` s, doubling with each crash that follows a
    short run, up to ``max_delay``; a part that ran ``healthy_after`` s starts from ``first_delay`` again.
    ``limit`` crashes within ``window`` s is a part that cannot run: the supervisor gives up."""

    first_delay: float = 0.5
    max_delay: float = 30.0
    healthy_after: float = 60.0
    limit: int = 5
    window: float = 60.0


class GaveUpError(ProcessError):
    """A part crashed too often in too short a time; the message says how often and why it last ended."""


@dataclass
class Restarts:
    """One part's history: how often it was started again and why it last ended."""

    policy: RestartPolicy = field(default_factory=RestartPolicy)
    count: int = 0
    last_exit: str | None = None
    _crashes: deque[float] = field(default_factory=deque, init=False, repr=False)
    _delay: float = field(default=0.0, init=False, repr=False)
    _up_since: float = field(default_factory=time.monotonic, init=False, repr=False)

    def crashed(self, reason: str, now: float | None = None) -> float | None:
        """Record a crash (or a failed start); the seconds to wait before the next start, or None to give
        up."""
        now = time.monotonic() if now is None else now
        self.last_exit = reason
        self._crashes.append(now)
        while self._crashes and self._crashes[0] <= now - self.policy.window:
            self._crashes.popleft()
        if len(self._crashes) >= self.policy.limit:
            return None
        if now - self._up_since >= self.policy.healthy_after:
            self._delay = 0.0
        self._delay = min(self.policy.max_delay, self._delay * 2 or self.policy.first_delay)
        self._up_since = float("inf")  # a failed start is no healthy run
        return self._delay

    def restarted(self, now: float | None = None) -> None:
        self.count += 1
        self._up_since = time.monotonic() if now is None else now


async def keep_running(
    process: ManagedProcess,
    start: Callable[[], Awaitable[object]],
    restarts: Restarts,
    changed: Callable[[], None] = lambda: None,
) -> None:
    """Each time ``process`` dies without being asked to stop, wait the policy's delay and ``start`` it
    again (ready when it returns; on failure it leaves nothing running and raises ``ProcessError``).
    Returns once the process is stopped by its owner; raises ``GaveUpError`` when the policy gives up.
    ``changed`` is told after every crash and restart (the stack rewrites its state file)."""
    while True:
        await process.wait()
        if (failure := process.death()) is None:
            return
        while True:
            delay = restarts.crashed(failure.reason)
            changed()
            if delay is None:
                policy = restarts.policy
                raise GaveUpError(
                    process.name,
                    f"crashed {policy.limit} times within {policy.window:.0f} s, not restarted again; "
                    f"last: {failure.reason}",
                    failure.log_tail,
                )
            await asyncio.sleep(delay)
            try:
                await start()
            except ProcessError as err:
                failure = err
                continue
            restarts.restarted()
            changed()
            break
