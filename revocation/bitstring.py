"""W3C Bitstring Status List v1.0 (Recommendation, 2025-05-15), §3.2 and §4 (encoding).

The list is a bitstring of at least 131,072 entries; index 0 is the left-most bit (the most significant
bit of the first byte). ``encodedList`` is the multibase base64url encoding (prefix ``u``, no padding) of
its GZIP compression. GZIP is written with a zero timestamp, so the same bits always encode the same way
(stable ETags). The commitment anchored on chain is keccak256 of the uncompressed bytes.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Iterable
from typing import Self

from eth_utils.crypto import keccak

__all__ = ["MIN_ENTRIES", "Bitstring", "BitstringError"]

MIN_ENTRIES = 131_072


class BitstringError(ValueError):
    """An encoded list that is not one, or an index outside the list."""


class Bitstring:
    def __init__(self, size: int = MIN_ENTRIES, data: bytes | None = None):
        if size <= 0 or size % 8:
            raise BitstringError(f"a list holds a positive multiple of 8 entries, not {size}")
        if data is not None and len(data) * 8 != size:
            raise BitstringError(f"{len(data)} bytes hold {len(data) * 8} entries, not {size}")
        self.size = size
        self._bytes = bytearray(data if data is not None else size // 8)

    def _check(self, index: int) -> None:
        if not 0 <= index < self.size:
            raise BitstringError(f"index {index} is outside the list (0..{self.size - 1})")

    @staticmethod
    def _mask(index: int) -> int:
        """Index 0 is the most significant bit of the first byte."""
        return 1 << (7 - (index & 7))

    def __getitem__(self, index: int) -> bool:
        self._check(index)
        return bool(self._bytes[index >> 3] & self._mask(index))

    def __setitem__(self, index: int, value: bool) -> None:
        self._check(index)
        mask = self._mask(index)
        if value:
            self._bytes[index >> 3] |= mask
        else:
            self._bytes[index >> 3] &= ~mask & 0xFF

    def update(self, set_: Iterable[int] = (), cleared: Iterable[int] = ()) -> None:
        """Apply one batch: ``set_`` become 1, then ``cleared`` become 0 (as the contract's event says)."""
        for index in set_:
            self[index] = True
        for index in cleared:
            self[index] = False

    def ones(self) -> list[int]:
        return [i for i in range(self.size) if self._bytes[i >> 3] and self[i]]

    def to_bytes(self) -> bytes:
        return bytes(self._bytes)

    def commitment(self) -> bytes:
        """What StatusRegistry stores: keccak256 of the uncompressed bitstring."""
        return keccak(self.to_bytes())

    def encode(self) -> str:
        return "u" + base64.urlsafe_b64encode(gzip.compress(self.to_bytes(), mtime=0)).decode().rstrip("=")

    @classmethod
    def decode(cls, encoded: str) -> Self:
        if not isinstance(encoded, str) or not encoded.startswith("u"):
            raise BitstringError("encodedList must be multibase base64url: it starts with 'u'")
        body = encoded[1:]
        try:
            compressed = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
            raw = gzip.decompress(compressed)
        except (ValueError, OSError, EOFError, zlib.error) as err:
            raise BitstringError(f"encodedList is not base64url GZIP data: {err}") from err
        if not raw:
            raise BitstringError("encodedList is not base64url GZIP data: it holds no entries")
        return cls(len(raw) * 8, raw)
