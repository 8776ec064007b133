"""Gas per revocation: StatusRegistry (commitment + calldata/events) beside one storage slot per credential
(ERC-5539 layout), same run, random indexes, on a fresh anvil node.

    .venv/bin/python -m bench.gas
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import tempfile
import time
from pathlib import Path

from mcred.anvil import local_node
from revocation.bitstring import Bitstring
from revocation.chain import ChainClient

KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # anvil's first dev account
SIZE = 131_072
EMPTY = Bitstring(SIZE).commitment()
BATCHES = (1, 10, 100, 1000)


async def main() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        node, url = await local_node(Path(tmp))
        try:
            client = ChainClient(url, KEY)
            registry_address, _ = await client.deploy("StatusRegistry")
            baseline_address, _ = await client.deploy("SlotPerCredentialBaseline")
            registry = client.contract("StatusRegistry", registry_address)
            baseline = client.contract("SlotPerCredentialBaseline", baseline_address)
            rows = []
            for batch in BATCHES:
                list_id = secrets.token_bytes(32)
                await client.transact(registry.functions.createList(list_id, 0, SIZE, EMPTY))
                indexes = random.Random(batch).sample(range(SIZE), batch)
                started = time.monotonic()
                ours = await client.transact(
                    registry.functions.update(list_id, 0, indexes, [], secrets.token_bytes(32))
                )
                latency = time.monotonic() - started
                keys = [i.to_bytes(32, "big") for i in indexes]
                theirs = await client.transact(baseline.functions.changeStatuses(list_id, keys, True))
                rows.append(
                    {
                        "batch": batch,
                        "status_registry_gas_per_revocation": round(ours["gasUsed"] / batch),
                        "slot_per_credential_gas_per_revocation": round(theirs["gasUsed"] / batch),
                        "request_to_confirmed_s": round(latency, 3),
                    }
                )
            await client.aclose()
        finally:
            await node.stop()
    return {"rows": rows}


if __name__ == "__main__":
    figures = asyncio.run(main())
    print(
        f"{'batch':>6} | {'StatusRegistry':>15} | {'slot/credential':>15} | {'ratio':>6} | request→confirmed"
    )
    for r in figures["rows"]:
        ours, theirs = r["status_registry_gas_per_revocation"], r["slot_per_credential_gas_per_revocation"]
        ratio, latency = theirs / ours, r["request_to_confirmed_s"]
        print(f"{r['batch']:>6} | {ours:>15,} | {theirs:>15,} | {ratio:>5.1f}x | {latency} s")
    print(json.dumps(figures))
