"""Baked badges (Open Badges 3.0 §5.3): the credential inside the badge image.

PNG: one uncompressed ``iTXt`` chunk with keyword ``openbadgecredential`` holding the credential JSON,
placed before ``IEND``; a baked image holds exactly one. The JSON inside is read with the same limits as JSON
sent on its own (``common.limits``).
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

from .limits import JSONLimitError, loads

__all__ = ["BakingError", "bake_png", "badge_png", "unbake_png"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"


class BakingError(ValueError):
    """Not a PNG, or not a badge baked as OB 3.0 says."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _chunks(png: bytes):
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image (bad signature)")
    at = len(PNG_SIGNATURE)
    while at < len(png):
        if at + 8 > len(png):
            raise BakingError("truncated PNG chunk header")
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(png):
            raise BakingError(f"truncated PNG chunk {kind!r}")
        yield kind, png[at + 8 : at + 8 + length], at, end
        at = end


def bake_png(png: bytes, credential: dict[str, Any]) -> bytes:
    """The image with the credential baked in (replacing any credential baked before)."""
    payload = KEYWORD + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + json.dumps(credential).encode()
    out = bytearray(PNG_SIGNATURE)
    for kind, data, start, end in _chunks(png):
        if kind == b"iTXt" and data.startswith(KEYWORD + b"\x00"):
            continue
        if kind == b"IEND":
            out += _chunk(b"iTXt", payload)
        out += png[start:end]
    return bytes(out)


def unbake_png(png: bytes) -> dict[str, Any]:
    found = []
    for kind, data, _, _ in _chunks(png):
        if kind == b"iTXt" and data.startswith(KEYWORD + b"\x00"):
            found.append(data)
    if not found:
        raise BakingError("no openbadgecredential iTXt chunk: the image is not a baked badge")
    if len(found) > 1:
        raise BakingError("more than one openbadgecredential chunk")
    rest = found[0][len(KEYWORD) + 1 :]
    if len(rest) < 2:
        raise BakingError("the openbadgecredential chunk ends before its compression flag and method")
    compressed, _method = rest[0], rest[1]
    if compressed:
        raise BakingError("the openbadgecredential chunk is compressed; OB 3.0 requires it uncompressed")
    _language, _, rest = rest[2:].partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    try:
        return loads(text.decode())
    except JSONLimitError as err:
        raise BakingError(f"the baked credential is refused: {err}") from err
    except ValueError as err:  # UnicodeDecodeError, JSONDecodeError
        raise BakingError(f"the baked credential is not JSON: {err}") from err


def badge_png(size: int = 256, rgb: tuple[int, int, int] = (0, 51, 153)) -> bytes:
    """A plain round badge image (EU blue disc on white), for institutions that upload none."""
    rows = []
    centre, radius = (size - 1) / 2, size * 0.46
    for y in range(size):
        row = bytearray(b"\x00")
        for x in range(size):
            inside = (x - centre) ** 2 + (y - centre) ** 2 <= radius**2
            row += bytes(rgb) if inside else b"\xff\xff\xff"
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )
