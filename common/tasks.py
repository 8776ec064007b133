"""Background work a controller owns for its lifetime: spawned by name, failures logged (the controller's
reconciler retries what was left), all cancelled and awaited on shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self) -> None:
        self.running: set[asyncio.Task] = set()

    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self.running.add(task)
        task.add_done_callback(self._done)

    def named(self, name: str) -> bool:
        return any(t.get_name() == name for t in self.running)

    def _done(self, task: asyncio.Task) -> None:
        self.running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed: %r", task.get_name(), task.exception(), exc_info=task.exception())

    async def drain(self) -> None:
        for task in list(self.running):
            task.cancel()
        await asyncio.gather(*self.running, return_exceptions=True)


async def every(interval: float, work, what: str) -> None:
    """Run ``work()`` forever, ``interval`` s apart; a failed pass is logged and the next one retries."""
    while True:
        try:
            await work()
        except Exception:
            log.exception("%s pass failed", what)
        await asyncio.sleep(interval)
