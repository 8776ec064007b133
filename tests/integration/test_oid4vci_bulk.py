"""Bulk issuance over OpenID4VCI: a CSV of 200 learners, each taken by its own wallet (eight at a time), with
the issuer controller SIGKILLed a third of the way through. Every learner ends with exactly one credential:
wallets repeat what the crash cut off (the same credential comes back, never a second one); a wallet whose
token answer died with the controller cannot redeem its code again (the spec forbids it), so its offer ends
``failed`` with the reason once the token would have expired, and the institution offers again."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcred.oid4vc_wallet import OAuthRefusal, Oid4vciWallet, Received
from mcred.scenario import enrol, eventually
from mcred.stack import Stack
from tests.support import stacks

COHORT = 200
CONCURRENCY = 8
DEADLINE = 180


@pytest.fixture(scope="module")
async def own_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """Tokens expire after 10 s and the reconciler passes every second, so a redeemed-but-unused offer ends
    within the test."""
    env = {
        "MCRED_ISSUER_OID4VCI_TOKEN_TTL": "10",
        "MCRED_ISSUER_RECONCILE_INTERVAL": "1",
        "MCRED_ISSUER_EXCHANGE_TIMEOUT": "2",
    }
    async with stacks.own_stack(Path(tmp_path_factory.mktemp("oid4vci-bulk")), **env) as stack:
        yield stack


async def test_200_learners_with_the_controller_killed_mid_run_each_get_one_credential(
    own_stack: Stack,
) -> None:
    stack = own_stack
    async with httpx.AsyncClient(base_url=stack.components["issuer"].url, timeout=60) as http:
        enrolled = await enrol(http, stack.operator_key, "Centrum Kształcenia Ustawicznego")
        csv = "email,name\n" + "".join(f"learner{i}@example.pl,Learner {i}\n" for i in range(COHORT))
        created = await http.post(
            "/v1/bulk-issuances",
            params={"template_id": enrolled.template["id"], "protocol": "oid4vci"},
            content=csv.encode(),
            headers={**enrolled.auth, "Content-Type": "text/csv"},
        )
        assert created.status_code == 201, created.text
        job = created.json()["id"]

        async def progress() -> dict[str, Any]:
            return (await http.get(f"/v1/bulk-issuances/{job}", headers=enrolled.auth)).json()

        await eventually(
            progress, until=lambda p: p["offers_made"] == COHORT, timeout=DEADLINE, what="offers"
        )
        offers = (await http.get(f"/v1/bulk-issuances/{job}/offers", headers=enrolled.auth)).json()
        assert {o["protocol"] for o in offers} == {"oid4vci"}

        wallet = Oid4vciWallet(http, patience=60)
        received: dict[str, Received] = {}
        cut_off: dict[str, OAuthRefusal] = {}
        slots = asyncio.Semaphore(CONCURRENCY)

        async def learner(offer: dict[str, Any]) -> None:
            async with slots:
                try:
                    received[offer["id"]] = await wallet.receive(offer["invitation_url"])
                except OAuthRefusal as refusal:
                    cut_off[offer["id"]] = refusal

        async def taken() -> int:
            return len(received)

        wallets = asyncio.gather(*(learner(o) for o in offers))
        await eventually(taken, until=lambda n: n >= COHORT // 3, timeout=DEADLINE, what="a third received")
        os.kill(stack.components["issuer"].pid, signal.SIGKILL)
        await wallets
        assert stack.components["issuer"].restarts >= 1

        assert {r.error for r in cut_off.values()} <= {"invalid_grant"}, cut_off
        final = await eventually(progress, until=lambda p: p["finished"], timeout=DEADLINE, what="all final")
        assert final["by_state"].get("issued", 0) == len(received)
        assert final["by_state"].get("failed", 0) == len(cut_off)
        for offer_id in cut_off:
            ended = (await http.get(f"/v1/offers/{offer_id}", headers=enrolled.auth)).json()
            assert ended["state"] == "failed" and "token expired" in ended["error"], ended
            by_row = next(o for o in offers if o["id"] == offer_id)
            again = await http.post(
                "/v1/offers",
                json={
                    "template_id": enrolled.template["id"],
                    "learner": by_row["learner"],
                    "protocol": "oid4vci",
                },
                headers=enrolled.auth,
            )
            received[again.json()["id"]] = await wallet.receive(again.json()["invitation_url"])

        learners = Counter(r.claims["learner_name"] for r in received.values())
        assert len(learners) == COHORT and set(learners.values()) == {1}, "every learner once"
        assert len({r.claims["jti"] for r in received.values()}) == COHORT
        issued = (await http.get("/v1/credentials", params={"limit": 1000}, headers=enrolled.auth)).json()
        assert sorted(c["credential_id"] for c in issued) == sorted(
            r.claims["jti"] for r in received.values()
        )
        print(f"\nOpenID4VCI bulk: {COHORT} learners, controller killed at {COHORT // 3}+ received; "
              f"{len(cut_off)} token answer(s) lost with it, re-offered; 0 duplicates")  # fmt: skip
