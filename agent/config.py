"""Launch configuration of an ACA-Py agent per role.

Pure data in, argv and environment out: the caller (the stack, a test) decides ports, directories and secrets.
Secrets go in the environment (ACA-Py reads ``ACAPY_WALLET_KEY``, ``ACAPY_ADMIN_API_KEY`` and
``ACAPY_WALLET_STORAGE_CREDS`` as the flags of the same names), never on the command line, which every user
of the machine reads in ``/proc/<pid>/cmdline``; ``/proc/<pid>/environ`` is the owner's alone.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["AgentRole", "AgentLaunch", "BASE_WALLET_ROUTES", "PostgresWallets", "ROLE_FLAGS"]


class AgentRole(enum.StrEnum):
    ISSUER = "issuer"
    """An institution: offers credentials; issues as soon as the wallet asks for what was offered."""
    VERIFIER = "verifier"
    """An employer: requests presentations; verifies them as they arrive."""
    LEARNER = "learner"
    """The learner-wallet stand-in for tests and the demo: accepts invitations, offers and requests itself,
    as a person tapping "accept" on a phone would."""


ROLE_FLAGS: dict[AgentRole, tuple[str, ...]] = {
    AgentRole.ISSUER: ("--auto-accept-requests", "--auto-respond-credential-request"),
    AgentRole.VERIFIER: ("--auto-accept-requests", "--auto-verify-presentation"),
    AgentRole.LEARNER: (
        "--auto-accept-invites",
        "--auto-respond-credential-offer",
        "--auto-store-credential",
        "--auto-respond-presentation-request",
        # Holds each connection key as a did:key too, as Credo does (agent/plugin/holder.py).
        "--plugin-config-value",
        "mcred.mirror_connection_keys=true",
    ),
}


BASE_WALLET_ROUTES = (
    "/mcred/contexts",
    "/resolver/resolve",
    "/vc/credentials/verify",
    "/vc/presentations/verify",
)
"""What a multitenant agent's base wallet (the admin key, no tenant token) may still call: nothing that
reads or writes a tenant's keys or records."""


@dataclass(frozen=True)
class PostgresWallets:
    """Askar wallets in PostgreSQL instead of SQLite files: a database per wallet, ``{prefix}_wallet_{name}``,
    created by askar itself with the account of ``url`` (``postgresql://user:password@host:port``)."""

    url: str
    prefix: str

    def flags(self, wallet: str) -> list[str]:
        parts = urlsplit(self.url)
        config = {"url": f"{parts.hostname}:{parts.port or 5432}", "max_connections": 16}
        return [
            "--wallet-storage-type", "postgres_storage",
            "--wallet-name", f"{self.prefix}_wallet_{wallet}",
            f"--wallet-storage-config={json.dumps(config)}",
        ]  # fmt: skip

    @property
    def creds(self) -> str:
        """The account and password askar logs in with (``--wallet-storage-creds``): a secret."""
        parts = urlsplit(self.url)
        account, password = parts.username or "postgres", parts.password or ""
        return json.dumps(
            {"account": account, "password": password, "admin_account": account, "admin_password": password}
        )


