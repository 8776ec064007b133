"""Waits that follow progress: a benchmark step fails only when what it waits for has stopped moving.

A fixed deadline fails a big run on a slow machine (1,000 invitations take minutes where 30 take seconds);
no deadline hangs a broken one. ``until`` polls a probe and keeps going as long as the value it watches
changes (rows made, states reached), and gives up only after ``stall`` seconds without any change, saying
what it saw last and for how long it had been waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["STALL", "StalledError", "until"]

STALL = 120.0
"""Seconds without progress after which a step is reported stuck."""

_NOTHING = object()


class StalledError(TimeoutError):
    """Nothing moved for the stall window: the message says what was awaited and the last value seen."""


async def until[T](
    probe: Callable[[], Awaitable[T]],
    *,
    done: Callable[[T], bool] = bool,
    progress: Callable[[T], Any] | None = None,
    stall: float = STALL,
    interval: float = 0.05,
    what: str = "benchmark step",
) -> T:
    """Poll ``probe()`` until ``done(value)``; returns that value. ``progress(value)`` (default: the value
    itself) is what counts as moving: while it keeps changing there is no deadline; once it has not changed
    for ``stall`` seconds, ``StalledError``."""
    loop = asyncio.get_running_loop()
    started = moved = loop.time()
    last: Any = _NOTHING
    while True:
        value = await probe()
        if done(value):
            return value
        now = loop.time()
        mark = progress(value) if progress is not None else value
        if mark != last:
            last, moved = mark, now
        elif now - moved > stall:
            raise StalledError(
                f"{what}: nothing moved for {stall:g} s (waited {now - started:.0f} s in all); "
                f"last seen: {str(value)[:300]}"
            )
        await asyncio.sleep(interval)
