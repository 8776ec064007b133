"""Admin routes for an institution's own chain account: a secp256k1 key kept in the wallet beside its DID,
which owns the institution's status lists on chain and is what IssuerRegistry binds to its DID.

The account never sends a transaction and holds no ether: it signs one EIP-712 delegation letting the
controller's funded account write its lists (``revocation.delegation``). Only that message is signed here —
the route builds it itself from the fields it is given — so the admin API cannot make the key sign anything
else (a transaction, another contract's message)."""

from __future__ import annotations

from acapy_agent.admin.decorators.auth import tenant_authentication
from acapy_agent.admin.request_context import AdminRequestContext
from acapy_agent.core.profile import ProfileSession
from acapy_agent.wallet.base import BaseWallet
from acapy_agent.wallet.error import WalletNotFoundError
from aiohttp import web
from aiohttp_apispec import docs
from aries_askar import AskarError, AskarErrorCode, Key, KeyAlg, Session
from eth_account import Account

from revocation.delegation import delegation, sign_delegation

KEY_PREFIX = "mcred-chain-account:"


def askar_of(session: ProfileSession) -> Session:
    """The askar session under an ACA-Py one: our agents' wallets are askar (``agent.launch``)."""
    handle = session.handle
    if not isinstance(handle, Session):
        raise TypeError(f"the chain account needs an askar wallet, not {type(handle).__name__}")
    return handle


async def _account_key(context: AdminRequestContext, did: str, *, create: bool) -> Key | None:
    """The DID's chain key (made on first use when ``create``); None if the DID is not this wallet's."""
    async with context.profile.session() as session:
        try:
            await session.inject(BaseWallet).get_local_did(did)
        except WalletNotFoundError:
            return None
        name = KEY_PREFIX + did
        entry = await askar_of(session).fetch_key(name)
        if entry is not None:
            return entry.key
        if not create:
            return None
        key = Key.generate(KeyAlg.K256)
        try:
            await askar_of(session).insert_key(name, key, tags={"mcred": "chain-account"})
        except AskarError as err:  # made meanwhile by a concurrent call: that one is the account
            if err.code != AskarErrorCode.DUPLICATE:
                raise
            made = await askar_of(session).fetch_key(name)
            assert made is not None  # DUPLICATE: it is there
            return made.key
        return key


def _address(key: Key) -> str:
    return Account.from_key(key.get_secret_bytes()).address


@docs(tags=["mcred"], summary="The chain account of a DID of this wallet (made on first use)")
@tenant_authentication
async def account_route(request: web.Request):
    did = request.match_info["did"]
    key = await _account_key(request["context"], did, create=True)
    if key is None:
        return web.json_response({"message": f"{did} is not a DID of this wallet"}, status=400)
    return web.json_response({"did": did, "address": _address(key)})


@docs(tags=["mcred"], summary="Sign a StatusRegistry delegation (EIP-712) with a DID's chain account")
@tenant_authentication
async def delegation_route(request: web.Request):
    """Body: ``chain_id``, ``registry``, ``delegate``, ``allowed``, ``nonce``, ``deadline``."""
    did = request.match_info["did"]
    key = await _account_key(request["context"], did, create=False)
    if key is None:
        return web.json_response({"message": f"{did} has no chain account in this wallet"}, status=400)
    try:
        body = await request.json()
        message = delegation(
            chain_id=int(body["chain_id"]),
            registry=str(body["registry"]),
            owner=_address(key),
            delegate=str(body["delegate"]),
            allowed=bool(body["allowed"]),
            nonce=int(body["nonce"]),
            deadline=int(body["deadline"]),
        )
    except (ValueError, KeyError, TypeError) as err:
        return web.json_response({"message": f"not a delegation: {err}"}, status=400)
    return web.json_response(
        {"owner": _address(key), "signature": sign_delegation(key.get_secret_bytes(), message)}
    )


ROUTES = [
    web.post("/mcred/chain/accounts/{did}", account_route),
    web.post("/mcred/chain/accounts/{did}/delegations", delegation_route),
]
