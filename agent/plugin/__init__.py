"""ACA-Py plugin: load JSON-LD contexts from our bundle and never from the network.

Loaded with ``--plugin agent.plugin``. ACA-Py binds its own ``DocumentLoader`` in ``Conductor.setup()``,
after plugins' ``setup()`` ran, so the offline loader is bound on the start-up event instead; until then
``GET /mcred/contexts`` answers 503, and the supervisor waits for it before calling the agent ready.
"""

import re

from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.event_bus import Event, EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.core.util import STARTUP_EVENT_TOPIC
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader

from ..contexts import bundle
from .holder import CONNECTION_ACTIVE, mirror_connection_key
from .loader import OfflineDocumentLoader
from .sqlite_pool import use_pool_size

__all__ = ["setup"]


async def setup(context: InjectionContext) -> None:
    bundle()  # a broken bundle stops the agent here, before it answers anything
    bus = context.inject(EventBus)
    bus.subscribe(re.compile(f"^{re.escape(STARTUP_EVENT_TOPIC)}$"), _bind_loader)
    config = (context.settings.get("plugin_config") or {}).get("mcred") or {}
    if config.get("sqlite_max_connections"):
        use_pool_size(int(config["sqlite_max_connections"]))
    if config.get("mirror_connection_keys"):
        bus.subscribe(re.compile(CONNECTION_ACTIVE), mirror_connection_key)


async def _bind_loader(profile: Profile, event: Event) -> None:
    profile.context.injector.bind_instance(DocumentLoader, OfflineDocumentLoader(profile, bundle()))
