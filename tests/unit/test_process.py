"""ManagedProcess: ready with a deadline, death reported with the log tail, nothing left after stop; its log
and what it writes private and free of secrets; restarted with backoff until the policy gives up."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
import sys
import textwrap
from pathlib import Path

import pytest

from agent.keyfiles import Redactor, private_dir, tighten, write_private
from agent.process import (
    ManagedProcess,
    PortBook,
    ProcessDiedError,
    ProcessNotReadyError,
    exit_reason,
    free_port,
    listening_socket,
    pid_alive,
    retry_taken_port,
    rss_bytes,
)
from agent.supervisor import GaveUpError, RestartPolicy, Restarts, keep_running


def script(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "child.py"
    path.write_text(textwrap.dedent(body))
    return [sys.executable, "-u", str(path)]


def exists(path: Path):
    async def probe() -> bool:
        return path.exists()

    return probe


async def test_ready_when_the_probe_says_so(tmp_path: Path) -> None:
    marker = tmp_path / "ready"
    argv = script(
        tmp_path,
        f"""
        import pathlib, time
        print("starting", flush=True)
        pathlib.Path({str(marker)!r}).touch()
        time.sleep(60)
        """,
    )
    process = ManagedProcess("sleeper", argv, tmp_path / "log")
    await process.start()
    try:
        seconds = await process.wait_ready(exists(marker), timeout=20)
        assert 0 <= seconds < 20
        assert process.running and pid_alive(process.pid)
        assert rss_bytes(process.pid) > 1_000_000
        assert process.death() is None
    finally:
        await process.stop()
    assert not process.running
    assert process.death() is None  # asked to stop: not a death


async def test_death_during_start_names_the_process_and_shows_its_log(tmp_path: Path) -> None:
    argv = script(
        tmp_path,
        """
        import sys
        print("loading wallet", flush=True)
        print("FATAL: wallet key rejected", file=sys.stderr, flush=True)
        sys.exit(3)
        """,
    )
    process = ManagedProcess("agent x", argv, tmp_path / "log")
    await process.start()
    with pytest.raises(ProcessDiedError) as caught:
        await process.wait_ready(exists(tmp_path / "never"), timeout=20)
    message = str(caught.value)
    assert message.startswith("agent x: exited with code 3")
    assert "FATAL: wallet key rejected" in message
    assert "loading wallet" in caught.value.log_tail


async def test_not_ready_before_the_deadline(tmp_path: Path) -> None:
    argv = script(tmp_path, "import time; print('busy', flush=True); time.sleep(60)")
    process = ManagedProcess("slow", argv, tmp_path / "log")
    await process.start()
    try:
        with pytest.raises(ProcessNotReadyError, match="slow: not ready after 1 s"):
            await process.wait_ready(exists(tmp_path / "never"), timeout=1)
    finally:
        await process.stop()


async def test_stop_kills_what_ignores_sigterm_and_its_children(tmp_path: Path) -> None:
    marker = tmp_path / "ready"
    child_pid_file = tmp_path / "grandchild.pid"
    argv = script(
        tmp_path,
        f"""
        import pathlib, signal, subprocess, sys, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        pathlib.Path({str(child_pid_file)!r}).write_text(str(grandchild.pid))
        pathlib.Path({str(marker)!r}).touch()
        time.sleep(60)
        """,
    )
    process = ManagedProcess("stubborn", argv, tmp_path / "log")
    await process.start()
    await process.wait_ready(exists(marker), timeout=20)
    grandchild = int(child_pid_file.read_text())
    assert pid_alive(grandchild)
    await process.stop(grace=0.5)
    assert process.returncode == -9
    assert not pid_alive(process.pid)
    assert not pid_alive(grandchild)


async def test_log_keeps_earlier_runs_and_tail_reads_the_end(tmp_path: Path) -> None:
    log = tmp_path / "log"
    for run in range(2):
        argv = script(tmp_path, f"print('run {run}: ' + 'x' * 50)\n" * 3)
        process = ManagedProcess("twice", argv, log)
        await process.start()
        await process.wait()
    assert "run 0" in log.read_text()
    assert process.log_tail(lines=2).splitlines() == ["run 1: " + "x" * 50] * 2


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


async def test_a_held_port_is_served_by_the_child_it_is_handed_to_without_nagle_stalls(
    tmp_path: Path,
) -> None:
    sock = listening_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    with socket.socket() as rival, pytest.raises(OSError):
        rival.bind(("127.0.0.1", port))
    argv = script(
        tmp_path,
        f"""
        import socket
        server = socket.socket(fileno={sock.fileno()})
        connection, _ = server.accept()
        nodelay = connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        connection.sendall(b"served, nodelay %d" % nodelay)
        """,
    )
    child = ManagedProcess("server", argv, tmp_path / "log", pass_fds=(sock.fileno(),))
    with sock:
        await child.start()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        # Without TCP_NODELAY, every response the child sends in two writes waits ~40 ms.
        assert client.recv(32) == b"served, nodelay 1"
    assert await child.wait() == 0


async def test_a_start_that_found_its_port_taken_is_retried_and_other_deaths_are_not() -> None:
    calls: list[str] = []

    def starter(log_tail: str, succeed_on: int):
        async def start() -> int:
            calls.append(log_tail)
            if len(calls) < succeed_on:
                raise ProcessDiedError("child", "exited with code 1", log_tail)
            return len(calls)

        return start

    assert await retry_taken_port(starter("[Errno 98] Address already in use", 2)) == 2
    calls.clear()
    with pytest.raises(ProcessDiedError):
        await retry_taken_port(starter("bad configuration", 2))
    assert len(calls) == 1
    calls.clear()
    with pytest.raises(ProcessDiedError):
        await retry_taken_port(starter("address already in use", 10), attempts=3)
    assert len(calls) == 3


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


ANVIL_BANNER = """Private Keys
==================

