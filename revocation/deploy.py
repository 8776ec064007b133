"""Deploy the registries once per chain and remember where (``deployments.json``: chain id → name → address).

Idempotent: a recorded address is reused while the chain still has code there (a local chain whose state was
lost gets fresh contracts, and the record is rewritten).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

from eth_typing import ChecksumAddress

from .chain import ChainClient

CONTRACTS = ("StatusRegistry", "IssuerRegistry")


def _read(record: Path) -> dict[str, dict[str, str]]:
    try:
        return json.loads(record.read_text())
    except FileNotFoundError:
        return {}


def _write(record: Path, book: dict[str, dict[str, str]]) -> None:
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(book, indent=2) + "\n")


async def ensure_deployed(client: ChainClient, record: Path) -> dict[str, str]:
    chain = str(await client.w3.eth.chain_id)
    book = _read(record)
    deployed = dict(book.get(chain, {}))
    changed = False
    for name in CONTRACTS:
        address = deployed.get(name)
        # A type-only cast: the addresses recorded are the receipts' own (checksummed).
        if address and await client.w3.eth.get_code(cast(ChecksumAddress, address)):
            continue
        deployed[name], _ = await client.deploy(name)
        changed = True
    if changed:
        _write(record, {**book, chain: deployed})
    return deployed
