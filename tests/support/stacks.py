"""A stack of a module's own, for tests that kill or restart parts of it, with settings of its own."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from mcred.settings import StackSettings
from mcred.stack import Stack


@asynccontextmanager
async def own_stack(data_dir: Path, **env: str) -> AsyncIterator[Stack]:
    """``env`` (e.g. shorter reconcile intervals) reaches the controllers it starts, and only them."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    stack = Stack(StackSettings(data_dir=data_dir, chain_port=0, issuer_port=0, verifier_port=0))
    try:
        await stack.up()
        yield stack
        await stack.down()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
