"""Agent lifecycle: the wallet survives restarts, the admin API wants its key, a dead agent surfaces as a
clear error carrying its log tail, never as a hang, and a killed one is started again as it was."""

from __future__ import annotations

import os
import signal

import pytest

from agent.client import AdminClient
from agent.config import AgentRole
from agent.errors import AgentAuthError, AgentUnavailableError
from agent.process import ProcessDiedError
from agent.supervisor import AgentSupervisor, RunningAgent
from tests.support.webhooks import WebhookCollector


async def test_killed_agent_is_reported_with_its_log(
    supervisor: AgentSupervisor, webhooks: WebhookCollector
) -> None:
    doomed = await supervisor.start(AgentRole.VERIFIER, name="doomed", webhook_url=webhooks.url("doomed"))
    try:
        os.kill(doomed.process.pid, signal.SIGKILL)
        await doomed.process.wait()

        with pytest.raises(AgentUnavailableError) as caught:
            await doomed.client.create_did_key()
        message = str(caught.value)
        assert "agent doomed: exited with code -9" in message
        assert "last lines of its log" in message
        assert "Listening..." in message  # a real line of the agent's log

        with pytest.raises(ProcessDiedError) as died:
            await webhooks.wait_for(
                "doomed", "connections", lambda p: True, timeout=60, watch=[doomed.process]
            )
        assert "exited with code -9" in str(died.value)
    finally:
        await supervisor.stop("doomed")


async def test_agent_that_dies_while_starting_is_reported_at_once(
    supervisor: AgentSupervisor,
) -> None:
    home = supervisor.data_dir / "badkey"
    home.mkdir()
    (home / "wallet.key").write_text("not-a-raw-askar-key")
    with pytest.raises(ProcessDiedError) as caught:
        await supervisor.start(AgentRole.VERIFIER, name="badkey")
    assert "agent badkey: exited with code" in str(caught.value)
    assert "last lines of its log" in str(caught.value)
    assert "badkey" not in supervisor.agents


async def test_wallet_without_its_key_is_refused(supervisor: AgentSupervisor) -> None:
    """A wallet whose key file was lost is not silently replaced by a new empty one."""
    (supervisor.data_dir / "keyless" / "wallet").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="wallet.key"):
        await supervisor.start(AgentRole.VERIFIER, name="keyless")


async def test_wallet_survives_a_restart(supervisor: AgentSupervisor) -> None:
    first = await supervisor.start(AgentRole.VERIFIER, name="restarted")
    did = (await first.client.create_did_key()).did
    await supervisor.stop("restarted")
    second = await supervisor.start(AgentRole.VERIFIER, name="restarted")
    try:
        assert did in [d.did for d in await second.client.list_dids(method="key")]
    finally:
        await supervisor.stop("restarted")


async def test_a_killed_agent_is_started_again_as_it_was(supervisor: AgentSupervisor) -> None:
    """Same ports, same admin API key, same wallet: the client its controller holds works again as is."""
    agent = await supervisor.start(AgentRole.VERIFIER, name="phoenix")
    try:
        did = (await agent.client.create_did_key()).did
        first = agent.process.pid
        os.kill(first, signal.SIGKILL)
        await agent.process.wait()
        with pytest.raises(AgentUnavailableError, match="exited with code -9 \\(SIGKILL\\)"):
            await agent.client.list_dids(method="key")
        again = await supervisor.restart("phoenix")
        assert again is agent and agent.process.pid != first
        assert did in [d.did for d in await agent.client.list_dids(method="key")]
        home = supervisor.data_dir / "phoenix"
        assert oct(home.stat().st_mode & 0o777) == "0o700"
        assert not [p for p in home.rglob("*") if p.stat().st_mode & 0o077 and not p.is_dir()]
    finally:
        await supervisor.stop("phoenix")


async def test_admin_api_refuses_a_wrong_key(agents: dict[str, RunningAgent]) -> None:
    async with AdminClient(agents["issuer"].admin_url, "not-the-key") as intruder:
        with pytest.raises(AgentAuthError) as caught:
            await intruder.create_did_key()
    assert caught.value.status == 401
