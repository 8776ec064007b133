"""Outbound requests on someone else's say-so reach only public addresses, or what the operator names."""

from __future__ import annotations

import httpx
import pytest

from common.outbound import OutboundPolicy, OutboundRefused

PUBLIC = "http://93.184.215.14"  # a global address (a literal: no DNS in tests)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8031/status/ready",  # an agent's admin API
        "http://localhost:8002/v1/employers",
        "http://[::1]:8001/",
        "http://10.0.0.5/list",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://0.0.0.0:8001/",
        "ftp://93.184.215.14/list",
        "file:///etc/passwd",
        "http://user:pw@93.184.215.14/",
        "http://no-such-host.invalid/list",
    ],
)
async def test_what_is_not_public_is_refused(url: str) -> None:
    with pytest.raises(OutboundRefused):
        await OutboundPolicy.parse("").check(url)


async def test_the_operator_allows_by_origin_or_range() -> None:
    policy = OutboundPolicy.parse("127.0.0.1:8001, 10.1.0.0/16, issuer.internal")
    await policy.check("http://127.0.0.1:8001/status-lists/x")
    await policy.check("http://10.1.2.3/status-lists/x")
    await policy.check(f"{PUBLIC}/status-lists/x")
    with pytest.raises(OutboundRefused):
        await policy.check("http://127.0.0.1:8031/status/ready")  # the same host, another port
    with pytest.raises(OutboundRefused):
        await policy.check("http://10.2.0.1/")


def client(handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_redirects_are_not_followed_and_answers_are_capped() -> None:
    policy = OutboundPolicy.parse("")
    moved = client(lambda r: httpx.Response(302, headers={"Location": "http://127.0.0.1:8031/"}))
    with pytest.raises(OutboundRefused, match="redirects"):
        await policy.request(moved, "GET", f"{PUBLIC}/list", max_bytes=1000, timeout=5)
    big = client(lambda r: httpx.Response(200, content=b"x" * 5000))
    with pytest.raises(OutboundRefused, match="larger than 1000"):
        await policy.request(big, "GET", f"{PUBLIC}/list", max_bytes=1000, timeout=5)
    fine = client(lambda r: httpx.Response(401, content=b"{}"))
    answer = await policy.request(fine, "GET", f"{PUBLIC}/list", max_bytes=1000, timeout=5)
    assert answer.status == 401  # the caller decides what to say: never this code (see the checks)
