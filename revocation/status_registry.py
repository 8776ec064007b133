"""StatusRegistry from Python: create lists, anchor batches, and read any list back from the chain alone.

A list's on-chain id is keccak256 of its ``statusListCredential`` URL, so a verifier derives it from the
credential in hand. Reading back walks the updates from the newest (``lastUpdateBlock``) to the first, one
``eth_getLogs`` per update block (providers cap wide block ranges), replays them and checks the result
against the stored commitment.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from eth_typing import HexStr
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from .bitstring import Bitstring
from .chain import ChainClient
from .delegation import split_signature
from .errors import ChainError
from .token_status_list import TokenStatusBits

__all__ = [
    "ChainList",
    "Purpose",
    "ReplayError",
    "Update",
    "create_list",
    "delegation_nonce",
    "is_delegate",
    "set_delegate_by_sig",
    "find_update",
    "list_id",
    "list_state",
    "list_states",
    "read_list",
    "update",
]

CONTRACT = "StatusRegistry"
NO_OWNER = "0x" + "0" * 40


class Purpose(enum.IntEnum):
    REVOCATION = 0
    SUSPENSION = 1
    TOKEN = 2
    """An IETF Token Status List: two bits per credential (``revocation.token_status_list``)."""

    @classmethod
    def named(cls, purpose: str) -> Purpose:
        return cls[purpose.upper()]

    def bits(self, size: int) -> Bitstring:
        """An empty list of this kind: the bit order its commitment is computed in."""
        return TokenStatusBits(size) if self is Purpose.TOKEN else Bitstring(size)


class ReplayError(ChainError):
    """The updates read from the chain do not add up to the list's commitment."""


@dataclass(frozen=True)
class ChainList:
    owner: str
    purpose: Purpose
    size: int
    created_block: int
    last_update_block: int
    version: int
    commitment: bytes

    @property
    def exists(self) -> bool:
        return self.owner != NO_OWNER


@dataclass(frozen=True)
class Update:
    version: int
    set: list[int]
    cleared: list[int]
    commitment: bytes
    previous_block: int
    block: int
    tx_hash: str


@dataclass
class ReadBack:
    state: ChainList
    bits: Bitstring
    updates: list[Update] = field(default_factory=list)


def list_id(status_list_url: str) -> bytes:
    return keccak(text=status_list_url)


async def list_state(client: ChainClient, registry: str, list_key: bytes) -> ChainList:
    [state] = await list_states(client, registry, [list_key])
    if isinstance(state, ChainError):
        raise state
    return state


async def list_states(
    client: ChainClient, registry: str, list_keys: list[bytes]
) -> list[ChainList | ChainError]:
    """Several lists' states in one round trip (a credential's revocation and suspension lists)."""
    rows = await client.views([(CONTRACT, registry, "lists", (key,)) for key in list_keys])
    return [row if isinstance(row, ChainError) else _chain_list(row) for row in rows]


def _chain_list(row: tuple) -> ChainList:
    owner, purpose, size, created, last, version, commitment = row
    return ChainList(
        to_checksum_address(owner), Purpose(purpose), size, created, last, version, bytes(commitment)
    )


async def create_list(
    client: ChainClient,
    registry: str,
    list_key: bytes,
    purpose: Purpose,
    size: int,
    owner: str | None = None,
) -> int:
    """Returns the block the list was created in. With ``owner`` (an institution's own account, which made
    the client its delegate), the list is that account's; otherwise the client's."""
    functions = client.contract(CONTRACT, registry).functions
    empty = Bitstring(size).commitment()
    if owner is None or to_checksum_address(owner) == client.address:
        call = functions.createList(list_key, int(purpose), size, empty)
    else:
        call = functions.createListFor(to_checksum_address(owner), list_key, int(purpose), size, empty)
    return (await client.transact(call))["blockNumber"]


async def is_delegate(client: ChainClient, registry: str, owner: str, delegate: str) -> bool:
    [allowed] = await client.view(
        CONTRACT, registry, "delegates", to_checksum_address(owner), to_checksum_address(delegate)
    )
    return allowed


