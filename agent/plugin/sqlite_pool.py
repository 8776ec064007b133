"""A larger askar SQLite connection pool than the default, which is clamp(cores, 4, 8): 4 on a 2-core machine.

ACA-Py holds a pooled connection for the length of a session, some across awaits (a handler's transaction,
the responder polling a connection until it is ready). Under a burst of DIDComm messages (measured: a
200-learner bulk issuance, 8 scanning at once) four connections starve: sessions wait 30 s for one and the
message being handled is dropped ("Error acquiring pool connection"). ACA-Py passes no pool options to a
SQLite store, so the plugin adds ``max_connections`` to the store URI before the wallet opens (plugins are
set up before ``Conductor.setup`` opens the profile). Writes still take SQLite's one write lock in turn.
"""

from __future__ import annotations

import logging

from acapy_agent.askar.store import AskarStoreConfig

log = logging.getLogger(__name__)

_build_sqlite_uri = AskarStoreConfig._build_sqlite_uri


BUSY_TIMEOUT_MS = 30_000
"""How long a write waits for SQLite's one write lock. Askar's default, 5 s, is exceeded under the heaviest
load measured (1,000 learners over 4 wallets: "database is locked", the message dropped); waiting is slower
but loses nothing."""


def use_pool_size(max_connections: int) -> None:
    def build(self: AskarStoreConfig, in_memory: bool | None, create: bool) -> str:
        uri = _build_sqlite_uri(self, in_memory, create)
        if in_memory:
            return uri
        log.info("askar SQLite wallet %s: pool of up to %d connections", self.name, max_connections)
        return f"{uri}?max_connections={max_connections}&busy_timeout={BUSY_TIMEOUT_MS}"

    AskarStoreConfig._build_sqlite_uri = build
