"""Settings both controllers share; each controller subclasses with its own env prefix and defaults."""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .outbound import OutboundPolicy


class ControllerSettings(BaseSettings):
    """Read once at start-up (env vars, then an optional ``.env``) and injected; secrets have no default."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    agent_admin_url: str
    """Admin API of the ACA-Py agent this controller drives (loopback only)."""
    agent_admin_api_key: SecretStr
    agent_timeout: float = 30.0
    """Seconds to wait for one admin API call."""
    log_level: str = "INFO"
    """The controller's own log (workers, reconciler); uvicorn's access log is separate."""
    max_upload_bytes: int = 2_000_000
    """The largest request body (a credential file, a CSV): refused with 413 before it is parsed."""
    outbound_allow: str = ""
    """Hosts (``host``, ``host:port``) and CIDR ranges, comma-separated, that status list and callback URLs
    may name although they are not public addresses (``common.outbound``). ``mcred up`` names its issuer."""

    @property
    def outbound(self) -> OutboundPolicy:
        return OutboundPolicy.parse(self.outbound_allow)