(0) 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
(1) 0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d

Wallet
==================
Mnemonic:          test test test test test test test test test test test junk
    Transaction: 0x6878091718120d5f1f5fbf5eda1e67c2335ef0546af4788cf029c737d86b6c46
"""


def test_redaction_of_known_secrets_and_of_what_looks_like_one() -> None:
    redact = Redactor(["wallet-key-1234567", "0x" + "ab" * 32, "short"])
    assert redact("opened with wallet-key-1234567.") == "opened with ***."
    assert redact("key " + "ab" * 32) == "key ***"  # a chain key without its 0x
    assert redact("short stays") == "short stays"  # too short to be one of ours
    assert redact('X-API-Key: abc123def admin_api_key=\'s3cr3t\' "wallet_key": "k"') == (
        'X-API-Key: *** admin_api_key=\'***\' "wallet_key": "***"'
    )
    assert redact("postgresql://mcred:pw@db:5432/x") == "postgresql://mcred:***@db:5432/x"
    assert redact("--wallet-key-derivation-method RAW") == "--wallet-key-derivation-method RAW"
    scrubbed = redact(ANVIL_BANNER)
    assert "(0) 0x***\n(1) 0x***\n\nWallet" in scrubbed
    assert "Mnemonic:          ***\n" in scrubbed
    assert "Transaction: 0x6878091718120d5f" in scrubbed  # hashes are no secrets


async def test_the_log_is_private_and_redacted_and_so_is_what_the_child_writes(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "child.log"
    private_dir(log.parent)
    log.write_text("from an older run\n")
    log.chmod(0o644)
    made = tmp_path / "home" / "wallet"
    argv = script(
        tmp_path,
        f"""
        import os, pathlib, sys
        print("argv", sys.argv[1], flush=True)
        print("partial line with the-secret-value", end="", flush=True)
        print(" and its end", flush=True)
        pathlib.Path({str(made)!r}).mkdir(parents=True)
        pathlib.Path({str(made / "sqlite.db-wal")!r}).write_text("x")
        """,
    )
    process = ManagedProcess("child", [*argv, "the-secret-value"], log, redact=Redactor(["the-secret-value"]))
    await process.start()
    assert await process.wait() == 0
    text = log.read_text()
    assert "the-secret-value" not in text
    assert "argv ***\npartial line with *** and its end\n" in text
    assert "from an older run" in text and "start: [" in text
    assert mode(log) == 0o600 and mode(log.parent) == 0o700
    assert mode(made) == 0o700 and mode(made.parent) == 0o700  # the child's umask is 077
    assert mode(made / "sqlite.db-wal") == 0o600


def test_private_files_and_directories(tmp_path: Path) -> None:
    write_private(tmp_path / "a" / "b" / "ports.json", "{}")
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700
    assert mode(tmp_path / "a" / "b" / "ports.json") == 0o600
    PortBook(tmp_path / "c" / "ports.json").port("admin")
    assert mode(tmp_path / "c") == 0o700 and mode(tmp_path / "c" / "ports.json") == 0o600
    old = tmp_path / "old"
    (old / "wallet").mkdir(parents=True, mode=0o755)
    (old / "wallet" / "sqlite.db").write_text("x")
    (old / "wallet" / "sqlite.db").chmod(0o644)
    (old / "tool").write_text("#!")
    (old / "tool").chmod(0o755)
    tighten(old)
    assert mode(old) == mode(old / "wallet") == 0o700
    assert mode(old / "wallet" / "sqlite.db") == 0o600 and mode(old / "tool") == 0o700


def test_exit_reasons_name_the_signal() -> None:
    assert exit_reason(3) == "exited with code 3"
    assert exit_reason(-9) == "exited with code -9 (SIGKILL)"


def test_restart_delays_double_up_to_a_bound_and_start_over_after_a_healthy_run() -> None:
    restarts = Restarts(RestartPolicy(first_delay=0.5, max_delay=4, healthy_after=60, limit=100, window=10))
    now = 1000.0
    delays = []
    for _ in range(6):
        now += 20  # each run shorter than healthy_after; crashes spread wider than the window
        delays.append(restarts.crashed("exited with code 1", now))
        restarts.restarted(now)
    assert delays == [0.5, 1, 2, 4, 4, 4]
    restarts.restarted(now)
    assert restarts.crashed("exited with code -9 (SIGKILL)", now + 60) == 0.5
    assert restarts.count == 7 and restarts.last_exit == "exited with code -9 (SIGKILL)"


def test_the_policy_gives_up_on_repeated_crashes_in_a_short_window_only() -> None:
    restarts = Restarts(RestartPolicy(limit=3, window=60))
    assert restarts.crashed("x", 0) is not None
    assert restarts.crashed("x", 30) is not None
    assert restarts.crashed("x", 61) is not None  # the first one is out of the window now
    assert restarts.crashed("x", 62) is None


FAST = RestartPolicy(first_delay=0.01, max_delay=0.05, limit=3, window=60)


async def test_a_killed_process_is_started_again_until_its_owner_stops_it(tmp_path: Path) -> None:
    argv = script(tmp_path, "import time; print('serving', flush=True); time.sleep(60)")
    process = ManagedProcess("server", argv, tmp_path / "log")
    restarts = Restarts(FAST)
    restarted = asyncio.Event()
    await process.start()
    first = process.pid
    watching = asyncio.create_task(
        keep_running(process, process.start, restarts, lambda: restarts.count and restarted.set())
    )
    os.kill(first, signal.SIGKILL)
    await asyncio.wait_for(restarted.wait(), 20)
    assert process.running and process.pid != first
    assert restarts.count == 1 and restarts.last_exit == "exited with code -9 (SIGKILL)"
    await process.stop()
    await asyncio.wait_for(watching, 20)  # asked to stop: no restart, no error
    assert restarts.count == 1


async def test_a_process_that_keeps_crashing_is_given_up_with_why(tmp_path: Path) -> None:
    argv = script(tmp_path, "import sys; print('bad config', flush=True); sys.exit(3)")
    process = ManagedProcess("broken", argv, tmp_path / "log")
    restarts = Restarts(FAST)
    await process.start()
    with pytest.raises(GaveUpError) as caught:
        await asyncio.wait_for(keep_running(process, process.start, restarts), 20)
    assert str(caught.value).startswith(
        "broken: crashed 3 times within 60 s, not restarted again; last: exit"
    )
    assert "bad config" in caught.value.log_tail
    assert restarts.count == 2


async def test_a_failed_restart_counts_as_a_crash(tmp_path: Path) -> None:
    argv = script(tmp_path, "import time; time.sleep(60)")
    process = ManagedProcess("flaky", argv, tmp_path / "log")
    restarts = Restarts(FAST)
    attempts: list[int] = []
    back = asyncio.Event()

    async def start() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise ProcessDiedError("flaky", "exited with code 1", "[Errno 98] address already in use")
        await process.start()

    await process.start()
    watching = asyncio.create_task(
        keep_running(process, start, restarts, lambda: process.running and back.set())
    )
    os.kill(process.pid, signal.SIGKILL)
    await asyncio.wait_for(back.wait(), 20)
    assert len(attempts) == 2 and restarts.count == 1 and restarts.last_exit == "exited with code 1"
    await process.stop()
    await asyncio.wait_for(watching, 20)
