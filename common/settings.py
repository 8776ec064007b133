"""Settings both controllers share; each controller subclasses with its own env prefix and defaults."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.client import AdminClient

from .agents import MAIN_SHARD, Agents, AgentShard
from .mail import Mailer
from .outbound import OutboundPolicy


class ControllerSettings(BaseSettings):
    """Read once at start-up (env vars, then an optional ``.env``) and injected; secrets have no default."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    agent_admin_url: str
    """Admin API of the ACA-Py agent this controller drives (loopback only)."""
    agent_admin_api_key: SecretStr
    agent_timeout: float = 30.0
    """Seconds to wait for one admin API call."""
    agent_shards: list[AgentShard] = []
    """More agents beside ``agent_admin_url`` (the shard ``main``), as JSON: ``[{"name": "b", "admin_url":
    …, "admin_api_key": …}]``. New institutions (employers) go to the shard with the fewest."""
    tenancy: bool = True
    """Each institution (employer) is a tenant of its agent with its own wallet; the agents must run
    multitenant (``agent.config``). False: every one shares its shard's base wallet (before tenancy)."""
    tenant_key: SecretStr | None = None
    """Seals the tenant tokens stored in the database (any long random string, kept with the other
    secrets; every instance of the controller has the same). Unset: the main agent's admin API key, so
    changing that key makes the stored tokens unreadable."""
    log_level: str = "INFO"
    """The controller's own log (workers, reconciler); uvicorn's access log is separate."""
    max_upload_bytes: int = 2_000_000
    """The largest request body (a credential file, a CSV): refused with 413 before it is parsed."""
    smtp_host: str | None = None
    """The mail server e-mails go out through (invitations, password links); unset, nothing is e-mailed
    (the console says so)."""
    smtp_port: int = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "mcred <no-reply@localhost>"
    """The From of every e-mail: an address of the operator's domain the server may send as."""
    outbound_allow: str = ""
    """Hosts (``host``, ``host:port``) and CIDR ranges, comma-separated, that status list and callback URLs
    may name although they are not public addresses (``common.outbound``). ``mcred up`` names its issuer."""

    def agents(self) -> Agents:
        """A client per shard (the caller closes them: ``Agents.aclose``)."""
        shards = [
            AgentShard(
                name=MAIN_SHARD, admin_url=self.agent_admin_url, admin_api_key=self.agent_admin_api_key
            )
        ]
        clients = {
            shard.name: (
                AdminClient(
                    shard.admin_url, key := shard.admin_api_key.get_secret_value(), timeout=self.agent_timeout
                ),
                key,
            )
            for shard in shards + self.agent_shards
        }
        seal = (self.tenant_key or self.agent_admin_api_key).get_secret_value()
        return Agents(clients, tenancy=self.tenancy, tenant_key=seal)

    def mailer(self) -> Mailer | None:
        if not self.smtp_host:
            return None
        return Mailer(
            self.smtp_host,
            self.smtp_port,
            self.mail_from,
            security=self.smtp_security,
            username=self.smtp_username,
            password=self.smtp_password.get_secret_value() if self.smtp_password else None,
        )

    @property
    def outbound(self) -> OutboundPolicy:
        return OutboundPolicy.parse(self.outbound_allow)
