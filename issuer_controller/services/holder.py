"""Holder binding: the credential subject is the did:key of the wallet's Ed25519 connection key.

Credo-family wallets never send a DID of their own and sign presentations with the connection key, so this
is the binding a stock mobile wallet can later prove (measured, wallets.md). It makes presentations linkable
to that connection: a price of working with today's wallets.
"""

from __future__ import annotations

import base58

from agent.client import AdminClient, Record
from common.errors import Problem

ED25519_MULTICODEC = b"\xed\x01"


class HolderBindingError(Problem):
    status, slug, title = 502, "holder-binding", "The wallet's key could not be determined"


def _did_key_of(method: Record) -> str | None:
    multibase = method.get("publicKeyMultibase")
    if isinstance(multibase, str) and multibase.startswith("z6Mk"):
        return f"did:key:{multibase}"
    if method.get("type") == "Ed25519VerificationKey2018" and method.get("publicKeyBase58"):
        raw = base58.b58decode(method["publicKeyBase58"])
        return "did:key:z" + base58.b58encode(ED25519_MULTICODEC + raw).decode()
    return None


async def holder_did(agent: AdminClient, connection_id: str) -> str:
    connection = await agent.connection(connection_id)
    their_did = connection.get("their_did")
    if not their_did:
        raise HolderBindingError(f"connection {connection_id} has no DID for the wallet yet")
    document = await agent.resolve_did(their_did)
    # did:peer:2/4 list keys as verification methods; did:peer:1 (Credo's default) embeds them in
    # authentication.
    methods = [
        m
        for section in ("verificationMethod", "authentication", "assertionMethod")
        for m in document.get(section) or []
        if isinstance(m, dict)
    ]
    for method in methods:
        if (did := _did_key_of(method)) is not None:
            return did
    raise HolderBindingError(f"the wallet's DID document has no Ed25519 key ({len(methods)} methods)")
