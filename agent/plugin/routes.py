"""Admin routes of the plugin: what it serves, Data Integrity signing with the wallet's keys, and JSON-LD
failures reported as the caller's error."""

import asyncio
from datetime import datetime

from acapy_agent.admin.decorators.auth import tenant_authentication
from acapy_agent.admin.request_context import AdminRequestContext
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader
from acapy_agent.vc.ld_proofs.error import LinkedDataProofException
from acapy_agent.wallet.base import BaseWallet
from acapy_agent.wallet.error import WalletNotFoundError
from acapy_agent.wallet.key_type import ED25519
from aiohttp import web
from aiohttp_apispec import docs
from pyld.jsonld import JsonLdError

from ..contexts import ContextNotBundledError
from . import chain, tenants
from .loader import OfflineDocumentLoader


@docs(tags=["mcred"], summary="JSON-LD contexts served offline; 503 until the offline loader is bound")
@tenant_authentication
async def contexts_route(request: web.BaseRequest):
    context: AdminRequestContext = request["context"]
    loader = context.profile.inject_or(DocumentLoader)
    if not isinstance(loader, OfflineDocumentLoader):
        return web.json_response({"offline_loader": False, "contexts": []}, status=503)
    return web.json_response({"offline_loader": True, "contexts": loader.urls})


@docs(
    tags=["mcred"],
    summary="Sign with a DataIntegrityProof (eddsa-rdfc-2022) by the issuer's did:key in this wallet",
)
@tenant_authentication
async def sign_route(request: web.BaseRequest):
    """Body ``{"credential": {...}, "options": {"created": ISO 8601, "proofPurpose": ...}}``; the issuer
    (``credential.issuer`` or its ``id``) must be an Ed25519 did:key of this wallet. The document must be
    JSON-LD every term of which its contexts define (safe mode), with contexts we bundle."""
    # Imported here: only an issuer's agent signs, and the canonicaliser (pyoxigraph) costs a process ~10 MB.
    from ..dataintegrity import DocumentError, canonicalizer, eddsa_rdfc_2022
    from ..dataintegrity.did_key import verification_method

    context: AdminRequestContext = request["context"]
    try:
        body = await request.json()
        credential, options = body["credential"], body.get("options") or {}
        issuer = credential.get("issuer")
        did = issuer.get("id") if isinstance(issuer, dict) else issuer
        created = datetime.fromisoformat(options["created"]) if options.get("created") else None
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        return web.json_response(
            {"message": f"expected credential (with issuer) and options: {err}"}, status=400
        )
    async with context.profile.session() as session:
        wallet = session.inject(BaseWallet)
        try:
            info = await wallet.get_local_did(str(did))
        except WalletNotFoundError:
            return web.json_response({"message": f"the issuer {did} is not a DID of this wallet"}, status=400)
        if info.key_type != ED25519 or info.method.method_name != "key":
            return web.json_response({"message": f"the issuer {did} is not an Ed25519 did:key"}, status=400)
        try:
            signing = await asyncio.to_thread(  # canonicalisation is CPU work: keep the event loop free
                eddsa_rdfc_2022.signing_input,
                canonicalizer(),
                credential,
                verification_method=verification_method(info.did),
                created=created,
                proof_purpose=options.get("proofPurpose", "assertionMethod"),
            )
        except (DocumentError, ContextNotBundledError) as err:
            return web.json_response({"message": str(err)}, status=400)
        signature = await wallet.sign_message(signing.data, info.verkey)
    signed = eddsa_rdfc_2022.with_proof(credential, signing, signature)
    return web.json_response({"verifiableCredential": signed})


def _innermost_message(err: BaseException) -> str:
    """PyLD wraps the loader's exception (``cause``) in JsonLdErrors: the innermost one says why."""
    messages = []
    current: BaseException | None = err
    while current is not None:
        if isinstance(current, ContextNotBundledError):
            return str(current)
        messages.append(str(current).split("\n", 1)[0])
        current = getattr(current, "cause", None) or current.__cause__
    return messages[-1]


@web.middleware
async def jsonld_errors_middleware(request: web.BaseRequest, handler):
    """A document the JSON-LD processor or the proof library refuses (unknown context, a property no
    context defines) is bad input: 400 with the reason, not a bare 500."""
    try:
        return await handler(request)
    except (JsonLdError, LinkedDataProofException) as err:
        return web.json_response({"message": _innermost_message(err)}, status=400)


API_DOCS = ("/api/doc", "/api/docs/", "/static/swagger/")
"""ACA-Py serves its Swagger UI and OpenAPI document without the admin key, and has no setting to stop it."""
ALWAYS = ("/status", "/mcred/contexts")
"""What answers before the offline loader is bound: the supervisor's readiness probes."""


@web.middleware
async def no_api_docs(request: web.BaseRequest, handler):
    """The admin API's map stays with whoever holds its key (who has our client and docs/agents.md)."""
    if request.path.startswith(API_DOCS):
        raise web.HTTPNotFound()
    return await handler(request)


@web.middleware
async def offline_or_unavailable(request: web.BaseRequest, handler):
    """ACA-Py opens its admin API a moment before the start-up event binds our offline loader; a credential
    verified in that moment would be checked with contexts fetched from the network (offline: a failed
    signature, a wrong verdict). Until the loader is bound every other call is 503: no verdict, retry."""
    context = request.get("context")
    if context is not None and not request.path.startswith(ALWAYS):
        if not isinstance(context.profile.inject_or(DocumentLoader), OfflineDocumentLoader):
            raise web.HTTPServiceUnavailable(reason="the offline JSON-LD loader is not bound yet")
    return await handler(request)


async def register(app: web.Application) -> None:
    app.middlewares.append(jsonld_errors_middleware)
    app.middlewares.append(no_api_docs)
    app.middlewares.append(offline_or_unavailable)
    app.add_routes(
        [
            web.get("/mcred/contexts", contexts_route, allow_head=False),
            web.post("/mcred/credentials/sign", sign_route),
            *chain.ROUTES,
            *tenants.ROUTES,
        ]
    )
