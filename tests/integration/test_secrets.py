"""Secrets stay secret on a running stack that has done some work (an institution enrolled and accredited, a
credential issued, an employer registered, verifications): no wallet key, admin API key, operator key, API
key or chain private key on any process's command line (which every user reads) or in any log, and nothing
under the data directory that group or others may read, write or enter."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from mcred.anvil import ANVIL_DEPLOYER_KEY, ANVIL_ISSUER_KEY
from mcred.scenario import accredited_holding, register_employer
from mcred.stack import Stack, probe_state, read_state
from tests.support import stacks


@dataclass(frozen=True)
class Worked:
    stack: Stack
    secrets: dict[str, str]
    """What each secret is → its value."""


@pytest.fixture(scope="module")
async def worked(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Worked]:
    async with stacks.own_stack(Path(tmp_path_factory.mktemp("secrets-stack"))) as stack:
        async with (
            httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=60) as issuer,
            httpx.AsyncClient(base_url=stack.components["verifier"].url, timeout=60) as verifier,
        ):
            enrolled, offer = await accredited_holding(issuer, stack, "Uczelnia Dyskretna")
            employer = await register_employer(verifier, stack, "Firma Dyskretna")
            for profile in ("standard", "wallet"):
                copy = await issuer.get(
                    f"/v1/credentials/{offer['id']}/download",
                    params={"profile": profile},
                    headers=enrolled.auth,
                )
                checked = await verifier.post("/v1/verifications", content=copy.content, headers=employer)
                assert checked.status_code == 201 and checked.json()["verified"], checked.text
        secrets = {
            "chain deployer key": ANVIL_DEPLOYER_KEY,
            "chain deployer key (hex)": ANVIL_DEPLOYER_KEY.removeprefix("0x"),
            "issuer chain key": ANVIL_ISSUER_KEY,
            "issuer chain key (hex)": ANVIL_ISSUER_KEY.removeprefix("0x"),
            "issuer operator key": stack.operator_key_of("issuer"),
            "verifier operator key": stack.operator_key_of("verifier"),
            "institution API key": enrolled.institution["api_key"],
            "employer API key": employer["X-API-Key"],
        }
        for name, agent in stack.agents.agents.items():
            secrets[f"{name} agent's wallet key"] = agent.launch.wallet_key
            secrets[f"{name} agent's admin API key"] = agent.launch.admin_api_key
        yield Worked(stack, secrets)


def stack_processes(stack: Stack) -> list[int]:
    """Every process of every part: each runs in its own process group, led by the pid the stack knows."""
    groups = {c.pid for c in stack.components.values()}
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                fields = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[2]) in groups:
                pids.append(int(entry.name))
    return pids


def named(text: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, value in secrets.items() if value in text]


async def test_no_secret_on_any_command_line_and_environments_are_the_owners_alone(worked: Worked) -> None:
    pids = stack_processes(worked.stack)
    assert len(pids) >= len(worked.stack.components)
    for pid in pids:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert named(cmdline, worked.secrets) == [], cmdline
        assert stat.S_IMODE(os.stat(f"/proc/{pid}/environ").st_mode) & 0o077 == 0


async def test_no_secret_in_any_log(worked: Worked) -> None:
    logs = sorted(worked.stack.data_dir.rglob("*.log"))
    assert {p.name for p in logs} >= {"agent.log", "anvil.log", "controller.log"}
    for log in logs:
        assert named(log.read_text(errors="replace"), worked.secrets) == [], log
    anvil = (worked.stack.data_dir / "chain" / "anvil.log").read_text()
    assert "Private Keys" in anvil and "(0) ***" in anvil  # the listing is there, its keys are not


async def test_nothing_under_the_data_directory_is_open_to_group_or_others(worked: Worked) -> None:
    data = worked.stack.data_dir
    entries = [data, *data.rglob("*")]
    assert any(p.name.startswith("sqlite.db-") for p in entries), "askar's WAL/SHM files were made later"
    opened = {
        str(p.relative_to(data)): oct(stat.S_IMODE(p.lstat().st_mode))
        for p in entries
        if (p.is_dir() and stat.S_IMODE(p.lstat().st_mode) != 0o700)
        or stat.S_IMODE(p.lstat().st_mode) & 0o077
    }
    assert opened == {}


async def test_status_shows_no_secret(worked: Worked) -> None:
    shown = json.dumps(await probe_state(read_state(worked.stack.data_dir)))
    assert named(shown, worked.secrets) == []
    assert named(worked.stack.state_path.read_text(), worked.secrets) == []


async def test_agents_serve_no_api_docs(worked: Worked) -> None:
    """ACA-Py serves its Swagger UI and spec to whoever reaches the admin port, key or not (aiohttp-apispec
    in acapy_agent/admin/server.py); our plugin turns them off (``no_api_docs``)."""
    async with httpx.AsyncClient(timeout=10) as http:
        for agent in worked.stack.agents.agents.values():
            for path in ("/api/doc", "/api/docs/swagger.json"):
                response = await http.get(agent.admin_url + path)
                assert response.status_code == 404, (agent.admin_url, path, response.status_code)


async def test_agents_admin_api_wants_its_key_and_listens_on_loopback_only(worked: Worked) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        for agent in worked.stack.agents.agents.values():
            assert agent.launch.admin_host == "127.0.0.1"
            assert (await http.get(agent.admin_url + "/status/config")).status_code == 401
