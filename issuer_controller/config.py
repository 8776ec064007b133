from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from common.settings import ControllerSettings


class IssuerSettings(ControllerSettings):
    """Env vars ``MCRED_ISSUER_*`` (e.g. ``MCRED_ISSUER_AGENT_ADMIN_URL``)."""

    model_config = SettingsConfigDict(env_prefix="MCRED_ISSUER_", env_file=".env", extra="ignore")

    admin_api_key: SecretStr
    """The operator's key: creates institutions (each gets its own key)."""
    database_url: str = f"sqlite+aiosqlite:///{Path('data/issuer/issuer.db').resolve()}"
    public_url: str = "http://127.0.0.1:8001"
    """Where learners and verifiers reach this controller: offer pages, status lists, contexts."""
    offer_ttl_hours: float = 72.0
    """An invitation nobody accepted within this time expires."""
    didcomm_concurrency: int = 4
    """Credential exchanges in flight at once per agent shard, across every instance; a burst to one
    SQLite-backed agent loses messages."""
    exchange_timeout: float = 60.0
    """Seconds an exchange holds its slot waiting for the wallet; then the reconciler follows it."""
    reconcile_interval: float = 15.0
    """Seconds between passes that catch up with webhooks the controller missed."""
    status_list_size: int = 131_072
    chain_rpc_url: str | None = None
    """The EVM node the status lists are anchored on (anvil locally, Sepolia by URL). Without it (and
    ``chain_key``, ``status_registry``) revocation and suspension are refused."""
    chain_key: SecretStr | None = None
    """The funded key that owns this controller's status lists on chain."""
    status_registry: str | None = None
    """StatusRegistry's address (``mcred chain deploy`` records it)."""
    anchor_interval: float = 2.0
    """Seconds between anchoring passes when nothing wakes the worker (a request wakes it at once)."""
    anchor_gather: float = 0.2
    """Seconds a woken worker waits so that changes requested together go into one transaction."""
    chain_receipt_timeout: float = 60.0
    issuer_registry: str | None = None
    """IssuerRegistry's address: the parts of a claimed pathway must come from accredited issuers."""
    cache_ttl: float = 60.0
    """Seconds an issuer's accreditation history is reused when verifying claimed parts."""
    fetch_timeout: float = 10.0
    """Seconds to fetch another issuer's published status list."""
    oid4vci_token_ttl: int = 600
    """Seconds an OpenID4VCI access token may be used to fetch its credential."""
    oid4vci_nonce_ttl: int = 300
    """Seconds a ``c_nonce`` stays usable."""
    oid4vci_tx_code_attempts: int = 5
    """Wrong transaction codes an offer takes; the last one ends it (failed)."""
    mail_attempts: int = 5
    """Tries of one e-mail through temporary failures (30 s, 1, 2, 4 min apart) before it is failed."""
    explorer_tx_url: str | None = None
    """A transaction on a block explorer, ``{tx}`` standing for its hash (``https://sepolia.etherscan.io/tx/{tx}``):
    the console links each status change's transaction there; unset, it shows the hash."""
    token_status_ttl: int = 300
    """The ``ttl`` of a token status list: seconds a verifier may cache it."""
