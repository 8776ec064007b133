"""The embedded default stack on one machine: anvil, three ACA-Py agents and both controllers.

Started in dependency order (chain and agents side by side, then the controllers that drive the agents),
stopped in reverse; a state file lets ``mcred status`` and ``mcred down`` find a stack started elsewhere.
A part that crashes is started again on its port while the others keep serving (``RestartPolicy``); only a
part that keeps crashing ends the stack (``wait_for_failure``). Secrets reach the parts in their environment,
never on a command line, and no log repeats one.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from agent.client import AdminClient
from agent.config import AgentRole, PostgresWallets
from agent.keyfiles import Redactor, private_dir, secret_file, tighten, write_private
from agent.process import (
    ManagedProcess,
    PortBook,
    ProcessError,
    listening_socket,
    pid_alive,
    retry_taken_port,
    rss_bytes,
)
from agent.supervisor import AgentSupervisor, RestartPolicy, Restarts, RunningAgent, keep_running
from common.agents import MAIN_SHARD, Agents, Tenancy
from revocation.chain import ChainClient
from revocation.deploy import ensure_deployed

from .anvil import ANVIL_DEPLOYER_KEY, ANVIL_ISSUER_KEY, anvil_argv, anvil_binary, chain_id, has_code
from .settings import StackSettings

__all__ = [
    "Stack",
    "StackError",
    "ComponentInfo",
    "read_state",
    "probe_state",
    "stop_recorded_stack",
]

STATE_FILE = "stack.json"


class StackError(Exception):
    """The stack cannot do what was asked (already running, not running, a component failed)."""


@dataclass
class ComponentInfo:
    name: str
    kind: str
    """chain, agent or controller: decides how ``probe_state`` checks it."""
    url: str
    pid: int
    log: str
    startup_seconds: float
    restarts: int = 0
    """How often it was started again after a crash."""
    last_exit: str | None = None
    """Why it last ended on its own (``exited with code -9 (SIGKILL)``), None if it never did."""


class Stack:
    def __init__(self, settings: StackSettings):
        self.settings = settings
        self.data_dir = settings.data_dir.resolve()
        self.postgres = (
            PostgresWallets(settings.postgres_url, database_prefix(self.data_dir))
            if settings.database == "postgres"
            else None
        )
        self.redact = Redactor([ANVIL_DEPLOYER_KEY, ANVIL_ISSUER_KEY])
        """Every secret of the stack, scrubbed from every part's log."""
        if settings.database == "postgres" and (password := urlsplit(settings.postgres_url).password):
            self.redact.add(password)
        self.agents = AgentSupervisor(
            self.data_dir / "agents",
            ready_timeout=settings.ready_timeout,
            postgres=self.postgres,
            public_host=settings.public_host,
            redact=self.redact,
        )
        self.restart_policy = RestartPolicy(limit=settings.restart_limit, window=settings.restart_window)
        self.components: dict[str, ComponentInfo] = {}
        self.ports = PortBook(self.data_dir / "ports.json")
        self.contracts: dict[str, str] = {}
        """Registry addresses on the local chain (deployed on first start, kept with its state)."""
        self._processes: dict[str, ManagedProcess] = {}
        self._sockets: dict[str, socket.socket] = {}
        """Controllers' listening sockets, held from the moment their ports are chosen until the stack
        stops: a restarted controller serves on the same one; meanwhile callers queue, not refused."""
        self._controller_ports: dict[str, int] = {}
        """Each controller's port, once chosen (kept across its restarts)."""
        self._ready: dict[str, Callable[[], Awaitable[bool]]] = {}
        """How each part started here (not agents: their supervisor knows) says it answers."""
        self._watchers: dict[str, asyncio.Task[None]] = {}
        self._started = ""
        self._failure: asyncio.Future[ProcessError] | None = None
        self._http: httpx.AsyncClient | None = None

    def operator_key_path(self, controller: str = "issuer") -> Path:
        return self.data_dir / controller / "operator.key"

    def operator_key_of(self, controller: str) -> str:
        """A controller's operator API key (registers institutions, or employers), made on first start."""
        key = secret_file(self.operator_key_path(controller), lambda: "mco_" + secrets.token_urlsafe(32))
        self.redact.add(key)
        return key

    def tenant_key_of(self, controller: str) -> str:
        """Seals the controller's stored tenant tokens (``common.agents``), made on first start."""
        key = secret_file(self.data_dir / controller / "tenant.key", lambda: secrets.token_urlsafe(32))
        self.redact.add(key)
        return key

    @property
    def operator_key(self) -> str:
        return self.operator_key_of("issuer")

    @property
    def state_path(self) -> Path:
        return self.data_dir / STATE_FILE

    async def up(self) -> dict[str, ComponentInfo]:
        """Start everything and return once every component answers; on failure nothing is left running."""
        private_dir(self.data_dir)
        tighten(self.data_dir)  # a data directory from before modes were private
        running = read_state(self.data_dir)
        if running and pid_alive(running["pid"]):
            raise StackError(
                f"a stack is already running from {self.data_dir} (pid {running['pid']}): "
                "'mcred down' stops it"
            )
        self._http = httpx.AsyncClient(timeout=5)
        self._failure = asyncio.get_running_loop().create_future()
        self._started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        s = self.settings
        try:
            issuer_port = self._reserve_port("issuer")
            verifier_port = self._reserve_port("verifier")
            async with asyncio.TaskGroup() as group:
                group.create_task(self._start_chain())
                issuer_hook = f"http://{s.host}:{issuer_port}/webhooks"
                for name in self.issuer_shards.values():
                    group.create_task(self._start_agent(AgentRole.ISSUER, issuer_hook, name))
                group.create_task(
                    self._start_agent(AgentRole.VERIFIER, f"http://{s.host}:{verifier_port}/webhooks")
                )
                group.create_task(self._start_agent(AgentRole.LEARNER, None))
            async with asyncio.TaskGroup() as group:
                group.create_task(self._start_controller("issuer"))
                group.create_task(self._start_controller("verifier"))
        except BaseExceptionGroup as group_error:
            await self.down()
            first = group_error.exceptions[0]
            if isinstance(first, ProcessError | OSError):
                raise StackError(str(first)) from first
            raise first from None
        except BaseException:
            await self.down()
            raise
        for name in self.components:
            self._watch(name)
        self._write_state()
        return self.components

    async def down(self) -> None:
        """Controllers first, then agents, then the chain: each stops before what it depends on."""
        await self._unwatch(*self._watchers)
        for kind in ("controller", "agent", "chain"):
            names = [n for n, c in self.components.items() if c.kind == kind]
            if kind == "agent":
                await self.agents.stop_all()
            else:
                await asyncio.gather(*(self._processes[n].stop() for n in names))
            for name in names:
                self.components.pop(name)
                self._processes.pop(name, None)
        for sock in self._sockets.values():
            sock.close()
        self._sockets.clear()
        self.state_path.unlink(missing_ok=True)
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def stop_part(self, name: str) -> None:
        """Stop one part alone (``chain``, a controller or an agent such as ``issuer-shard-2-agent``), its
        state kept, its port released: an outage, as the other parts see it (not restarted: it did not
        crash)."""
        await self._unwatch(name)
        await self._processes.pop(name).stop()
        self.components.pop(name)
        if (sock := self._sockets.pop(name, None)) is not None:
            sock.close()

    async def start_part(self, name: str) -> None:
        """Start it again on the same port (after ``stop_part``)."""
        if name == "chain":
            await self._start_chain()
        elif name.endswith("-agent"):
            self._record_agent(name, await self.agents.restart(name.removesuffix("-agent")))
        else:
            self._reserve_port(name)
            await self._start_controller(name)
        self._watch(name)
        self._write_state()

    async def wait_for_failure(self) -> ProcessError:
        """Until a part crashed too often to be started again (``RestartPolicy``); returns why, with the
        tail of its log. Crashes before that are restarts, not failures."""
        return await asyncio.shield(self._failure)

    # --- supervision -----------------------------------------------------------------------------
    def _watch(self, name: str) -> None:
        """Restart ``name`` whenever it dies on its own, as the policy allows."""
        info, process = self.components[name], self._processes[name]
        restarts = Restarts(self.restart_policy)
        if info.kind == "agent":
            agent = name.removesuffix("-agent")

            async def start() -> None:
                await self.agents.restart(agent)
        elif info.kind == "chain":
            start = self._restart_chain
        else:

            async def start() -> None:
                await self._run(name)

        def changed() -> None:
            info.pid, info.restarts, info.last_exit = process.pid, restarts.count, restarts.last_exit
            self._write_state()

        async def supervise() -> None:
            try:
                await keep_running(process, start, restarts, changed)
            except ProcessError as err:
                self._fail(err)
            except Exception as err:  # a bug in supervision must stop the stack, loudly, not go unseen
                self._fail(ProcessError(name, f"could not be restarted: {err!r}", process.log_tail()))

        self._watchers[name] = asyncio.create_task(supervise(), name=f"supervise {name}")

    def _fail(self, err: ProcessError) -> None:
        if not self._failure.done():
            self._failure.set_result(err)

    async def _unwatch(self, *names: str) -> None:
        tasks = [self._watchers.pop(n) for n in names if n in self._watchers]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _restart_chain(self) -> None:
        """anvil again on its port, from its state file; a node that came back without the registries lost
        its state, and the controllers' addresses point at nothing: that is no restart."""
        await self._run("chain")
        process, url = self._processes["chain"], self.components["chain"].url
        try:
            missing = [n for n, at in self.contracts.items() if not await has_code(self._http, url, at)]
        except (httpx.HTTPError, ValueError) as err:
            why = f"stopped answering right after its restart ({err!r})"
        else:
            state = self.data_dir / "chain" / "anvil-state.json"
            why = missing and f"came back without its state: no {' or '.join(missing)} (state file {state})"
        if why:
            await process.stop()
            raise ProcessError("chain", why, process.log_tail())

    # --- components ---------------------------------------------------------------------------
    def _reserve_port(self, controller: str) -> int:
        """Hold the controller's port from now until the stack stops: the agents started meanwhile already
        carry its webhook URL, so the port cannot change if someone takes it, nor while it restarts."""
        s = self.settings
        port = self.ports.port(controller, getattr(s, f"{controller}_port"))
        self._sockets[controller] = listening_socket(self._listen_host, port)
        self._controller_ports[controller] = port
        return port

    def _outbound_allow(self, controller: str) -> str:
        """The embedded issuer serves its status lists on this machine's loopback (or LAN) address, which
        requests made on a credential's say-so may otherwise not reach (``common.outbound``): name that
        origin, and what the operator allows besides (``MCRED_<CONTROLLER>_OUTBOUND_ALLOW``)."""
        s, port = self.settings, self._controller_ports["issuer"]
        own = [f"{host}:{port}" for host in dict.fromkeys([s.host, s.public_host]) if host]
        extra = os.environ.get(f"MCRED_{controller.upper()}_OUTBOUND_ALLOW", "")
        return ",".join([*own, extra] if extra else own)

    @property
    def _listen_host(self) -> str:
        """All interfaces when a phone on the network opens the pages."""
        return "0.0.0.0" if self.settings.public_host else self.settings.host  # noqa: S104

    async def _start_chain(self) -> None:
        s = self.settings
        chain_dir = private_dir(self.data_dir / "chain")
        binary = s.anvil_bin or anvil_binary()

        async def start() -> str:
            port = self.ports.port("chain", s.chain_port)
            url = f"http://{s.host}:{port}"
            argv = anvil_argv(binary, s.host, port, s.chain_id, chain_dir / "anvil-state.json")

            async def ready() -> bool:
                return await chain_id(self._http, url) == s.chain_id

            await self._start_process("chain", "chain", url, argv, chain_dir / "anvil.log", ready)
            return url

        url = await retry_taken_port(start)
        client = ChainClient(url, ANVIL_DEPLOYER_KEY)
        try:
            self.contracts = await ensure_deployed(client, chain_dir / "deployments.json")
        finally:
            await client.aclose()
        tighten(chain_dir)  # revocation.deploy writes deployments.json with the default mode

    @property
    def issuer_shards(self) -> dict[str, str]:
        """Shard name → its agent's name: ``main`` is the ``issuer`` agent, then ``shard-2`` …"""
        extra = range(2, self.settings.issuer_shards + 1)
        return {MAIN_SHARD: "issuer", **{f"shard-{k}": f"issuer-shard-{k}" for k in extra}}

    async def _start_agent(self, role: AgentRole, webhook_url: str | None, name: str | None = None) -> None:
        tenants = self.settings.tenancy and role != AgentRole.LEARNER
        agent = await self.agents.start(role, name=name, webhook_url=webhook_url, multitenant=tenants)
        self._record_agent(f"{name or role.value}-agent", agent)

    def _record_agent(self, name: str, agent: RunningAgent) -> None:
        self._processes[name] = agent.process
        self.components[name] = ComponentInfo(
            name, "agent", agent.admin_url, agent.process.pid,
            str(agent.process.log_path), round(agent.startup_seconds, 2),
        )  # fmt: skip

    async def _controller_env(self, name: str, url: str) -> dict[str, str]:
        """The controller's settings (``MCRED_<NAME>_*``): its secrets live in its environment only."""
        s = self.settings
        agent = self.agents.agents[name].launch
        settings = {
            "AGENT_ADMIN_URL": agent.admin_url,
            "AGENT_ADMIN_API_KEY": agent.admin_api_key,
            "DATABASE_URL": await self.database_url(name),
            "PUBLIC_URL": f"http://{s.public_host}:{self._controller_ports[name]}" if s.public_host else url,
        }
        settings["ADMIN_API_KEY"] = self.operator_key_of(name)
        settings["TENANCY"] = str(s.tenancy).lower()
        settings["TENANT_KEY"] = self.tenant_key_of(name)
        if name == "issuer":
            shards = [
                {"name": shard, "admin_url": self.agents.agents[agent_name].admin_url,
                 "admin_api_key": self.agents.agents[agent_name].launch.admin_api_key}
                for shard, agent_name in self.issuer_shards.items() if shard != MAIN_SHARD
            ]  # fmt: skip
            settings["AGENT_SHARDS"] = json.dumps(shards)
        settings["CHAIN_RPC_URL"] = self.components["chain"].url
        settings["STATUS_REGISTRY"] = self.contracts["StatusRegistry"]
        settings["ISSUER_REGISTRY"] = self.contracts["IssuerRegistry"]
        if name == "issuer":
            settings["CHAIN_KEY"] = ANVIL_ISSUER_KEY
        settings["OUTBOUND_ALLOW"] = self._outbound_allow(name)
        return {**os.environ, **{f"MCRED_{name.upper()}_{k}": v for k, v in settings.items()}}

    async def _start_controller(self, name: str, instance: str | None = None) -> None:
        """Serves on the socket ``_reserve_port`` holds, handed over to uvicorn (``--fd``). ``instance`` names
        a further instance of the same controller (its own port, the same database, agent and public URL, as
        behind a load balancer)."""
        part = instance or name
        sock = self._sockets[part]
        url = f"http://{self.settings.host}:{sock.getsockname()[1]}"
        env = await self._controller_env(name, self.components[name].url if instance else url)
        argv = [
            sys.executable, "-m", "uvicorn", f"{name}_controller.main:create_app", "--factory",
            "--fd", str(sock.fileno()),
        ]  # fmt: skip

        async def ready() -> bool:
            try:
                return (await self._http.get(f"{url}/health")).status_code == 200
            except httpx.HTTPError:
                return False

        log = self.data_dir / name / f"{part}.log" if instance else self.data_dir / name / "controller.log"
        await self._start_process(part, "controller", url, argv, log, ready, env, (sock.fileno(),))

    async def add_instance(self, name: str, instance: str) -> ComponentInfo:
        """Another instance of a running controller (``issuer-2``), supervised like the rest."""
        self._sockets[instance] = listening_socket(self._listen_host, 0)
        await self._start_controller(name, instance)
        self._watch(instance)
        self._write_state()
        return self.components[instance]

    async def controller_command(self, name: str, module: str) -> str:
        """``python -m <module>`` with a running controller's settings (e.g. ``issuer_controller.tenants``):
        what ``docker compose run --rm issuer python -m …`` is in compose. Returns its output; raises with it
        when the command fails."""
        env = await self._controller_env(name, self.components[name].url)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output = self.redact((await process.communicate())[0].decode())
        if process.returncode:
            raise StackError(f"{module} failed (exit {process.returncode}):\n{output}")
        return output

    async def own_wallet(self, agent: str, name: str) -> AdminClient:
        """A wallet of its own on one of the stack's agents, for a test or the bench to act as a raw ACA-Py
        controller would: a new tenant when the agent is multitenant, else its one wallet."""
        running = self.agents.agents[agent]
        if not running.launch.multitenant:
            return running.client
        _, token = await running.client.create_tenant(f"{name}-{secrets.token_hex(4)}", label=name)
        return running.client.as_tenant(token)

    async def owner_agent(self, controller: str, owner_id: str) -> AdminClient:
        """An institution's (``issuer``) or employer's (``verifier``) own wallet on its shard, reached as its
        controller reaches it: for tests and the bench, which look inside. Closing it closes nothing."""
        table = {"issuer": "institutions", "verifier": "employers"}[controller]
        engine = create_async_engine(await self.database_url(controller))
        try:
            async with engine.connect() as connection:
                row = (
                    await connection.execute(
                        text(f"SELECT agent_shard, wallet_id, wallet_token FROM {table} WHERE id = :id"),  # noqa: S608
                        {"id": owner_id},
                    )
                ).one()
        finally:
            await engine.dispose()
        shards = self.issuer_shards if controller == "issuer" else {MAIN_SHARD: "verifier"}
        running = {shard: self.agents.agents[name] for shard, name in shards.items()}
        agents = Agents(
            {shard: (agent.client, agent.launch.admin_api_key) for shard, agent in running.items()},
            tenancy=self.settings.tenancy,
            tenant_key=self.tenant_key_of(controller),
        )
        return agents.of(Tenancy(*row))

    async def database_url(self, controller: str) -> str:
        """A SQLite file under the data directory, or the controller's own PostgreSQL database."""
        if self.postgres is None:
            return f"sqlite+aiosqlite:///{self.data_dir / controller / f'{controller}.db'}"
        name = f"{self.postgres.prefix}_{controller}"
        await ensure_database(self.settings.postgres_url, name)
        return self.settings.postgres_url.replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"

    async def _start_process(
        self,
        name: str,
        kind: str,
        url: str,
        argv: list[str],
        log: Path,
        ready: Callable[[], Awaitable[bool]],
        env: dict[str, str] | None = None,
        pass_fds: tuple[int, ...] = (),
    ) -> None:
        process = ManagedProcess(name, argv, log, env=env, pass_fds=pass_fds, redact=self.redact)
        self._processes[name] = process
        self.components[name] = ComponentInfo(name, kind, url, 0, str(log), 0.0)
        self._ready[name] = ready
        await self._run(name)

    async def _run(self, name: str) -> None:
        """Start the part's process and return once it answers; on failure nothing of it is left running."""
        process, info = self._processes[name], self.components[name]
        await process.start()
        info.pid = process.pid
        try:
            seconds = await process.wait_ready(self._ready[name], self.settings.ready_timeout)
        except BaseException:
            await process.stop()
            raise
        info.startup_seconds = round(seconds, 2)

    def _write_state(self) -> None:
        state = {
            "pid": os.getpid(),
            "started": self._started,
            "components": {n: asdict(c) for n, c in self.components.items()},
        }
        write_private(self.state_path, json.dumps(state, indent=2))


