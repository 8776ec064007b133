"""Security headers on every response of both controllers (W3C CSP Level 3, RFC 7034, Referrer Policy).

Every response carries a Content-Security-Policy that allows only this origin and no inline code, forbids
framing, sniffing and referrers. Our HTML pages keep their small inline ``<script>``/``<style>`` blocks: each
is a constant of ours, allowed by its SHA-256 in that page's policy (``html_page``), so markup that got into a
page some other way (a template escaping bug) still cannot run. The API docs (/docs, /redoc) load Swagger UI
and ReDoc from their CDN and get a policy naming it (``docs_policy``). See docs/security.md.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from fastapi.responses import HTMLResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "SECURITY_HEADERS",
    "SecurityHeaders",
    "docs_policy",
    "html_page",
    "inline_hash",
    "page_policy",
    "static_page",
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


def page_policy(scripts: Iterable[str] = (), styles: Iterable[str] = ()) -> str:
    """The policy of a page whose only inline code is ``scripts`` and ``styles``."""
    return _policy(
        script_src=" ".join(["'self'", *map(inline_hash, scripts)]),
        style_src=" ".join(["'self'", *map(inline_hash, styles)]),
    )


def html_page(page: str, *, scripts: Iterable[str] = (), styles: Iterable[str] = ()) -> HTMLResponse:
    """A page of ours; ``scripts`` and ``styles`` are the exact texts of its inline blocks, constants of the
    module that renders it (never anything interpolated into the page)."""
    return HTMLResponse(page, headers={"Content-Security-Policy": page_policy(scripts, styles)})


_INLINE = re.compile(r"<(script|style)(\s[^>]*)?>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)


def _inline_blocks(page: str) -> tuple[list[str], list[str]]:
    scripts, styles = [], []
    for tag, attributes, text in _INLINE.findall(page):
        if tag.lower() == "style":
            styles.append(text)
        elif "src=" not in (attributes or "").lower():
            scripts.append(text)
    return scripts, styles


def static_page(page: str) -> HTMLResponse:
    """A page of ours with nothing interpolated (a file we ship): every inline block in it is allowed."""
    scripts, styles = _inline_blocks(page)
    return html_page(page, scripts=scripts, styles=styles)


def docs_policy(page: str) -> str:
    """The policy of FastAPI's Swagger UI or ReDoc page (generated from our title and OpenAPI URL only): their
    scripts and styles from the CDN, the page's inline start-up script by hash, inline styles (both UIs
    style elements at run time), fonts and ReDoc's search worker (a blob)."""
    scripts, _ = _inline_blocks(page)
    return _policy(
        script_src=" ".join(["'self'", DOCS_CDN, *map(inline_hash, scripts)]),
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
