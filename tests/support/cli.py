"""Running the ``mcred`` command as a person would, from the test's virtualenv."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

MCRED = str(Path(sys.executable).with_name("mcred"))


async def mcred(*args: str, env: dict[str, str], timeout: float = 120) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one ``mcred`` invocation."""
    proc = await asyncio.create_subprocess_exec(
        MCRED, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode, out.decode(), err.decode()
