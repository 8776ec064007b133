"""mcred issue-bulk: an institution's operator uploads a CSV from the terminal."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx

from mcred.scenario import enrol, eventually, scan
from mcred.stack import Stack
from tests.support.cli import mcred


async def test_issue_bulk_follows_the_job_to_the_end(stack: Stack, tmp_path: Path) -> None:
    url = stack.components["issuer"].url
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        enrolled = await enrol(http, stack.operator_key, "Fundacja")
    institution, auth, template = enrolled.institution, enrolled.auth, enrolled.template["id"]
    env = {**os.environ, "MCRED_API_KEY": institution["api_key"], "MCRED_ISSUER_URL": url}

    bad = tmp_path / "bad.csv"
    bad.write_text("email,grade\nnot-an-address,5\n")
    code, out, _ = await mcred("issue-bulk", str(bad), "--template", template, env=env)
    assert code == 1
    assert "row 2: email" in out

    good = tmp_path / "cohort.csv"
    good.write_text("email,name\na@example.pl,A\nb@example.pl,B\n")
    cli = asyncio.create_task(mcred("issue-bulk", str(good), "--template", template, env=env))
    async with httpx.AsyncClient(base_url=url, timeout=30, headers=auth) as http:

        async def invitations():
            offers = (await http.get("/v1/offers", params={"state": "invited"})).json()
            return offers if len(offers) >= 2 else None

        learner = stack.agents.agents["learner"].client
        for offer in await eventually(invitations, what="two invitations"):
            await learner.receive_invitation(scan(offer["invitation_url"]))
    code, out, _ = await cli
    assert code == 0, out
    assert "Finished: 2 issued, 0 failed or expired" in out
