"""Typed errors of the chain client: callers branch on the type, people read the message."""

from __future__ import annotations

from typing import Any


class ChainError(Exception):
    """Root of the chain client's errors."""


class ChainUnavailableError(ChainError):
    """The RPC endpoint cannot be reached."""


class TransactionTimeoutError(ChainError):
    """No receipt before the deadline (the transaction may still be mined later)."""


class ContractRevertError(ChainError):
    """A contract refused the call with one of its custom errors, decoded by name."""

    def __init__(self, name: str, arguments: dict[str, Any]):
        self.name = name
        self.arguments = arguments
        rendered = ", ".join(f"{k}={_show(v)}" for k, v in arguments.items())
        super().__init__(f"{name}({rendered})")


def _show(value: Any) -> str:
    return "0x" + value.hex() if isinstance(value, bytes) else str(value)
