"""DCC's verifier-core as the outside verifier: what the Learner Credential Wallet would say of a document.

It runs as its users run it — its own bundled contexts — and may fetch only what the test allows (our status
lists); any other fetch is refused and reported, so a test can assert it needed nothing of ours. The one
document it would fetch from the web besides, the OB3 JSON Schema, is served from our verbatim copy as
purl.imsglobal.org serves it (machines here have no internet)."""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from pathlib import Path
from typing import Any

from common.microcredential import OB3_SCHEMA_URL

DCC = Path(__file__).resolve().parents[2] / "verifiers" / "dcc"


async def dcc_verify(document: dict[str, Any], *, allow: list[str]) -> dict[str, Any]:
    """``{"summary": {"fatal", "checks": {id: bool or error name}, "schema"}, "result", "blocked"}``."""
    schema = resources.files("common") / "schemas" / "ob_v3p0_achievementcredential_schema.json"
    args = [arg for prefix in allow for arg in ("--allow", prefix)]
    process = await asyncio.create_subprocess_exec(
        "node", str(DCC / "verify.mjs"), *args, "--local", f"{OB3_SCHEMA_URL}={schema}", cwd=DCC,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(json.dumps(document).encode()), 60)
    assert process.returncode == 0, err.decode()[-2000:]
    return json.loads(out)
