"""IETF Token Status List (draft-ietf-oauth-status-list-12): the status of SD-JWT VCs.

Two bits per credential: 0 valid, 1 invalid (revoked), 2 suspended. Entry ``i`` holds bits ``2i`` (the
value's low bit) and ``2i + 1`` of the byte array, counted from the least significant bit of each byte (§4.1).
So a revocation sets bit ``2i`` and a suspension bit ``2i + 1``: positions that StatusRegistry stores like any
list's indexes, and the commitment on chain is keccak256 of the uncompressed bytes, as for Bitstring lists.
``lst`` is the bytes compressed with DEFLATE in the ZLIB format, base64url without padding.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any, Literal, Self

from .bitstring import Bitstring, BitstringError

__all__ = ["BITS", "INVALID", "SUSPENDED", "VALID", "TokenStatusBits", "position", "status_list_claims"]

BITS = 2
VALID, INVALID, SUSPENDED = 0, 1, 2


def position(entry: int, purpose: Literal["revocation", "suspension"]) -> int:
    """The bit a revocation or suspension of ``entry`` sets."""
    return BITS * entry + (purpose == "suspension")


class TokenStatusBits(Bitstring):
    """The list's bytes; indexes are bit positions (see ``position``), entries are ``status(i)``."""

    @staticmethod
    def _mask(index: int) -> int:
        return 1 << (index & 7)

    @property
    def entries(self) -> int:
        return self.size // BITS

    def status(self, entry: int) -> int:
        if not 0 <= entry < self.entries:
            raise BitstringError(f"index {entry} is outside the list (0..{self.entries - 1})")
        return self[BITS * entry] | self[BITS * entry + 1] << 1

    def encode(self) -> str:
        return base64.urlsafe_b64encode(zlib.compress(self.to_bytes(), 9)).decode().rstrip("=")

    @classmethod
    def decode(cls, encoded: str) -> Self:
        if not isinstance(encoded, str) or not encoded:
            raise BitstringError("lst must be a base64url string")
        try:
            raw = zlib.decompress(base64.b64decode(encoded + "=" * (-len(encoded) % 4), b"-_", validate=True))
        except (ValueError, zlib.error) as err:
            raise BitstringError(f"lst is not base64url ZLIB data: {err}") from err
        if not raw:
            raise BitstringError("lst holds no entries")
        return cls(len(raw) * 8, raw)


def status_list_claims(uri: str, lst: str, issued_at: int, ttl: int) -> dict[str, Any]:
    """The payload of the ``statuslist+jwt`` (§5.1) around ``TokenStatusBits.encode()``: ``sub`` is the URI
    credentials point to."""
    return {"sub": uri, "iat": issued_at, "ttl": ttl, "status_list": {"bits": BITS, "lst": lst}}
