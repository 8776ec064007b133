"""Admin routes of the plugin: what it serves, and JSON-LD failures reported as the caller's error."""

from acapy_agent.admin.decorators.auth import tenant_authentication
from acapy_agent.admin.request_context import AdminRequestContext
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader
from acapy_agent.vc.ld_proofs.error import LinkedDataProofException
from aiohttp import web
from aiohttp_apispec import docs
from pyld.jsonld import JsonLdError

from ..contexts import ContextNotBundledError
from .loader import OfflineDocumentLoader


@docs(tags=["mcred"], summary="JSON-LD contexts served offline; 503 until the offline loader is bound")
@tenant_authentication
async def contexts_route(request: web.BaseRequest):
    context: AdminRequestContext = request["context"]
    loader = context.profile.inject_or(DocumentLoader)
    if not isinstance(loader, OfflineDocumentLoader):
        return web.json_response({"offline_loader": False, "contexts": []}, status=503)
    return web.json_response({"offline_loader": True, "contexts": loader.urls})


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


async def register(app: web.Application) -> None:
    app.middlewares.append(jsonld_errors_middleware)
    app.add_routes([web.get("/mcred/contexts", contexts_route, allow_head=False)])
