"""Launch configuration: what every agent is started with, and what differs by role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.config import ROLE_FLAGS, AgentLaunch, AgentRole, PostgresWallets


def launch(role: AgentRole, **overrides) -> AgentLaunch:
    values = {
        "label": "Uniwersytet",
        "home": Path("/data/issuer"),
        "admin_port": 9001,
        "inbound_port": 9002,
        "admin_api_key": "secret-key",
        "wallet_key": "rawkey-of-the-wallet",
    }
    return AgentLaunch(role=role, **{**values, **overrides})


def flag(argv: list[str], name: str, count: int = 1) -> list[str]:
    at = argv.index(name)
    return argv[at + 1 : at + 1 + count]


@pytest.mark.parametrize("role", list(AgentRole))
def test_every_role_runs_offline_with_a_protected_loopback_admin_api(role: AgentRole) -> None:
    argv = launch(role).argv
    assert argv[1:4] == ["-m", "acapy_agent", "start"]
    assert flag(argv, "--admin", 2) == ["127.0.0.1", "9001"]
    assert launch(role).env({})["ACAPY_ADMIN_API_KEY"] == "secret-key"
    assert "--admin-insecure-mode" not in argv
    assert "--no-ledger" in argv
    assert flag(argv, "--plugin") == ["agent.plugin"]
    assert flag(argv, "--wallet-type") == ["askar"]
    assert flag(argv, "--wallet-storage-type") == ["default"]
    assert flag(argv, "--wallet-name") == [role.value]
    assert "--auto-provision" in argv
    assert "--preserve-exchange-records" in argv
    for role_flag in ROLE_FLAGS[role]:
        assert role_flag in argv
    assert "--webhook-url" not in argv


def test_roles_differ_in_what_they_accept_on_their_own() -> None:
    assert "--auto-store-credential" in launch(AgentRole.LEARNER).argv
    assert "--auto-store-credential" not in launch(AgentRole.ISSUER).argv
    assert "--auto-respond-credential-request" in launch(AgentRole.ISSUER).argv
    assert "--auto-verify-presentation" in launch(AgentRole.VERIFIER).argv


def test_webhooks_go_to_the_owning_controller_and_wallet_lives_under_home() -> None:
    agent = launch(AgentRole.ISSUER, webhook_url="http://127.0.0.1:8001/webhooks")
    assert "--webhook-url" not in agent.argv  # it carries the key the controller checks webhooks by
    assert agent.env({"PATH": "/bin"}) == {
        "PATH": "/bin",
        "ACAPY_HOME": "/data/issuer",
        "ACAPY_ADMIN_API_KEY": "secret-key",
        "ACAPY_WALLET_KEY": "rawkey-of-the-wallet",
        "ACAPY_WEBHOOK_URL": "http://127.0.0.1:8001/webhooks#secret-key",
    }
    assert agent.admin_url == "http://127.0.0.1:9001"
    assert flag(agent.argv, "--endpoint") == ["http://127.0.0.1:9002"]


def test_public_endpoint_can_differ_from_the_listener() -> None:
    agent = launch(AgentRole.ISSUER, host="0.0.0.0", endpoint="http://192.0.2.10:9002")
    assert flag(agent.argv, "--inbound-transport", 3) == ["http", "0.0.0.0", "9002"]
    assert flag(agent.argv, "--endpoint") == ["http://192.0.2.10:9002"]


def test_secrets_are_in_the_environment_never_on_the_command_line() -> None:
    """Anyone on the machine reads /proc/<pid>/cmdline; environ is the owner's alone. ACA-Py reads each
    flag from its ACAPY_* variable (acapy_agent/config/argparse.py), so a key that begins with "-" (one
    token_urlsafe() in 64) cannot be taken for an option either."""
    from acapy_agent.commands.start import init_argument_parser
    from acapy_agent.config.argparse import create_argument_parser

    postgres = PostgresWallets("postgresql://mcred:pg-password-1@db:5432", "mcred")
    agent = launch(
        AgentRole.ISSUER, admin_api_key="-starts-with-dash", wallet_key="-raw-wallet-key", postgres=postgres
    )
    secrets = ("-starts-with-dash", "-raw-wallet-key", "pg-password-1")
    assert set(agent.secrets) == set(secrets)
    assert not [arg for arg in agent.argv if any(secret in arg for secret in secrets)]

    parser = create_argument_parser(prog="acapy_agent start")
    settings_of = init_argument_parser(parser)
    settings = settings_of(parser.parse_args(agent.argv[4:], env_vars=agent.env({})))
    assert settings["admin.admin_api_key"] == "-starts-with-dash"
    assert settings["wallet.key"] == "-raw-wallet-key"
    assert json.loads(settings["wallet.storage_creds"])["password"] == "pg-password-1"


def test_the_plugin_gives_the_sqlite_wallet_a_larger_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    from acapy_agent.askar.store import AskarStoreConfig

    from agent.plugin.sqlite_pool import use_pool_size

    monkeypatch.setattr(AskarStoreConfig, "_build_sqlite_uri", AskarStoreConfig._build_sqlite_uri)
    monkeypatch.setenv("ACAPY_HOME", "/tmp/mcred-test-home")
    use_pool_size(16)
    uri = AskarStoreConfig({"name": "issuer"}).get_uri()
    assert uri.endswith("/wallet/issuer/sqlite.db?max_connections=16&busy_timeout=30000")
    assert AskarStoreConfig({"name": "issuer"}).get_uri(in_memory=True) == "sqlite://:memory:"
