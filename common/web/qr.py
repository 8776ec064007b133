"""QR codes for invitations (segno: pure Python, PNG and SVG)."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import segno


def qr_png(data: str, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg(data: str, scale: int = 6) -> str:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="svg", scale=scale, border=4, xmldecl=False)
    return buffer.getvalue().decode()


def deep_link(invitation_url: str) -> str:
    """``didcomm://invite?oob=…``: opens a DIDComm wallet (Bifold, BC Wallet) straight from the phone. A link
    that is already a wallet's (``openid-credential-offer://``) is that link."""
    if urlsplit(invitation_url).scheme not in ("http", "https"):
        return invitation_url
    return f"didcomm://invite?{urlsplit(invitation_url).query}"
