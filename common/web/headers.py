"""Security headers on every response of both controllers (W3C CSP Level 3, RFC 7034, Referrer Policy).

Every response carries a Content-Security-Policy that allows only this origin and no inline code, forbids
framing, sniffing and referrers. Our pages (``common.web.html``) carry no inline code at all, so markup that
got into one (an escaping bug) still cannot run. The API docs (/docs, /redoc) load Swagger UI and ReDoc from
their CDN and get a policy naming it and their inline start-up script by hash (``docs_policy``). See
docs/security.md.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "SECURITY_HEADERS",
    "SecurityHeaders",
    "docs_policy",
    "inline_hash",
]

_BASE = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

DOCS_CDN = "https://cdn.jsdelivr.net"
"""Where FastAPI's /docs and /redoc pages load Swagger UI and ReDoc from."""


def _policy(**directives: str) -> str:
    merged = _BASE | {name.replace("_", "-"): value for name, value in directives.items()}
    return "; ".join(f"{name} {value}" for name, value in merged.items())


CONTENT_SECURITY_POLICY = _policy()
"""Every response that does not bring its own: nothing inline, nothing from elsewhere, never in a frame."""

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def inline_hash(text: str) -> str:
    """The CSP source that allows exactly this inline block (the HTML parser reads CRLF as LF first)."""
    digest = hashlib.sha256(text.replace("\r\n", "\n").encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


_INLINE_SCRIPT = re.compile(r"<script(\s[^>]*)?>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)


def _inline_scripts(page: str) -> list[str]:
    return [text for attributes, text in _INLINE_SCRIPT.findall(page) if "src=" not in attributes.lower()]


def docs_policy(page: str) -> str:
    """The policy of FastAPI's Swagger UI or ReDoc page (generated from our title and OpenAPI URL only): their
    scripts and styles from the CDN, the page's inline start-up script by hash, inline styles (both UIs
    style elements at run time), fonts and ReDoc's search worker (a blob)."""
    return _policy(
        script_src=" ".join(["'self'", DOCS_CDN, *map(inline_hash, _inline_scripts(page))]),
        style_src=f"'self' {DOCS_CDN} https://fonts.googleapis.com 'unsafe-inline'",
        img_src="'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        font_src="'self' https://fonts.gstatic.com",
        worker_src="'self' blob:",
    )


class SecurityHeaders:
    """ASGI middleware: ``SECURITY_HEADERS`` on every HTTP response, a header the route set itself (a page's
    own policy) left as it is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
