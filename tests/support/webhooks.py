"""Collects the webhooks agents post, so tests await events instead of sleeping."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from agent.process import ManagedProcess, free_port


@dataclass
class Event:
    agent: str
    topic: str
    payload: dict[str, Any]


@dataclass
class WebhookCollector:
    """``POST /<agent>/topic/<topic>/`` is what ACA-Py sends to ``--webhook-url <base>/<agent>``."""

    events: list[Event] = field(default_factory=list)
    port: int = 0
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None

    def url(self, agent: str) -> str:
        return f"http://127.0.0.1:{self.port}/{agent}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{agent}/topic/{topic}/", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        event = Event(request.match_info["agent"], request.match_info["topic"], await request.json())
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()
        return web.Response(status=200)

    async def wait_for(
        self,
        agent: str,
        topic: str | tuple[str, ...],
        match: Callable[[dict[str, Any]], bool],
        *,
        timeout: float = 30.0,
        watch: Iterable[ManagedProcess] = (),
    ) -> dict[str, Any]:
        """The first event on ``topic`` (or any of several) that matches, already received or still to
        come; fails fast if a watched process dies, and names what was seen if the deadline passes."""
        topics = (topic,) if isinstance(topic, str) else topic
        watch = list(watch)
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                for event in self.events:
                    if event.agent == agent and event.topic in topics and match(event.payload):
                        return event.payload
                for process in watch:
                    if (died := process.death()) is not None:
                        raise died
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [
                        (e.topic, e.payload.get("state"))
                        for e in self.events
                        if e.agent == agent and e.topic in topics
                    ]
                    raise TimeoutError(f"no matching {topics} event from {agent} in {timeout} s; saw {seen}")
                try:
                    # Wake at least once a second to notice a dead process.
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 1.0))
                except TimeoutError:
                    pass
