"""Headless Chromium driven over the DevTools protocol (no browser download: Debian's ``chromium``,
installed by ``scripts/install-chromium.sh``). Opens pages, runs JavaScript, reads what they show."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from mcred.scenario import eventually


def chromium_binary() -> str:
    for candidate in (os.environ.get("MCRED_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    raise FileNotFoundError("no Chromium: run scripts/install-chromium.sh (make test does)")


class Page:
    def __init__(self, socket: aiohttp.ClientWebSocketResponse):
        self.socket = socket
        self._ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        call = next(self._ids)
        await self.socket.send_json({"id": call, "method": method, "params": params})
        while True:
            message = json.loads((await self.socket.receive(timeout=30)).data)
            if message.get("id") == call:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    async def evaluate(self, expression: str) -> Any:
        """The expression's value (awaited if it is a promise); a page-side exception raises here."""
        result = await self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def upload(self, selector: str, path: Path) -> None:
        """Choose a file in a file input, as a person would."""
        root = (await self.send("DOM.getDocument"))["root"]["nodeId"]
        node = (await self.send("DOM.querySelector", nodeId=root, selector=selector))["nodeId"]
        await self.send("DOM.setFileInputFiles", nodeId=node, files=[str(path)])

    async def goto(self, url: str) -> None:
        await self.send("Page.navigate", url=url)
        await eventually(
            lambda: self.evaluate("document.readyState"),
            until=lambda s: s == "complete",
            what=f"{url} loaded",
        )


@asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[Page]:
    """A fresh headless Chromium with one blank page; gone (with its process group) afterwards."""
    process = await asyncio.create_subprocess_exec(
        chromium_binary(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        port_file = profile / "DevToolsActivePort"

        async def port() -> str | None:
            return port_file.read_text().split()[0] if port_file.exists() and port_file.read_text() else None

        base = f"http://127.0.0.1:{await eventually(port, what='Chromium listening')}"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/json/list") as response:
                target = next(t for t in await response.json() if t["type"] == "page")
            async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as socket:
                page = Page(socket)
                await page.send("Page.enable")
                yield page
    finally:
        if process.returncode is None:
            os.killpg(process.pid, 9)
            await process.wait()
