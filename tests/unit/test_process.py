"""ManagedProcess: ready with a deadline, death reported with the log tail, nothing left after stop."""

from __future__ import annotations

import socket
import sys
import textwrap
from pathlib import Path

import pytest

from agent.process import (
    ManagedProcess,
    ProcessDiedError,
    ProcessNotReadyError,
    free_port,
    listening_socket,
    pid_alive,
    retry_taken_port,
    rss_bytes,
)


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
