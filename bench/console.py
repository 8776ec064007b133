"""The console's cost beside the API it sits on, same run: a sign-in (argon2id) beside a request carrying the
API key; the dashboard, a page of credentials, a search and one credential beside the API's JSON of the same
offers; with an institution holding N offers (a CSV cohort over OpenID4VCI, no wallet needed).

    .venv/bin/python -m bench.console [--offers N] [--n K]

Starts its own stack in a temporary directory. Latencies are one request at a time (what a member of staff
waits) and, for sign-ins, eight at once (the argon2 limit of two hashes at a time queues the rest).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from agent.process import rss_bytes
from bench.verification import run
from mcred.scenario import console_sign_in, enrol, eventually
from mcred.settings import StackSettings
from mcred.stack import Stack

PASSWORD = "a long enough benchmark passphrase"


async def timed(n: int, call: Callable[[], Awaitable[httpx.Response]], concurrency: int = 1) -> dict:
    """``bench.verification.run``'s latencies of ``call``, every answer a success."""

    async def answered() -> None:
        answer = await call()
        assert answer.status_code < 400, answer.text[:300]

    return await run(n, concurrency, answered)


async def sign_in(url: str, email: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        return await console_sign_in(client, email, PASSWORD)


async def main(offers: int, n: int, measured: dict) -> None:
    with tempfile.TemporaryDirectory(prefix="mcred-bench-") as tmp:
        stack = Stack(StackSettings(data_dir=Path(tmp), chain_port=0, issuer_port=0, verifier_port=0))
        await stack.up()
        try:
            url = stack.components["issuer"].url
            async with httpx.AsyncClient(base_url=url, timeout=120) as api:
                enrolled = await enrol(api, stack.operator_key, "Uczelnia Konsoli")
                api.headers.update(enrolled.auth)
                email = "bench@konsola.example.pl"
                staff = {"email": email, "name": "Bench", "role": "administrator", "password": PASSWORD}
                made = await api.post("/v1/staff", json=staff)
                assert made.status_code == 201, made.text
                csv = "email,name\n" + "".join(f"l{k}@example.pl,Osoba {k}\n" for k in range(offers))
                query = {"template_id": enrolled.template["id"], "protocol": "oid4vci"}
                job = (
                    await api.post(
                        "/v1/bulk-issuances",
                        params=query,
                        content=csv.encode(),
                        headers={"Content-Type": "text/csv"},
                    )
                ).json()

                async def progress() -> dict:
                    return (await api.get(f"/v1/bulk-issuances/{job['id']}")).json()

                await eventually(
                    progress, until=lambda p: p["offers_made"] == offers, timeout=600, what="offers"
                )
                measured["offers"] = offers
                controller = stack.components["issuer"].pid
                measured["controller_rss_mb_before"] = round(rss_bytes(controller) / 2**20, 1)

                measured["sign_in"] = await timed(n, lambda: sign_in(url, email))
                measured["sign_in_8_at_once"] = await timed(max(n, 16), lambda: sign_in(url, email), 8)
                measured["api_key_request"] = await timed(n, lambda: api.get("/v1/institutions/me"))

                async with httpx.AsyncClient(base_url=url, timeout=60) as browser:
                    await console_sign_in(browser, email, PASSWORD)
                    one = (await api.get("/v1/offers", params={"limit": 1})).json()[0]["id"]
                    pages = {
                        "dashboard": "/console",
                        "credentials_page": "/console/credentials",
                        "credentials_search": "/console/credentials?q=osoba%20123",
                        "credential": f"/console/credentials/{one}",
                    }
                    for name, path in pages.items():
                        measured[name] = await timed(n, lambda path=path: browser.get(path))
                measured["api_offers_page"] = await timed(
                    n, lambda: api.get("/v1/offers", params={"limit": 50})
                )
                measured["api_offer"] = await timed(n, lambda: api.get(f"/v1/offers/{one}"))
                measured["controller_rss_mb_after"] = round(rss_bytes(controller) / 2**20, 1)
        finally:
            await stack.down()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    result: dict = {}
    asyncio.run(main(args.offers, args.n, result))
    print(json.dumps(result, indent=2))
