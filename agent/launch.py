"""The agent image's entrypoint: an ACA-Py agent of one role, configured from the environment, with our
plugin. Secrets come from the environment and have no defaults.

    MCRED_AGENT_ROLE=issuer MCRED_AGENT_ADMIN_API_KEY=… MCRED_AGENT_WALLET_KEY=… python -m agent.launch

``--print`` shows the ACA-Py command (secrets masked) instead of running it; ``--new-wallet-key`` prints a
fresh raw wallet key.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from aries_askar import Store
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .config import AgentLaunch, AgentRole, PostgresWallets


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
        postgres=(
            PostgresWallets(settings.postgres_url.get_secret_value(), settings.postgres_prefix)
            if settings.postgres_url
            else None
        ),
    )


def masked(argv: list[str], settings: AgentSettings) -> list[str]:
    secrets = [settings.admin_api_key.get_secret_value(), settings.wallet_key.get_secret_value()]
    if settings.postgres_url and (password := urlsplit(settings.postgres_url.get_secret_value()).password):
        secrets.append(password)
    shown = []
    for arg in argv:
        for secret in secrets:
            arg = arg.replace(secret, "***")
        shown.append(arg)
    return shown


def main() -> None:
    if "--new-wallet-key" in sys.argv[1:]:
        print(Store.generate_raw_key())
        return
    settings = AgentSettings()
    agent = launch(settings)
    if "--print" in sys.argv[1:]:
        print(" ".join(masked(agent.argv, settings)))
        return
    os.execvpe(agent.argv[0], agent.argv, agent.env(dict(os.environ)))


if __name__ == "__main__":
    main()
