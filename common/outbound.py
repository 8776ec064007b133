"""Requests a controller makes on someone else's say-so — a status list URL written in a credential, an
employer's callback URL — go only where the world can: HTTP(S), to a public address, no redirects, bounded in
time and size. A loopback, private, link-local or otherwise non-global address (the agents' admin APIs, the
controllers themselves, a cloud metadata service) is refused unless the operator names it in the allow-list
(the embedded stack names its own issuer, whose lists are served on loopback).

The host is resolved before the request and every address it resolves to must pass; a name that resolves
differently a moment later (DNS rebinding) is a residual risk the deployment's egress rules must close.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from .limits import loads

__all__ = ["OutboundPolicy", "OutboundRefused", "OutboundResponse"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class OutboundRefused(Exception):
    """The URL may not be requested (scheme, address, redirect, size); the message says why, in our words
    (never what the remote end answered)."""


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    content: bytes

    def json(self) -> Any:
        """Someone else's JSON: depth and numbers checked before it is parsed (``common.limits``)."""
        return loads(self.content)


@dataclass(frozen=True)
class OutboundPolicy:
    hosts: frozenset[tuple[str, int | None]] = frozenset()
    """Allowed by name (``host`` or ``host:port``; a port of None allows any)."""
    networks: tuple[Network, ...] = ()
    """Allowed address ranges (CIDR)."""

    @classmethod
    def parse(cls, entries: str | list[str]) -> OutboundPolicy:
        """``host``, ``host:port`` or a CIDR range, comma-separated (``127.0.0.1:8001,10.0.0.0/8``)."""
        items = entries.split(",") if isinstance(entries, str) else entries
        hosts, networks = set(), []
        for item in (i.strip() for i in items):
            if not item:
                continue
            if "/" in item:
                networks.append(ipaddress.ip_network(item, strict=False))
                continue
            host, _, port = item.rpartition(":") if item.count(":") == 1 else (item, "", "")
            hosts.add((host.lower().strip("[]"), int(port) if port else None))
        return cls(frozenset(hosts), tuple(networks))

    async def check(self, url: str) -> None:
        """Raises ``OutboundRefused`` unless the URL may be requested now."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OutboundRefused(f"only http(s) URLs are fetched, not {url[:80]!r}")
        if parts.username or parts.password:
            raise OutboundRefused("URLs with credentials are not fetched")
        host = parts.hostname.lower()
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as err:
            raise OutboundRefused(f"bad port in {url[:80]!r}") from err
        if (host, port) in self.hosts or (host, None) in self.hosts:
            return
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as err:
            raise OutboundRefused(f"{host} does not resolve") from err
        for *_, sockaddr in infos:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if not (address.is_global or any(address in network for network in self.networks)):
                raise OutboundRefused(f"{host} is not a public address (and not allowed by the operator)")

    async def request(
        self,
        http: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        max_bytes: int,
        timeout: float,
        **kwargs: Any,
    ) -> OutboundResponse:
        """One request, checked first, never following a redirect, its body read up to ``max_bytes``."""
        await self.check(url)
        try:
            async with asyncio.timeout(timeout):
                request = http.build_request(method, url, timeout=timeout, **kwargs)
                response = await http.send(request, stream=True, follow_redirects=False)
                try:
                    if response.is_redirect:
                        raise OutboundRefused("redirects are not followed")
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > max_bytes:
                            raise OutboundRefused(f"the answer is larger than {max_bytes} bytes")
                finally:
                    await response.aclose()
        except (httpx.HTTPError, TimeoutError) as err:
            raise OutboundRefused(f"could not be fetched ({type(err).__name__})") from err
        return OutboundResponse(response.status_code, bytes(body))