async def delegation_nonce(client: ChainClient, registry: str, owner: str) -> int:
    [nonce] = await client.view(CONTRACT, registry, "nonces", to_checksum_address(owner))
    return nonce


async def set_delegate_by_sig(
    client: ChainClient,
    registry: str,
    owner: str,
    delegate: str,
    allowed: bool,
    deadline: int,
    signature: str,
) -> str:
    """Submit the owner's signed delegation (``delegation.delegation``); returns the transaction hash."""
    v, r, s = split_signature(signature)
    call = client.contract(CONTRACT, registry).functions.setDelegateBySig(
        to_checksum_address(owner), to_checksum_address(delegate), allowed, deadline, v, r, s
    )
    return (await client.transact(call))["transactionHash"].to_0x_hex()


async def update(
    client: ChainClient,
    registry: str,
    list_key: bytes,
    base_version: int,
    set_: list[int],
    cleared: list[int],
    commitment: bytes,
) -> tuple[str, int]:
    """One batch; returns its transaction hash and block. ``base_version`` makes a repeat of an applied
    batch fail (``StaleVersion``) instead of applying twice."""
    call = client.contract(CONTRACT, registry).functions.update(
        list_key, base_version, set_, cleared, commitment
    )
    receipt = await client.transact(call)
    return receipt["transactionHash"].to_0x_hex(), receipt["blockNumber"]


async def _updates_in_block(client: ChainClient, registry: str, list_key: bytes, block: int) -> list[Update]:
    event = client.contract(CONTRACT, registry).events.StatusUpdated()
    logs = await client.get_logs(
        {
            "address": client.w3.to_checksum_address(registry),
            "fromBlock": block,
            "toBlock": block,
            "topics": [event.topic, HexStr("0x" + list_key.hex())],
        }
    )
    updates = []
    for log in logs:
        args: Any = event.process_log(log).args
        updates.append(
            Update(
                version=args.version,
                set=list(args.set),
                cleared=list(args.cleared),
                commitment=bytes(args.commitment),
                previous_block=args.previousUpdateBlock,
                block=log["blockNumber"],
                tx_hash=log["transactionHash"].to_0x_hex(),
            )
        )
    return sorted(updates, key=lambda u: u.version)


async def _walk(client: ChainClient, registry: str, list_key: bytes, state: ChainList, down_to: int):
    """Updates from the newest back to version ``down_to`` (inclusive), newest first."""
    block, wanted = state.last_update_block, state.version
    while wanted >= max(down_to, 1):
        in_block = await _updates_in_block(client, registry, list_key, block)
        if not in_block:
            raise ReplayError(f"no update of list 0x{list_key.hex()} in block {block}, version {wanted}")
        for found in reversed(in_block):
            if found.version == wanted:
                yield found
                wanted -= 1
        block = in_block[0].previous_block


async def find_update(client: ChainClient, registry: str, list_key: bytes, version: int) -> Update:
    """The update that made ``version`` (e.g. a batch whose receipt was lost in a crash)."""
    state = await list_state(client, registry, list_key)
    async for found in _walk(client, registry, list_key, state, version):
        if found.version == version:
            return found
    raise ReplayError(f"list 0x{list_key.hex()} has no version {version}")


async def read_list(client: ChainClient, registry: str, list_key: bytes) -> ReadBack:
    """Every entry of a list from the chain alone, checked against its commitment."""
    state = await list_state(client, registry, list_key)
    if not state.exists:
        raise ReplayError(f"no status list 0x{list_key.hex()} on chain")
    updates = [u async for u in _walk(client, registry, list_key, state, 1)]
    bits = state.purpose.bits(state.size)
    for applied in reversed(updates):
        bits.update(applied.set, applied.cleared)
    if bits.commitment() != state.commitment:
        raise ReplayError(f"list 0x{list_key.hex()}: the replayed updates do not match the commitment")
    return ReadBack(state, bits, updates[::-1])
