"""Signed delegations to StatusRegistry (EIP-712): an institution's own chain account lets the controller's
funded account write its status lists, without ever holding ether or sending a transaction itself.

The account's key lives in the institution's agent wallet; the agent's plugin signs the typed data built here,
the controller submits it (``status_registry.set_delegate_by_sig``). The contract checks the same structure:
``Delegation(address owner,address delegate,bool allowed,uint256 nonce,uint256 deadline)`` in the domain
``StatusRegistry`` / ``1`` / chain id / registry address."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_utils.address import to_checksum_address

__all__ = ["delegation", "sign_delegation", "split_signature"]


def delegation(
    *, chain_id: int, registry: str, owner: str, delegate: str, allowed: bool, nonce: int, deadline: int
) -> dict[str, Any]:
    """The full EIP-712 message (what eth_account signs and a wallet would show)."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Delegation": [
                {"name": "owner", "type": "address"},
                {"name": "delegate", "type": "address"},
                {"name": "allowed", "type": "bool"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Delegation",
        "domain": {
            "name": "StatusRegistry",
            "version": "1",
            "chainId": chain_id,
            "verifyingContract": to_checksum_address(registry),
        },
        "message": {
            "owner": to_checksum_address(owner),
            "delegate": to_checksum_address(delegate),
            "allowed": allowed,
            "nonce": nonce,
            "deadline": deadline,
        },
    }


def sign_delegation(private_key: bytes, message: dict[str, Any]) -> str:
    """The owner's signature (``0x`` + r ‖ s ‖ v); refuses a message that is not the owner's own."""
    account = Account.from_key(private_key)
    if to_checksum_address(message["message"]["owner"]) != account.address:
        raise ValueError(
            f"the delegation is for {message['message']['owner']}, this key is {account.address}"
        )
    return "0x" + Account.sign_typed_data(private_key, full_message=message).signature.hex().removeprefix(
        "0x"
    )


def split_signature(signature: str) -> tuple[int, bytes, bytes]:
    raw = bytes.fromhex(signature.removeprefix("0x"))
    if len(raw) != 65:
        raise ValueError("an EIP-712 signature is 65 bytes (r, s, v)")
    return raw[64], raw[:32], raw[32:64]
