"""Learner-wallet stand-in only: hold each connection's key as a did:key too, as Credo does.

The issuer binds a credential to the did:key of the wallet's Ed25519 connection key (the one binding that
stock Credo wallets can later prove, wallets.md). Credo signs with that key because it keeps it in the same
wallet; ACA-Py finds a signing DID only among its DID records, so the stand-in records the did:key of each
new connection's key. Enabled with ``--plugin-config-value mcred.mirror_connection_keys=true``.

The record carries no ``verkey`` tag: ACA-Py routes inbound messages by looking DIDs up by that tag, and a
second DID on the connection key would take the connection's place there.
"""

import json

from acapy_agent.core.event_bus import Event
from acapy_agent.core.profile import Profile
from acapy_agent.did.did_key import DIDKey
from acapy_agent.wallet.askar import CATEGORY_DID
from acapy_agent.wallet.base import BaseWallet
from acapy_agent.wallet.key_type import ED25519

CONNECTION_ACTIVE = r"^acapy::record::connections::active$"


async def mirror_connection_key(profile: Profile, event: Event) -> None:
    assert event.payload is not None  # a connection record's event carries the record
    my_did = event.payload.get("my_did")
    if not my_did:
        return
    async with profile.session() as session:
        info = await session.inject(BaseWallet).get_local_did(my_did)
        if info.key_type != ED25519:
            return
        did_key = DIDKey.from_public_key_b58(info.verkey, ED25519).did
        if await session.handle.fetch(CATEGORY_DID, did_key) is not None:
            return
        value = {
            "did": did_key,
            "method": "key",
            "verkey": info.verkey,
            "verkey_type": ED25519.key_type,
            "metadata": {"mirrors": my_did},
        }
        await session.handle.insert(
            CATEGORY_DID, did_key, json.dumps(value), tags={"method": "key", "verkey_type": "ed25519"}
        )
