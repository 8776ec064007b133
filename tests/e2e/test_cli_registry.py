"""The accreditation authority at a terminal: deploy (idempotent), accredit, check, revoke."""

from __future__ import annotations

import os

from mcred.stack import Stack
from tests.support.cli import mcred

DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


async def test_accredit_check_and_revoke(stack: Stack) -> None:
    env = {
        **os.environ,
        "MCRED_DATA_DIR": str(stack.data_dir),
        "MCRED_CHAIN_RPC_URL": stack.components["chain"].url,
    }

    code, out, _ = await mcred("chain", "deploy", env=env)
    assert code == 0, out
    assert f"IssuerRegistry: {stack.contracts['IssuerRegistry']}" in out  # already there: not deployed again

    code, out, _ = await mcred(
        "registry", "accredit", DID, "--account", ACCOUNT, "--scope", "ZRK-123", env=env
    )
    assert code == 0 and "accredited" in out and "tx 0x" in out, out
    code, out, _ = await mcred("registry", "check", DID, "--scope", "ZRK-123", env=env)
    assert (code, out.strip()) == (0, "accredited")
    code, out, _ = await mcred("registry", "check", DID, "--scope", "ZRK-999", env=env)
    assert (code, out.strip()) == (1, "not accredited")

    code, out, _ = await mcred("registry", "revoke", DID, "--record", "0", env=env)
    assert code == 0 and "de-accredited" in out, out
    code, out, _ = await mcred("registry", "check", DID, "--scope", "ZRK-123", "--at", "2099-01-01", env=env)
    assert (code, out.strip()) == (1, "not accredited")
