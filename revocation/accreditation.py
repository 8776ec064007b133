"""Accreditation through IssuerRegistry: scopes as bytes32, windows as unix seconds.

"Accredited" has one definition, the contract's ``isAccredited``, mirrored by ``Accreditation.accredits`` for
everything that reads the history (the verifier's check, stacking, the CLI): a record covers the credential's
scope and its issuance moment lies in the record's window, and the record was not withdrawn for cause. A
withdrawal for cause voids everything the record covered; an ordinary withdrawal ends it, and credentials
issued before it stay accredited (docs/on-chain.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from eth_utils.crypto import keccak

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


async def deaccredit(client: ChainClient, registry: str, did: str, record: int, *, for_cause: bool) -> str:
    contract = client.contract("IssuerRegistry", registry)
    receipt = await client.transact(contract.functions.deaccredit(did, record, for_cause))
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
    for_cause: bool
    authority: str

    def covers(self, scope: str, moment: datetime) -> bool:
        """In scope and in the window at ``moment``, whatever happened to the record since."""
        return self.scope in (bytes(32), scope_id(scope)) and self.valid_from <= moment < self.valid_until

    def accredits(self, scope: str, moment: datetime) -> bool:
        """The contract's ``isAccredited`` rule for this record (see the module docstring)."""
        standing = self.revoked_at is None or (not self.for_cause and moment < self.revoked_at)
        return self.covers(scope, moment) and standing


def accrediting(records: list[Accreditation], scope: str, moment: datetime) -> Accreditation | None:
    """The record that accredits a credential issued at ``moment`` for ``scope``, if any."""
    return next((r for r in records if r.accredits(scope, moment)), None)


def bound_accounts(records: list[Accreditation]) -> set[str]:
    """The chain accounts IssuerRegistry has bound to the DID (the owners its status lists may have)."""
    return {r.account for r in records}


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
            for_cause,
            authority,
        )  # fmt: skip
        for n, (account, scope, start, until, revoked, for_cause, authority) in enumerate(rows)
    ]
