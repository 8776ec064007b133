"""Each image's entrypoint command, run outside Docker as the image would run it: the agent from
``MCRED_AGENT_*`` (wallet in PostgreSQL, as in compose; its secrets handed to ACA-Py in the environment, never
on its command line) and a controller by uvicorn's factory."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from agent.client import AdminClient
from agent.process import ManagedProcess, free_port, retry_taken_port
from mcred.stack import drop_databases
from tests.support import stacks

PREFIX = "mcred_entrypoint"
ADMIN_KEY = "entrypoint-admin-key"
WALLET_KEY = "3LgQ2jD6f4o9G1uJmL4pZzRk2x7tWv8Yc5Nq1bHs9aEd"


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def environ(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(e.decode().split("=", 1) for e in entries if b"=" in e)


@pytest.fixture
async def postgres() -> str:
    await stacks.require_postgres()
    yield stacks.POSTGRES
    await drop_databases(stacks.POSTGRES, PREFIX)


async def test_agent_and_controller_entrypoints(postgres: str, tmp_path: Path) -> None:
    async def start_agent() -> tuple[ManagedProcess, AdminClient, int]:
        admin, inbound = free_port(), free_port()
        env = {
            **os.environ,
            "MCRED_AGENT_ROLE": "verifier",
            "MCRED_AGENT_HOME": str(tmp_path / "agent"),
            "MCRED_AGENT_ADMIN_HOST": "127.0.0.1",
            "MCRED_AGENT_ADMIN_PORT": str(admin),
            "MCRED_AGENT_INBOUND_PORT": str(inbound),
            "MCRED_AGENT_ENDPOINT": f"http://127.0.0.1:{inbound}",
            "MCRED_AGENT_ADMIN_API_KEY": ADMIN_KEY,
            "MCRED_AGENT_WALLET_KEY": WALLET_KEY,
            "MCRED_AGENT_POSTGRES_URL": postgres,
            "MCRED_AGENT_POSTGRES_PREFIX": PREFIX,
        }
        agent = ManagedProcess(
            "agent", [sys.executable, "-m", "agent.launch"], tmp_path / "agent.log", env=env
        )
        client = AdminClient(f"http://127.0.0.1:{admin}", ADMIN_KEY, liveness=agent.death)
        await agent.start()
        try:
            await agent.wait_ready(client.is_ready, 90)
        except BaseException:
            await client.aclose()
            await agent.stop()
            raise
        return agent, client, admin

    agent, client, admin = await retry_taken_port(start_agent)
    secrets = [ADMIN_KEY, WALLET_KEY, *([password] if (password := urlsplit(postgres).password) else [])]
    try:
        assert not [s for s in secrets if s in cmdline(agent.pid)], cmdline(agent.pid)
        handed = environ(agent.pid)
        assert handed["ACAPY_ADMIN_API_KEY"] == ADMIN_KEY and handed["ACAPY_WALLET_KEY"] == WALLET_KEY
        assert not [k for k in handed if k.startswith("MCRED_AGENT_")], "our copies stay behind"
        assert not [s for s in secrets if s in agent.log_path.read_text()]
        controller_env = {
            **os.environ,
            "MCRED_VERIFIER_AGENT_ADMIN_URL": f"http://127.0.0.1:{admin}",
            "MCRED_VERIFIER_AGENT_ADMIN_API_KEY": ADMIN_KEY,
            "MCRED_VERIFIER_ADMIN_API_KEY": "entrypoint-operator",
            "MCRED_VERIFIER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'verifier.db'}",
        }

        async def start_controller() -> None:
            controller = free_port()
            argv = [
                sys.executable, "-m", "uvicorn", "--factory", "--host", "127.0.0.1",
                "verifier_controller.main:create_app", "--port", str(controller),
            ]  # fmt: skip
            web = ManagedProcess("verifier", argv, tmp_path / "verifier.log", env=controller_env)
            await web.start()
            try:
                async with httpx.AsyncClient() as http:

                    async def healthy() -> bool:
                        try:
                            response = await http.get(f"http://127.0.0.1:{controller}/health")
                        except httpx.HTTPError:
                            return False
                        return response.status_code == 200

                    await web.wait_ready(healthy, 60)
                assert ADMIN_KEY not in cmdline(web.pid) and "entrypoint-operator" not in cmdline(web.pid)
            finally:
                await web.stop()

        await retry_taken_port(start_controller)
    finally:
        await client.aclose()
        await agent.stop()


async def test_the_agent_entrypoint_shows_its_command_without_a_secret() -> None:
    env = {
        **os.environ,
        "MCRED_AGENT_ROLE": "issuer",
        "MCRED_AGENT_ENDPOINT": "https://issuer.example.pl/didcomm",
        "MCRED_AGENT_ADMIN_API_KEY": ADMIN_KEY,
        "MCRED_AGENT_WALLET_KEY": WALLET_KEY,
        "MCRED_AGENT_POSTGRES_URL": "postgresql://mcred:pg-password-1@postgres:5432",
    }
    shown = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "agent.launch", "--print", env=env, stdout=asyncio.subprocess.PIPE
    )
    out = (await asyncio.wait_for(shown.communicate(), 60))[0].decode()
    assert shown.returncode == 0 and "acapy_agent start" in out and "postgres_storage" in out
    assert not [s for s in (ADMIN_KEY, WALLET_KEY, "pg-password-1") if s in out], out
