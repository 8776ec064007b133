from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from common.settings import ControllerSettings


class VerifierSettings(ControllerSettings):
    """Env vars ``MCRED_VERIFIER_*`` (e.g. ``MCRED_VERIFIER_AGENT_ADMIN_URL``)."""

    model_config = SettingsConfigDict(env_prefix="MCRED_VERIFIER_", env_file=".env", extra="ignore")

    admin_api_key: SecretStr
    """The operator's key: registers employers (each gets its own key)."""
    database_url: str = f"sqlite+aiosqlite:///{Path('data/verifier/verifier.db').resolve()}"
    public_url: str = "http://127.0.0.1:8002"
    """Where wallets and people reach this controller: request pages, the verification page."""
    domain: str | None = None
    """What presentations are asked to be made for; defaults to the host of ``public_url``."""
    request_ttl_hours: float = 24.0
    """A proof request nobody answered within this time expires."""
    exchange_timeout: float = 60.0
    """Seconds a step may wait for the wallet before the reconciler follows it up."""
    reconcile_interval: float = 15.0
    chain_rpc_url: str | None = None
    """The EVM node status lists and accreditation are read from (anvil locally, Sepolia by URL)."""
    status_registry: str | None = None
    issuer_registry: str | None = None
    cache_ttl: float = 60.0
    """Seconds an issuer's accreditation history is reused (never a failed read). Status lists are not
    held by time: each check reads the list's version on chain and reuses only the bits of that version."""
    fetch_timeout: float = 10.0
    """Seconds to fetch a published status list."""
    callback_attempts: int = 5
