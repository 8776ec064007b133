"""The agent image's entrypoint: an ACA-Py agent of one role, configured from the environment, with our
plugin. Secrets come from the environment and have no defaults.

    MCRED_AGENT_ROLE=issuer MCRED_AGENT_ADMIN_API_KEY=… MCRED_AGENT_WALLET_KEY=… python -m agent.launch

``--print`` shows the ACA-Py command instead of running it (it holds no secret: those reach ACA-Py in its
environment, ``ACAPY_*``); ``--new-wallet-key`` prints a fresh raw wallet key. What the agent writes (a SQLite
wallet under ``MCRED_AGENT_HOME``) is its user's alone (umask 077).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aries_askar import Store
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .config import AgentLaunch, AgentRole, PostgresWallets
from .keyfiles import PRIVATE_UMASK


class AgentSettings(BaseSettings):
    """Env vars ``MCRED_AGENT_*``."""

    model_config = SettingsConfigDict(env_prefix="MCRED_AGENT_", extra="ignore")

    role: AgentRole
    label: str | None = None
    home: Path = Path("/data")
    """ACAPY_HOME (the SQLite wallet, when not on PostgreSQL)."""
    admin_host: str = "0.0.0.0"  # noqa: S104 - inside the compose network; the port is never published
    admin_port: int = 8031
    inbound_port: int = 8030
    endpoint: str
    """The DIDComm endpoint wallets reach (a public HTTPS URL in production)."""
    admin_api_key: SecretStr
    wallet_key: SecretStr
    """A raw askar key: ``python -m agent.launch --new-wallet-key`` prints a fresh one."""
    webhook_url: str | None = None
    postgres_url: SecretStr | None = None
    """``postgresql://user:password@host:port``: wallets in PostgreSQL (the production shape)."""
    postgres_prefix: str = "mcred"
    wallet_name: str | None = None
    """The base wallet's name (each shard its own, e.g. ``issuer-2``); the role's name when unset."""
    jwt_secret: SecretStr | None = None
    """Set: the agent is multitenant (institutions or employers are its tenants), tokens signed with this."""


def launch(settings: AgentSettings) -> AgentLaunch:
    return AgentLaunch(
        role=settings.role,
        label=settings.label or settings.role.value,
        home=settings.home,
        admin_port=settings.admin_port,
        inbound_port=settings.inbound_port,
        admin_api_key=settings.admin_api_key.get_secret_value(),
        wallet_key=settings.wallet_key.get_secret_value(),
        webhook_url=settings.webhook_url,
        host="0.0.0.0",  # noqa: S104 - the DIDComm listener serves wallets from outside
        endpoint=settings.endpoint,
        admin_host=settings.admin_host,
        wallet_name=settings.wallet_name,
        jwt_secret=settings.jwt_secret.get_secret_value() if settings.jwt_secret else None,
        postgres=(
            PostgresWallets(settings.postgres_url.get_secret_value(), settings.postgres_prefix)
            if settings.postgres_url
            else None
        ),
    )


def main() -> None:
    if "--new-wallet-key" in sys.argv[1:]:
        print(Store.generate_raw_key())
        return
    # pydantic-settings fills the required fields from MCRED_AGENT_*; pyright sees only the constructor.
    settings = AgentSettings()  # pyright: ignore[reportCallIssue]
    agent = launch(settings)
    if "--print" in sys.argv[1:]:
        print(" ".join(agent.argv))
        return
    os.umask(PRIVATE_UMASK)
    # ACA-Py gets the secrets once, as ACAPY_*; our copies of them stay behind.
    base = {k: v for k, v in os.environ.items() if not k.startswith("MCRED_AGENT_")}
    os.execvpe(agent.argv[0], agent.argv, agent.env(base))


if __name__ == "__main__":
    main()
