"""Request bodies read with a limit: a declared length over it is refused before reading, an undeclared one
as soon as the limit is passed (never a whole 10 MB body in memory first)."""

from __future__ import annotations

from fastapi import Request

from .problems import UploadTooLarge


async def read_capped(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise UploadTooLarge(f"the body is {declared} bytes; the limit is {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise UploadTooLarge(f"the body is over the limit of {limit} bytes")
    return bytes(body)
