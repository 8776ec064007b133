"""Accreditation through IssuerRegistry: scopes as bytes32, windows as unix seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from eth_utils import keccak

from .chain import ChainClient

ANY = "any"


def scope_id(scope: str) -> bytes:
    """``any`` covers every scope; anything else (e.g. an IQR qualification code) is its keccak256."""
    return bytes(32) if scope == ANY else keccak(text=scope)


async def accredit(
    client: ChainClient,
    registry: str,
    did: str,
    account: str,
    scope: str,
    valid_from: datetime,
    valid_until: datetime,
) -> tuple[int, str]:
    """Record an accreditation; returns the record's index in the DID's history and the transaction hash."""
    contract = client.contract("IssuerRegistry", registry)
    call = contract.functions.accredit(
        did, account, scope_id(scope), int(valid_from.timestamp()), int(valid_until.timestamp())
    )
    receipt = await client.transact(call)
    event = contract.events.Accredited().process_log(receipt["logs"][0])
    return event.args.record, receipt["transactionHash"].to_0x_hex()


async def deaccredit(client: ChainClient, registry: str, did: str, record: int) -> str:
    contract = client.contract("IssuerRegistry", registry)
    receipt = await client.transact(contract.functions.deaccredit(did, record))
    return receipt["transactionHash"].to_0x_hex()


async def is_accredited(client: ChainClient, registry: str, did: str, scope: str, at: datetime) -> bool:
    contract = client.contract("IssuerRegistry", registry)
    return await client.call(contract.functions.isAccredited(did, scope_id(scope), int(at.timestamp())))


@dataclass(frozen=True)
class Accreditation:
    record: int
    account: str
    scope: bytes
    valid_from: datetime
    valid_until: datetime
    revoked_at: datetime | None
    authority: str

    def covers(self, scope: str, moment: datetime) -> bool:
        """In scope and in the window at ``moment`` (a withdrawal is the caller's to judge)."""
        return self.scope in (bytes(32), scope_id(scope)) and self.valid_from <= moment < self.valid_until


def _moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


async def history(client: ChainClient, registry: str, did: str) -> list[Accreditation]:
    contract = client.contract("IssuerRegistry", registry)
    rows = await client.call(contract.functions.history(did))
    return [
        Accreditation(
            n,
            account,
            bytes(scope),
            _moment(start),
            _moment(until),
            _moment(revoked) if revoked else None,
            authority,
        )  # fmt: skip
        for n, (account, scope, start, until, revoked, authority) in enumerate(rows)
    ]
