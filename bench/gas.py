"""Gas per revocation: StatusRegistry (commitment + calldata/events) beside one storage slot per credential
(ERC-5539 layout), same run, random indexes, on a fresh anvil node; and what a verifier with nothing but an
RPC endpoint pays to read one status from a cold start (calls, bytes), beside the slot layout's one call.

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

from web3 import AsyncHTTPProvider

from mcred.anvil import local_node
from revocation import status_registry
from revocation.bitstring import Bitstring
from revocation.chain import ChainClient

KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # anvil's first dev account
SIZE = 131_072
EMPTY = Bitstring(SIZE).commitment()
BATCHES = (1, 10, 100, 1000)
HISTORIES = (1, 10, 100)
"""Updates a list has had when a verifier reads it cold (each a batch of 10 revocations)."""


class CountingProvider(AsyncHTTPProvider):
    """Counts JSON-RPC requests and the bytes sent and received."""

    calls = 0
    bytes = 0

    async def _make_request(self, method, request_data: bytes) -> bytes:
        response = await super()._make_request(method, request_data)
        self.calls += 1
        self.bytes += len(request_data) + len(response)
        return response

    async def make_batch_request(self, batch_requests):
        """A batch is one HTTP request (what a verifier sends for a credential's lists)."""
        response = await super().make_batch_request(batch_requests)
        self.calls += 1
        self.bytes += len(self.encode_batch_rpc_request(batch_requests)) + len(json.dumps(response))
        return response


async def cold_reads(
    url: str, client: ChainClient, registry_address: str, baseline_address: str
) -> list[dict]:
    """Per list history: a fresh client reads one entry by replaying the list (and checks the commitment),
    or checks a served list's bits against the commitment; the slot layout reads one mapping slot."""
    baseline = client.contract("SlotPerCredentialBaseline", baseline_address)
    rows = []
    for history in HISTORIES:
        list_id = secrets.token_bytes(32)
        await status_registry.create_list(
            client, registry_address, list_id, status_registry.Purpose.REVOCATION, SIZE
        )
        bits, draw = Bitstring(SIZE), random.Random(history)
        for version in range(history):
            indexes = draw.sample(range(SIZE), 10)
            bits.update(indexes)
            await status_registry.update(
                client, registry_address, list_id, version, indexes, [], bits.commitment()
            )
        await client.transact(baseline.functions.changeStatuses(list_id, [bytes(32)], True))
        row = {"updates": history}
        for layout in ("status_registry", "served_list_commitment", "slot_per_credential"):
            reader = ChainClient(url, KEY)
            reader.w3.provider = counter = CountingProvider(url)
            started = time.monotonic()
            if layout == "status_registry":
                read = await status_registry.read_list(reader, registry_address, list_id)
                assert read.bits.ones() == bits.ones()
            elif layout == "served_list_commitment":  # the list fetched over HTTP, checked on chain
                state = await status_registry.list_state(reader, registry_address, list_id)
                assert state.commitment == Bitstring.decode(bits.encode()).commitment()
            else:
                contract = reader.contract("SlotPerCredentialBaseline", baseline_address)
                assert await reader.call(contract.functions.revoked(client.address, list_id, bytes(32)))
            row[layout] = {
                "rpc_calls": counter.calls,
                "bytes": counter.bytes,
                "seconds": round(time.monotonic() - started, 3),
            }
            await reader.aclose()
        rows.append(row)
    return rows


async def main(measured: dict | None = None) -> dict:
    """The figures, also written into ``measured`` as each is taken (what a failed run got to)."""
    figures = {} if measured is None else measured
    with tempfile.TemporaryDirectory() as tmp:
        node, url = await local_node(Path(tmp))
        try:
            client = ChainClient(url, KEY)
            registry_address, _ = await client.deploy("StatusRegistry")
            baseline_address, _ = await client.deploy("SlotPerCredentialBaseline")
            registry = client.contract("StatusRegistry", registry_address)
            baseline = client.contract("SlotPerCredentialBaseline", baseline_address)
            rows = figures["rows"] = []
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
            figures["cold_reads"] = await cold_reads(url, client, registry_address, baseline_address)
            await client.aclose()
        finally:
            await node.stop()
    return figures


if __name__ == "__main__":
    figures = asyncio.run(main())
    print(
        f"{'batch':>6} | {'StatusRegistry':>15} | {'slot/credential':>15} | {'ratio':>6} | request→confirmed"
    )
    for r in figures["rows"]:
        ours, theirs = r["status_registry_gas_per_revocation"], r["slot_per_credential_gas_per_revocation"]
        ratio, latency = theirs / ours, r["request_to_confirmed_s"]
        print(f"{r['batch']:>6} | {ours:>15,} | {theirs:>15,} | {ratio:>5.1f}x | {latency} s")
    print("\ncold read of one status. updates | replayed from events | served list checked | one slot")
    for r in figures["cold_reads"]:
        ours, served, theirs = r["status_registry"], r["served_list_commitment"], r["slot_per_credential"]
        print(
            f"{r['updates']:>6} | {ours['rpc_calls']:>5} calls {ours['bytes']:>9,} B {ours['seconds']:>6} s"
            f" | served list + commitment: {served['rpc_calls']} calls {served['bytes']:,} B"
            f" | {theirs['rpc_calls']:>3} calls {theirs['bytes']:>6,} B"
        )
    print(json.dumps(figures))