def database_prefix(data_dir: Path) -> str:
    """Databases of one stack share a prefix derived from its data directory: two stacks never collide."""
    return "mcred_" + hashlib.sha256(str(data_dir).encode()).hexdigest()[:10]


async def ensure_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(f"{server_url}/postgres")
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_databases(server_url: str, prefix: str) -> list[str]:
    """Every database of a stack (its controllers' and its wallets'): for tests and ``mcred`` clean-up."""
    connection = await asyncpg.connect(f"{server_url}/postgres")
    try:
        names = [
            r["datname"]
            for r in await connection.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE $1", prefix + "_%"
            )
        ]
        for name in names:
            await connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await connection.close()
    return names


def read_state(data_dir: Path) -> dict | None:
    try:
        return json.loads((data_dir / STATE_FILE).read_text())
    except FileNotFoundError:
        return None


async def probe_state(state: dict) -> list[dict]:
    """What runs now, per component of a recorded stack: alive, answering, and its memory."""
    rows = []
    async with httpx.AsyncClient(timeout=3) as http:
        for info in state["components"].values():
            alive = pid_alive(info["pid"])
            answering = alive and await _answers(http, info)
            rss = rss_bytes(info["pid"]) if alive else None
            rows.append({**info, "alive": alive, "answering": answering, "rss_bytes": rss})
    return rows


async def _answers(http: httpx.AsyncClient, info: dict) -> bool:
    if info["kind"] == "chain":
        return await chain_id(http, info["url"]) is not None
    path = "/status/ready" if info["kind"] == "agent" else "/health"
    try:
        return (await http.get(info["url"] + path)).status_code == 200
    except httpx.HTTPError:
        return False


def stop_recorded_stack(state: dict, timeout: float = 30.0) -> list[str]:
    """Ask the ``mcred up`` process to stop (SIGTERM) and wait for it; force what it left behind.

    Returns the names of components that had to be killed.
    """
    deadline = time.monotonic() + timeout
    if pid_alive(state["pid"]):
        os.kill(state["pid"], signal.SIGTERM)
        while pid_alive(state["pid"]) and time.monotonic() < deadline:
            time.sleep(0.1)
    forced = []
    for info in state["components"].values():
        if pid_alive(info["pid"]):
            forced.append(info["name"])
            try:
                os.killpg(info["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass
    return forced
