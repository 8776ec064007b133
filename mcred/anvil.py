"""The local EVM node (anvil from the pinned ``@foundry-rs/anvil`` npm package)."""

from __future__ import annotations

import platform
from pathlib import Path

import httpx

from agent.process import ManagedProcess, free_port, retry_taken_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent

LOCAL_CHAIN_ID = 31337

ANVIL_DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
"""anvil's first development account (public knowledge, funded only on a local anvil): deploys the
registries and acts as the accreditation authority of the local chain. Public chains take a real key."""

ANVIL_ISSUER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
"""anvil's second development account: the local issuer controller's, owner of its status lists."""

_PLATFORMS = {
    ("Linux", "x86_64"): "linux-amd64",
    ("Linux", "aarch64"): "linux-arm64",
    ("Darwin", "x86_64"): "darwin-amd64",
    ("Darwin", "arm64"): "darwin-arm64",
}


def anvil_binary(root: Path = PROJECT_ROOT) -> Path:
    key = (platform.system(), platform.machine())
    if key not in _PLATFORMS:
        raise FileNotFoundError(f"no anvil build for {key[0]} {key[1]} in @foundry-rs/anvil")
    path = root / "node_modules" / "@foundry-rs" / f"anvil-{_PLATFORMS[key]}" / "bin" / "anvil"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run 'make bootstrap' (installs package-lock.json)")
    return path


STATE_INTERVAL = 1
"""Seconds between anvil's writes of its state file: a node killed outright (SIGKILL, out of memory) comes
back with everything but the transactions of its last second; one stopped with SIGTERM writes all at exit."""


def anvil_argv(binary: Path, host: str, port: int, chain_id: int, state_file: Path) -> list[str]:
    """``--state`` loads the chain from the file at start and writes it back at exit (and every
    ``STATE_INTERVAL`` seconds)."""
    return [
        str(binary),
        "--host", host,
        "--port", str(port),
        "--chain-id", str(chain_id),
        "--state", str(state_file),
        "--state-interval", str(STATE_INTERVAL),
    ]  # fmt: skip


async def chain_id(http: httpx.AsyncClient, rpc_url: str) -> int | None:
    """The node's chain id, or None while it does not answer."""
    try:
        response = await http.post(
            rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        )
        return int(response.json()["result"], 16)
    except (httpx.HTTPError, ValueError, KeyError):
        return None


async def has_code(http: httpx.AsyncClient, rpc_url: str, address: str) -> bool:
    """Whether a contract lives at ``address`` (a node restarted from a lost state has none)."""
    response = await http.post(
        rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_getCode", "params": [address, "latest"]}
    )
    return response.json().get("result", "0x") not in ("0x", "0x0", None)


async def local_node(folder: Path, chain: int = 31337) -> tuple[ManagedProcess, str]:
    """A throwaway anvil on a free loopback port (tests, benchmarks); the caller stops the process."""

    async def start() -> tuple[ManagedProcess, str]:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        node = ManagedProcess(
            "anvil",
            anvil_argv(anvil_binary(), "127.0.0.1", port, chain, folder / "anvil-state.json"),
            folder / "anvil.log",
        )
        await node.start()
        async with httpx.AsyncClient(timeout=2) as http:

            async def ready() -> bool:
                return await chain_id(http, url) == chain

            try:
                await node.wait_ready(ready, timeout=30)
            except BaseException:
                await node.stop()
                raise
        return node, url

    return await retry_taken_port(start)
