"""``mcred``: run the stack (up / down / status) and the demo."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from agent.keyfiles import tighten
from agent.process import ProcessError, pid_alive
from revocation.accreditation import accredit, deaccredit, is_accredited
from revocation.chain import ChainClient
from revocation.deploy import ensure_deployed

from .anvil import ANVIL_DEPLOYER_KEY, LOCAL_CHAIN_ID
from .demo import run_demo
from .settings import StackSettings
from .stack import ComponentInfo, Stack, StackError, probe_state, read_state, stop_recorded_stack

app = typer.Typer(
    help="Microcredentials trust layer: run the local stack and the demo.", no_args_is_help=True
)


def _say(text: str) -> None:
    typer.echo(text)


def _print_components(components: dict[str, ComponentInfo]) -> None:
    for c in components.values():
        _say(f"  {c.name:<16} {c.url:<28} ready in {c.startup_seconds:5.2f} s   pid {c.pid}")


async def _wait_for_stop_signal(stack: Stack) -> ProcessError | None:
    """Until Ctrl-C / SIGTERM ('mcred down'), or a part crashed too often to be restarted: then why."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stop_task = asyncio.create_task(stop.wait())
    failure_task = asyncio.create_task(stack.wait_for_failure())
    done, pending = await asyncio.wait({stop_task, failure_task}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return failure_task.result() if failure_task in done else None


async def _up() -> int:
    stack = Stack(StackSettings())
    started = time.monotonic()
    _say(f"Starting the stack from {stack.data_dir} ...")
    try:
        components = await _interruptible(stack.up())
    except StackError as err:
        _say(f"mcred: {err}")
        return 1
    if components is None:
        return 130
    _say(f"Up in {time.monotonic() - started:.1f} s:")
    _print_components(components)
    _say(f"  API docs: {components['issuer'].url}/docs and {components['verifier'].url}/docs")
    _say(f"  Operator API keys: {stack.operator_key_path('issuer')} (registers institutions),")
    _say(f"    {stack.operator_key_path('verifier')} (registers employers)")
    _say("A part that crashes is restarted ('mcred status' counts it); Ctrl-C or 'mcred down' stops all.")
    died = await _wait_for_stop_signal(stack)
    if died is not None:
        _say(f"mcred: {died}")
        _say("mcred: stopping the stack")
    await stack.down()
    _say("Stopped.")
    return 0 if died is None else 1


async def _interruptible(coro):
    """Run ``coro``; Ctrl-C / SIGTERM while it runs cancels it (its cleanup stops what it started)."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(coro)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    try:
        return await task
    except asyncio.CancelledError:
        return None
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@app.command()
def up() -> None:
    """Start the local chain, the agents and the controllers; print their URLs; run until stopped."""
    raise typer.Exit(asyncio.run(_up()))


@app.command()
def down() -> None:
    """Stop a stack started by 'mcred up' from the same data directory."""
    settings = StackSettings()
    state = read_state(settings.data_dir.resolve())
    if state is None:
        _say("mcred: no stack is recorded as running here")
        return
    forced = stop_recorded_stack(state)
    if forced:
        _say(f"Stopped; had to kill what was left of: {', '.join(forced)}")
    else:
        _say("Stopped.")
    (settings.data_dir.resolve() / "stack.json").unlink(missing_ok=True)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object instead of a table")] = False,
) -> None:
    """What runs now: each component, whether it answers, its memory, and how often it was restarted (and
    why it last ended). Exit 1 unless all answer."""
    state = read_state(StackSettings().data_dir.resolve())
    if state is None or not pid_alive(state["pid"]):
        if as_json:
            typer.echo(json.dumps({"running": False, "components": []}))
        else:
            _say("Not running.")
        raise typer.Exit(1)
    rows = asyncio.run(probe_state(state))
    healthy = all(r["answering"] for r in rows)
    if as_json:
        typer.echo(json.dumps({"running": True, "healthy": healthy, "components": rows}))
    else:
        _say(f"Running since {state['started']} (mcred up, pid {state['pid']}):")
        for r in rows:
            rss = f"{r['rss_bytes'] / 2**20:6.1f} MB" if r["rss_bytes"] else "     -   "
            mark = "up  " if r["answering"] else "DOWN"
            restarts = f"  restarted {r['restarts']}x, last: {r['last_exit']}" if r.get("last_exit") else ""
            _say(f"  {mark} {r['name']:<16} {r['url']:<28} {rss}  pid {r['pid']}{restarts}")
    raise typer.Exit(0 if healthy else 1)


@app.command()
def demo(
    keep: Annotated[bool, typer.Option("--keep", help="Leave the stack running at the end")] = False,
) -> None:
    """The whole story on the embedded defaults: accredit, define, offer, hold, verify, revoke, verify again,
    stack; ends with one JSON line and a non-zero exit if a step failed."""
    raise typer.Exit(asyncio.run(_demo(keep)))


async def _demo(keep: bool) -> int:
    summary, kept = await run_demo(StackSettings(), keep=keep, say=_say)
    sys.stdout.write(json.dumps(summary) + "\n")
    sys.stdout.flush()
    passed = all(s["status"] == "passed" for s in summary["steps"])
    if kept is not None:
        if (died := await _wait_for_stop_signal(kept)) is not None:
            _say(f"mcred: {died}")
            passed = False
        await kept.down()
    return 0 if passed else 1


@app.command("issue-bulk")
def issue_bulk(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV: email,name,ref,grade,...")],
    template: Annotated[str, typer.Option("--template", "-t", help="Template id every row receives")],
    api_key: Annotated[str, typer.Option(envvar="MCRED_API_KEY", help="The institution's API key")],
    url: Annotated[str, typer.Option(envvar="MCRED_ISSUER_URL", help="Issuer controller")] = (
        "http://127.0.0.1:8001"
    ),
    wait: Annotated[bool, typer.Option(help="Follow until every row is issued, failed or expired")] = True,
) -> None:
    """Issue one microcredential to every learner in a CSV, with a progress bar."""
    raise typer.Exit(
        asyncio.run(_issue_bulk(file.name, file.read_bytes(), template, api_key, url.rstrip("/"), wait))
    )


async def _issue_bulk(name: str, csv: bytes, template: str, api_key: str, url: str, wait: bool) -> int:
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": api_key}, timeout=60) as http:
        response = await http.post(
            "/v1/bulk-issuances",
            params={"template_id": template, "filename": name},
            content=csv,
            headers={"Content-Type": "text/csv"},
        )
        if response.status_code >= 400:
            problem = response.json()
            _say(f"mcred: {problem.get('title')}: {problem.get('detail')}")
            for error in problem.get("errors", [])[:50]:
                _say(f"  row {error.get('row', '-')}: {error.get('field')}: {error.get('reason')}")
            return 1
        job = response.json()
        again = " (this file was uploaded before: following that job)" if response.status_code == 200 else ""
        _say(f"Bulk issuance {job['id']}: {job['total']} learners{again}")
        _say(f"Invitations: {url}/v1/bulk-issuances/{job['id']}/offers")
        if not wait:
            return 0
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[states]}"),
        ) as bar:
            task = bar.add_task("issued", total=job["total"], states="")
            while not job["finished"]:
                await asyncio.sleep(1)
                job = (await http.get(f"/v1/bulk-issuances/{job['id']}")).json()
                states = ", ".join(f"{k} {v}" for k, v in sorted(job["by_state"].items()))
                final = sum(job["by_state"].get(s, 0) for s in ("issued", "failed", "expired"))
                bar.update(task, completed=final, states=states)
        failed = job["by_state"].get("failed", 0) + job["by_state"].get("expired", 0)
        _say(f"Finished: {job['by_state'].get('issued', 0)} issued, {failed} failed or expired")
        return 0 if failed == 0 else 1


chain_app = typer.Typer(help="The ledger: deploy the registries.", no_args_is_help=True)
registry_app = typer.Typer(
    help="The accreditation authority's commands (IssuerRegistry).", no_args_is_help=True
)
app.add_typer(chain_app, name="chain")
app.add_typer(registry_app, name="registry")

RpcOption = Annotated[str, typer.Option("--rpc-url", envvar="MCRED_CHAIN_RPC_URL", help="JSON-RPC endpoint")]
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--key", envvar="MCRED_CHAIN_KEY", help="Funded private key (a local anvil uses its dev key)"
    ),
]


async def _chain_client(rpc_url: str, key: str | None) -> ChainClient:
    client = ChainClient(rpc_url, key or ANVIL_DEPLOYER_KEY)
    if key is None and await client.w3.eth.chain_id != LOCAL_CHAIN_ID:
        await client.aclose()
        raise typer.BadParameter("a public chain needs --key (or MCRED_CHAIN_KEY): a funded account")
    return client


def _record() -> Path:
    return StackSettings().data_dir.resolve() / "chain" / "deployments.json"


@chain_app.command("deploy")
def chain_deploy(rpc_url: RpcOption = "http://127.0.0.1:8545", key: KeyOption = None) -> None:
    """Deploy StatusRegistry and IssuerRegistry (once per chain; addresses kept in deployments.json)."""

    async def run() -> dict[str, str]:
        client = await _chain_client(rpc_url, key)
        try:
            return await ensure_deployed(client, _record())
        finally:
            await client.aclose()

    deployed = asyncio.run(run())
    tighten(_record().parent)  # the data directory is its owner's alone
    for name, address in deployed.items():
        _say(f"{name}: {address}")


async def _registry(rpc_url: str, key: str | None) -> tuple[ChainClient, str]:
    client = await _chain_client(rpc_url, key)
    chain = str(await client.w3.eth.chain_id)
    book = json.loads(_record().read_text()) if _record().exists() else {}
    if "IssuerRegistry" not in book.get(chain, {}):
        await client.aclose()
        raise typer.BadParameter(f"no IssuerRegistry recorded for chain {chain}: run 'mcred chain deploy'")
    return client, book[chain]["IssuerRegistry"]


@registry_app.command("accredit")
def registry_accredit(
    did: Annotated[str, typer.Argument(help="The institution's DID")],
    account: Annotated[str, typer.Option(help="Chain account bound to the DID (writes its status lists)")],
    scope: Annotated[str, typer.Option(help="What for, e.g. an IQR qualification code, or 'any'")] = "any",
    until: Annotated[datetime, typer.Option(help="End of the accreditation (UTC)")] = datetime(2030, 12, 31),
    rpc_url: RpcOption = "http://127.0.0.1:8545",
    key: KeyOption = None,
) -> None:
    """Accredit an institution's DID from now until --until."""

    async def run() -> tuple[int, str]:
        client, registry = await _registry(rpc_url, key)
        try:
            start = datetime.fromtimestamp((await client.w3.eth.get_block("latest"))["timestamp"], UTC)
            return await accredit(client, registry, did, account, scope, start, until.replace(tzinfo=UTC))
        finally:
            await client.aclose()

    record, tx = asyncio.run(run())
    _say(f"accredited {did} for {scope} until {until:%Y-%m-%d} (record {record}, tx {tx})")


@registry_app.command("revoke")
def registry_revoke(
    did: Annotated[str, typer.Argument(help="The institution's DID")],
    record: Annotated[
        int, typer.Option(help="Which accreditation record to end (see 'accredit' output)")
    ] = 0,
    for_cause: Annotated[
        bool,
        typer.Option(
            "--for-cause",
            help="Withdrawn for cause (fraud, a failed audit): voids what it covered before too. Without it, "
            "credentials issued before now stay accredited (docs/on-chain.md).",
        ),
    ] = False,
    rpc_url: RpcOption = "http://127.0.0.1:8545",
    key: KeyOption = None,
) -> None:
    """End an accreditation now; its history stays on chain."""

    async def run() -> str:
        client, registry = await _registry(rpc_url, key)
        try:
            return await deaccredit(client, registry, did, record, for_cause=for_cause)
        finally:
            await client.aclose()

    how = "for cause" if for_cause else "from now on"
    _say(f"de-accredited {did} {how} (record {record}, tx {asyncio.run(run())})")


@registry_app.command("check")
def registry_check(
    did: Annotated[str, typer.Argument(help="The DID")],
    scope: Annotated[str, typer.Option(help="Scope, or 'any'")] = "any",
    at: Annotated[datetime | None, typer.Option(help="Moment (UTC); default now")] = None,
    rpc_url: RpcOption = "http://127.0.0.1:8545",
) -> None:
    """Is a credential the DID issued at that moment, for the scope, accredited (the contract's rule, as every
    verifier applies it)? Exit 0 if yes, 1 if not."""

    async def run() -> bool:
        client, registry = await _registry(rpc_url, None)
        try:
            moment = at.replace(tzinfo=UTC) if at else datetime.now(UTC)
            return await is_accredited(client, registry, did, scope, moment)
        finally:
            await client.aclose()

    accredited = asyncio.run(run())
    _say("accredited" if accredited else "not accredited")
    raise typer.Exit(0 if accredited else 1)
