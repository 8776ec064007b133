"""A stock Credo 0.6.3 OpenID4VC holder — the framework under Bifold 3 and BC Wallet — as a child process.

``wallets/credo06/holder.mjs`` (installed by ``scripts/install-credo.sh``) reads one JSON command per
line and writes one JSON event per line; see the head of that file for the whole protocol. It needs no
inbound port: it only calls out (offers, tokens, credentials, status lists, authorization requests), over
loopback http, which it allows as phones do not. Its wallet (askar) lives in the test's temporary folder;
Credo's stderr goes to a file there, shown when the holder exits unexpectedly.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

CREDO06 = Path(__file__).resolve().parents[2] / "wallets" / "credo06"
LINE_LIMIT = 16 * 1024 * 1024
"""Events carry whole credentials (and Credo's refusals quote them): past asyncio's 64 KiB line default."""


class Credo06Holder:
    """JSON commands in, JSON events out; ``events`` keeps every event read so far."""

    def __init__(self, process: asyncio.subprocess.Process, stderr: Path):
        self.process = process
        self.stderr = stderr
        self.events: list[dict[str, Any]] = []

    async def next_event(self, timeout: float = 60) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            code = await self.process.wait()
            tail = self.stderr.read_text(errors="replace")[-3000:] if self.stderr.exists() else ""
            raise AssertionError(f"the Credo 0.6 holder exited ({code}): {tail}")
        event = json.loads(line)
        self.events.append(event)
        return event

    async def until(self, name: str, timeout: float = 60, **expected: Any) -> dict[str, Any]:
        """The next ``name`` event with the ``expected`` fields, within ``timeout`` seconds in all.

        An "error" event fails the test, unless it is the one asked for (``until("error", stage="token")``);
        another error then fails it too, as the command it answers has ended."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no {name!r} event {expected} from the Credo 0.6 holder in {timeout}s")
            event = await self.next_event(remaining)
            matches = event["event"] == name and all(event.get(k) == v for k, v in expected.items())
            if matches:
                return event
            assert event["event"] != "error", event

    async def send(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()

    async def receive(
        self,
        offer_uri: str,
        tx_code: str | None = None,
        *,
        alg: str | None = None,
        configurations: list[str] | None = None,
    ) -> None:
        """Accept a credential offer (pre-authorized code flow) as a person tapping "accept" would.

        ``alg`` pins the proof algorithm ("EdDSA", "ES256"); by default Credo chooses, as in a stock wallet.
        Events follow: offer, token, stored (one per credential), done — or error."""
        command: dict[str, Any] = {"op": "receive", "offer": offer_uri}
        if tx_code is not None:
            command["txCode"] = tx_code
        if alg is not None:
            command["alg"] = alg
        if configurations is not None:
            command["configurations"] = configurations
        await self.send(command)

    async def present(self, request_uri: str) -> None:
        """Answer an OpenID4VP authorization request with the stored credentials Credo selects.

        Events follow: request, presented — or error."""
        await self.send({"op": "present", "request": request_uri})

    async def credentials(self, timeout: float = 30) -> list[dict[str, Any]]:
        """What the wallet holds now."""
        await self.send({"op": "list"})
        return (await self.until("credentials", timeout))["items"]

    @property
    def fetches(self) -> list[dict[str, Any]]:
        """Every HTTP request the holder has made so far (as far as events have been read)."""
        return [event for event in self.events if event["event"] == "fetch"]


@asynccontextmanager
async def start_credo06(
    tmp_path: Path, *, contexts: dict[str, Any] | None = None
) -> AsyncIterator[Credo06Holder]:
    """The holder, started and ready, with a fresh wallet under ``tmp_path``; stopped on exit.

    ``contexts`` ({url: document}) are JSON-LD contexts the wallet gets without fetching (for ldp_vc)."""
    home = tmp_path / "credo06"
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "CREDO_DATA": str(home / "wallet"),
        "LIB_ASKAR_PATH": str(CREDO06 / "lib"),
    }
    if contexts is not None:
        (home / "contexts.json").write_text(json.dumps(contexts))
        env["MCRED_CONTEXTS"] = str(home / "contexts.json")
    stderr_path = home / "stderr.log"
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            "node", str(CREDO06 / "holder.mjs"), cwd=CREDO06, env=env, limit=LINE_LIMIT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=stderr,
        )  # fmt: skip
    holder = Credo06Holder(process, stderr_path)
    try:
        await holder.until("ready", timeout=60)
        yield holder
    finally:
        if process.returncode is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
