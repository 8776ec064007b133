"""Admin route moving a DID — its record, its key and its chain account — from the agent's base wallet into
a tenant's: how institutions and employers registered before tenancy become tenants
(``common.tenant_migration``). Admin only. The tenant's copy is committed before the base wallet's is
removed, and a DID already in the tenant's wallet counts as moved, so a retry after a crash finishes the
move and never loses the key."""

from __future__ import annotations

from acapy_agent.admin.decorators.auth import admin_authentication
from acapy_agent.admin.request_context import AdminRequestContext
from acapy_agent.multitenant.base import BaseMultitenantManager
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.wallet.models.wallet_record import WalletRecord
from aiohttp import web
from aiohttp_apispec import docs
from aries_askar import AskarError, AskarErrorCode

from .chain import KEY_PREFIX, askar_of

CATEGORY_DID = "did"
"""ACA-Py's askar wallet keeps a DID's record under this category, its key under the verkey's name."""


@docs(tags=["mcred"], summary="Move a DID of the base wallet, with its keys, into a tenant's wallet")
@admin_authentication
async def adopt_route(request: web.Request):
    """Body: ``did``. 200 ``{"moved": true}``, or ``false`` when the tenant already held it."""
    context: AdminRequestContext = request["context"]
    root = context.profile
    body = await request.json()
    did = body.get("did") if isinstance(body, dict) else None
    if not isinstance(did, str):
        return web.json_response({"message": "did: a DID of the base wallet is required"}, status=400)
    async with root.session() as session:
        try:
            record = await WalletRecord.retrieve_by_id(session, request.match_info["wallet_id"])
        except StorageNotFoundError:
            return web.json_response({"message": "no such tenant wallet"}, status=404)
    tenant = await root.inject(BaseMultitenantManager).get_wallet_profile(root.context, record)
    async with root.session() as source:
        base = askar_of(source)
        entry = await base.fetch(CATEGORY_DID, did)
        if entry is None:
            async with tenant.session() as target:
                held = await askar_of(target).fetch(CATEGORY_DID, did) is not None
            if held:
                return web.json_response({"moved": False})
            return web.json_response({"message": f"{did} is in neither wallet"}, status=404)
        names = [entry.value_json["verkey"], KEY_PREFIX + did]
        keys = [(name, found) for name in names if (found := await base.fetch_key(name)) is not None]
        async with tenant.transaction() as target:
            own = askar_of(target)
            for name, found in keys:
                await _insert(own.insert_key(name, found.key, metadata=found.metadata, tags=found.tags))
            await _insert(own.insert(CATEGORY_DID, did, value=entry.value, tags=entry.tags))
            await target.commit()
    async with root.transaction() as source:
        base = askar_of(source)
        for name, _ in keys:
            await base.remove_key(name)
        await base.remove(CATEGORY_DID, did)
        await source.commit()
    return web.json_response({"moved": True})


async def _insert(inserting) -> None:
    """An entry the tenant already has is one an interrupted move copied: the same key, kept."""
    try:
        await inserting
    except AskarError as err:
        if err.code != AskarErrorCode.DUPLICATE:
            raise


ROUTES = [web.post("/mcred/tenants/{wallet_id}/adopt", adopt_route)]