@dataclass(frozen=True)
class AgentLaunch:
    """Everything one agent process needs; ``argv`` and ``env`` are what it is started with."""

    role: AgentRole
    label: str
    home: Path
    """ACAPY_HOME: the askar SQLite wallet lives under it, so it survives restarts."""
    admin_port: int
    inbound_port: int
    admin_api_key: str
    wallet_key: str
    """A raw askar key (base58, 32 bytes), so opening the wallet skips the slow key derivation."""
    webhook_url: str | None = None
    host: str = "127.0.0.1"
    endpoint: str | None = None
    """The DIDComm endpoint wallets are told to use; defaults to the inbound listener."""
    log_level: str = "info"
    sqlite_max_connections: int = 16
    """The wallet's connection pool (agent/plugin/sqlite_pool.py: the default of 4 starves under bursts)."""
    admin_host: str = "127.0.0.1"
    """Loopback on one machine; a container binds its network (the admin API is never published)."""
    postgres: PostgresWallets | None = None
    """Keep the wallet in PostgreSQL (the production shape); None: a SQLite file under ``home``."""
    wallet_name: str | None = None
    """The base wallet's name (a shard's own); the role's name when None."""
    jwt_secret: str | None = None
    """Multitenancy: each institution (or employer) is a tenant of the agent, its wallet an askar profile in
    one store beside the base wallet, reached with a token signed by this secret. None: one wallet."""

    @property
    def multitenant(self) -> bool:
        return self.jwt_secret is not None

    @property
    def admin_url(self) -> str:
        return f"http://{self.host}:{self.admin_port}"

    @property
    def didcomm_endpoint(self) -> str:
        return self.endpoint or f"http://{self.host}:{self.inbound_port}"

    @property
    def argv(self) -> list[str]:
        args = [
            sys.executable, "-m", "acapy_agent", "start",
            "--label", self.label,
            "--inbound-transport", "http", self.host, str(self.inbound_port),
            "--outbound-transport", "http",
            "--endpoint", self.didcomm_endpoint,
            "--admin", self.admin_host, str(self.admin_port),
            "--wallet-type", "askar",
            *(self.postgres.flags(self._wallet) if self.postgres else
              ["--wallet-storage-type", "default", "--wallet-name", self._wallet]),
            "--wallet-key-derivation-method", "RAW",
            "--auto-provision",
            "--no-ledger",
            "--plugin", "agent.plugin",
            "--preserve-exchange-records",
            "--log-level", self.log_level,
            "--plugin-config-value", f"mcred.sqlite_max_connections={self.sqlite_max_connections}",
            *ROLE_FLAGS[self.role],
            *self._tenancy_flags,
        ]  # fmt: skip
        return args

    @property
    def _wallet(self) -> str:
        return self.wallet_name or self.role.value

    @property
    def _tenancy_flags(self) -> list[str]:
        """Tenants as profiles of one askar store (``single-wallet-askar``): a tenant costs a row, not a
        database or an open store. The base wallet answers only what is nobody's: readiness, resolving
        DIDs, verifying signatures."""
        if not self.multitenant:
            return []
        config: dict[str, object] = {
            "wallet_type": "single-wallet-askar",
            "wallet_name": f"{self._wallet}_tenants",
        }
        if self.postgres:
            config["wallet_name"] = f"{self.postgres.prefix}_tenants_{self._wallet}"
        return [
            "--multitenant", "--multitenant-admin",
            f"--multitenancy-config={json.dumps(config)}",
            "--base-wallet-routes", *BASE_WALLET_ROUTES,
        ]  # fmt: skip

    def env(self, base: Mapping[str, str]) -> dict[str, str]:
        """``base`` plus where the wallet lives and the secrets."""
        secrets = {"ACAPY_ADMIN_API_KEY": self.admin_api_key, "ACAPY_WALLET_KEY": self.wallet_key}
        if self.webhook_url:
            # ACA-Py sends what follows "#" as the webhooks' x-api-key: the controller takes events only from
            # the agent that holds the key they share (anyone reaching its port could post them otherwise).
            secrets["ACAPY_WEBHOOK_URL"] = f"{self.webhook_url}#{self.admin_api_key}"
        if self.postgres:
            secrets["ACAPY_WALLET_STORAGE_CREDS"] = self.postgres.creds
        if self.jwt_secret:
            secrets["ACAPY_MULTITENANT_JWT_SECRET"] = self.jwt_secret
        return {**base, "ACAPY_HOME": str(self.home), **secrets}

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never reach a log."""
        return (self.admin_api_key, self.wallet_key, *([self.jwt_secret] if self.jwt_secret else [])) + (
            (p,) if self.postgres and (p := urlsplit(self.postgres.url).password) else ()
        )
