"""Multibase base58btc (``z`` + Bitcoin base58), the only multibase Data Integrity and did:key use here.

Not py-multibase: its base58btc drops leading zero bytes (an Ed25519 signature starting with 0x00 — one in 256
— came out 63 bytes long and failed everywhere else). ``base58`` keeps them, as the multibase spec requires.
"""

from __future__ import annotations

import base58

__all__ = ["MultibaseError", "decode", "encode"]


class MultibaseError(ValueError):
    """Not a base58btc multibase string."""


def encode(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode()


def decode(value: object) -> bytes:
    """Any value: what is not a base58btc multibase string raises ``MultibaseError``."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise MultibaseError(f"{str(value)[:20]!r} is not base58btc multibase (no 'z' prefix)")
    try:
        return base58.b58decode(value[1:])
    except ValueError as err:
        raise MultibaseError(f"{value[:20]!r} is not base58: {err}") from err
