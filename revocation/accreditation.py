"""Accreditation through IssuerRegistry: scopes as bytes32, windows as unix seconds."""

from __future__ import annotations

from datetime import datetime

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
