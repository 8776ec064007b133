"""The ACA-Py agents a controller drives: shards, and on each shard its tenants.

A shard is one agent process with its own base wallet and DIDComm endpoint; adding one is configuration
(``agent_shards``). Each institution (issuer) or employer (verifier) is placed on one shard for good and is
a tenant there: its own askar profile, keys, DIDComm identity and records, reached with a tenant token.
The token is stored with the owner's row, sealed with a key derived from the controller's ``tenant_key``
(a secret kept with the others, not in the database), so a copy of the database alone opens no wallet.
Owners registered before tenancy (no ``wallet_id``) are served by their shard's base wallet, which works
only while the agents run without multitenancy (``tenancy=false``).
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, SecretStr
from sqlalchemy import Column, String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from agent.client import AdminClient

__all__ = [
    "AgentShard",
    "Agents",
    "MAIN_SHARD",
    "Tenancy",
    "TenantColumns",
    "add_columns",
    "drop_columns",
]

MAIN_SHARD = "main"
"""The shard of ``agent_admin_url``: where everything lived before there were shards."""


class AgentShard(BaseModel):
    """One more agent (``agent_shards``: a JSON list of these)."""

    name: str
    admin_url: str
    admin_api_key: SecretStr


class TenantColumns:
    """Mixed into the owner's model (institutions, employers): where its wallet is."""

    agent_shard: Mapped[str] = mapped_column(String(40), default=MAIN_SHARD, server_default=MAIN_SHARD)
    wallet_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    """Its tenant wallet on the shard; None: the shard's base wallet (registered before tenancy)."""
    wallet_token: Mapped[str | None] = mapped_column(Text)
    """The tenant token, sealed (``Agents.seal``)."""


async def owners_per_shard(session: AsyncSession, model: type[TenantColumns]) -> dict[str, int]:
    """How many institutions (employers) each shard holds: what ``Agents.place`` balances."""
    rows = await session.execute(select(model.agent_shard, func.count()).group_by(model.agent_shard))
    return {shard: count for shard, count in rows.tuples()}


def add_columns(op, table: str) -> None:
    """For both controllers' migrations (the owners' table in each database)."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(Column("agent_shard", String(length=40), nullable=False, server_default=MAIN_SHARD))
        batch.add_column(Column("wallet_id", String(length=64), nullable=True))
        batch.add_column(Column("wallet_token", Text(), nullable=True))
        batch.create_unique_constraint(f"uq_{table}_wallet_id", ["wallet_id"])


def drop_columns(op, table: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(f"uq_{table}_wallet_id", type_="unique")
        for column in ("wallet_token", "wallet_id", "agent_shard"):
            batch.drop_column(column)


@dataclass(frozen=True)
class Source:
    """Which agent sent an event, and for which of its tenants (None: its base wallet)."""

    shard: str
    wallet_id: str | None


@dataclass(frozen=True)
class Tenancy:
    """What a new owner's row stores: its shard, its tenant wallet and the sealed token."""

    agent_shard: str
    wallet_id: str | None
    wallet_token: str | None


class Agents:
    """The shards' admin clients (base wallets) and each owner's view of its own."""

    def __init__(self, shards: Mapping[str, tuple[AdminClient, str]], *, tenancy: bool, tenant_key: str):
        """``shards``: name → (client, its admin API key). ``tenancy``: owners get tenant wallets, whose
        tokens ``tenant_key`` seals."""
        self._shards = {name: client for name, (client, _) in shards.items()}
        self._keys = {name: key for name, (_, key) in shards.items()}
        self._seal = Fernet(_seal_key(tenant_key))
        self.tenancy = tenancy

    @property
    def names(self) -> list[str]:
        return list(self._shards)

    @property
    def main(self) -> AdminClient:
        """A base wallet for what is nobody's: verifying signatures, resolving DIDs, readiness."""
        return self._shards[MAIN_SHARD]

    def base(self, shard: str) -> AdminClient:
        return self._shards[shard]

    def shard_with_key(self, api_key: str) -> str | None:
        """The shard whose admin API key a webhook carries (each agent sends its own); None: not ours."""
        for name, key in self._keys.items():
            if hmac.compare_digest(api_key.encode(), key.encode()):
                return name
        return None

    def of(self, owner: TenantColumns | Tenancy) -> AdminClient:
        base = self._shards[owner.agent_shard]
        if owner.wallet_id is None or owner.wallet_token is None:
            return base
        try:
            token = self._seal.decrypt(owner.wallet_token.encode()).decode()
        except InvalidToken as err:
            raise RuntimeError(
                f"tenant {owner.wallet_id}'s token does not open with this controller's tenant_key "
                "(the key it was sealed with was changed)"
            ) from err
        return base.as_tenant(token)

    async def of_source(
        self, session: AsyncSession, model: type[TenantColumns], source: Source
    ) -> AdminClient | None:
        """The wallet an event came from: its tenant's (the owner of that wallet), else the shard's base;
        None for a tenant nobody here owns (one whose registration failed after it was made)."""
        if source.wallet_id is None:
            return self._shards[source.shard]
        owner = await session.scalar(select(model).where(model.wallet_id == source.wallet_id))
        return None if owner is None else self.of(owner)

    def seal(self, token: str) -> str:
        return self._seal.encrypt(token.encode()).decode()

    def place(self, owners_per_shard: Mapping[str, int]) -> str:
        """The shard with the fewest owners (the first configured on a tie): new owners spread evenly."""
        return min(self._shards, key=lambda name: owners_per_shard.get(name, 0))

    async def enrol(
        self, sessions: async_sessionmaker[AsyncSession], model: type[TenantColumns], name: str, *,
        label: str,
    ) -> Tenancy:  # fmt: skip
        """A new owner's wallet on the shard with the fewest owners: a tenant wallet, or the shard's base
        wallet without tenancy. (The count is read and closed before the agent is called.) Its picture is
        not the tenant's: each invitation carries the owner's current logo (``create_invitation``)."""
        async with sessions() as session:
            shard = self.place(await owners_per_shard(session, model))
        if not self.tenancy:
            return Tenancy(shard, None, None)
        wallet_id, token = await self._shards[shard].create_tenant(name, label=label)
        return Tenancy(shard, wallet_id, self.seal(token))

    async def aclose(self) -> None:
        for client in self._shards.values():
            await client.aclose()


def _seal_key(secret: str) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"mcred tenant token").derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(key)
