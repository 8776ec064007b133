"""The stock Credo 0.6.3 OpenID4VC holder our OpenID4VCI issuer and OpenID4VP verifier are tested against:
it starts, and an issuer (or verifier) it cannot reach is reported as an error event — the holder neither
hangs nor dies, and answers the next command."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import quote

from tests.support.credo06 import start_credo06


def closed_port() -> int:
    """A loopback port nothing listens on (the kernel's pick, released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_credo06_holder_reports_an_unreachable_issuer_and_keeps_going(tmp_path: Path) -> None:
    offer_url = f"http://127.0.0.1:{closed_port()}/oid4vci/offers/1"
    request_url = f"http://127.0.0.1:{closed_port()}/oid4vp/requests/1"
    async with start_credo06(tmp_path) as holder:
        assert holder.events == [{"event": "ready"}]

        await holder.receive(f"openid-credential-offer://?credential_offer_uri={quote(offer_url, safe='')}")
        error = await holder.until("error", timeout=30, op="receive", stage="resolve")
        assert offer_url in error["message"], error
        assert [(f["method"], f["url"]) for f in holder.fetches] == [("GET", offer_url)]
        assert "error" in holder.fetches[0]  # the connection was refused: no status

        await holder.present(f"openid4vp://?client_id=x&request_uri={quote(request_url, safe='')}")
        error = await holder.until("error", timeout=30, op="present", stage="resolve")
        assert request_url in error["message"], error

        assert await holder.credentials() == []
        assert not [e for e in holder.events if e["event"] in ("offer", "token", "stored", "presented")]
