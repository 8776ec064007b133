from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class StackSettings(BaseSettings):
    """The embedded default stack; env vars ``MCRED_*``. A port of 0 means "any free port"."""

    model_config = SettingsConfigDict(env_prefix="MCRED_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    """Wallets, chain state, logs and the running stack's state file."""
    host: str = "127.0.0.1"
    public_host: str | None = None
    """This machine's address on the local network (e.g. 192.168.1.20): a phone's wallet on the same network
    then reaches the agents and the offer pages; they listen on every interface. None: loopback only."""
    chain_port: int = 8545
    chain_id: int = 31337
    issuer_port: int = 8001
    verifier_port: int = 8002
    anvil_bin: Path | None = None
    """Defaults to the binary the pinned npm package installed under node_modules/."""
    ready_timeout: float = 60.0
    database: Literal["sqlite", "postgres"] = "sqlite"
    """Where wallets and controller data live: SQLite files under ``data_dir`` (the embedded default), or
    PostgreSQL at ``postgres_url`` (the production shape; one database per wallet and per controller)."""
    postgres_url: str = "postgresql://postgres@127.0.0.1:5432"
    restart_limit: int = 5
    """A part that crashes this many times within ``restart_window`` seconds is not started again: the stack
    stops, saying why. Until then each crash is followed by a restart after 0.5 s, doubling up to 30 s."""
    restart_window: float = 60.0
    issuer_shards: int = 1
    """Issuer agents (shards); institutions are spread over them, each a tenant of one."""
    tenancy: bool = True
    """Institutions and employers as tenants of their agents (ACA-Py multitenancy); False: one shared wallet
    per agent, as before tenancy."""
