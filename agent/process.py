"""Child processes we own: started in their own process group, their output copied into a private log with
secrets redacted, awaited until ready, and stopped with SIGTERM then SIGKILL so nothing is left behind.

Used for the ACA-Py agents and, by the stack, for anvil and the controllers.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

from .keyfiles import PRIVATE_UMASK, Redactor, private_dir, write_private

__all__ = [
    "ManagedProcess",
    "pid_alive",
    "rss_bytes",
    "ProcessError",
    "ProcessDiedError",
    "ProcessNotReadyError",
    "free_port",
    "PORT_ATTEMPTS",
    "listening_socket",
    "retry_taken_port",
    "PortBook",
    "exit_reason",
]

PORT_ATTEMPTS = 3

_PR_SET_PDEATHSIG = 1


class ProcessError(Exception):
    """A managed process failed; the message carries the tail of its log."""

    def __init__(self, name: str, reason: str, log_tail: str):
        self.name = name
        self.reason = reason
        self.log_tail = log_tail
        super().__init__(f"{name}: {reason}\n--- last lines of its log ---\n{log_tail}")


class ProcessDiedError(ProcessError):
    """The process exited while we still needed it."""


class ProcessNotReadyError(ProcessError):
    """The process runs but did not become ready before the deadline."""


def free_port(host: str = "127.0.0.1", preferred: int = 0) -> int:
    """``preferred`` if it is free now, else a port the kernel had free a moment ago (callers retry if
    someone takes it first)."""
    for candidate in (preferred, 0) if preferred else (0,):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # As servers bind (aiohttp, uvicorn, anvil): a port whose old connections linger in
            # TIME_WAIT after a restart is free for them, so it is free here too.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, candidate))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError("no free port")


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket for a child to serve on (uvicorn ``--fd``): the port is held from the moment it
    is chosen, so nobody takes it while the processes started before the child (agents) get ready."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it (Linux). uvicorn wraps an inherited descriptor as AF_UNIX, so
        # asyncio never sets it on them: without it each response stalls ~40 ms (Nagle + delayed ACK).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(socket.SOMAXCONN)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


async def retry_taken_port[T](start: Callable[[], Awaitable[T]], attempts: int = PORT_ATTEMPTS) -> T:
    """``start`` again when its child found a port taken: for children that bind ports themselves (ACA-Py,
    anvil), a free port is picked, then bound, and someone may take it in between. ``start`` must pick
    its ports anew (a ``PortBook`` does: the taken port is no longer free)."""
    attempt = 1
    while True:
        try:
            return await start()
        except ProcessDiedError as err:
            if attempt >= attempts or "address already in use" not in err.log_tail.lower():
                raise
            attempt += 1


class PortBook:
    """Ports chosen once and reused on later starts while free: DIDComm endpoints and URLs written into
    connections and credentials stay valid across restarts."""

    def __init__(self, path: Path):
        self.path = path

    def _read(self) -> dict[str, int]:
        try:
            return json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def port(self, name: str, configured: int = 0) -> int:
        """``configured`` when set (non-zero); otherwise the recorded port if free, else a new one."""
        if configured:
            return configured
        book = self._read()
        chosen = free_port(preferred=book.get(name, 0))
        if book.get(name) != chosen:
            book[name] = chosen
            write_private(self.path, json.dumps(book, indent=2))
        return chosen


def pid_alive(pid: int) -> bool:
    """True while a process with this pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def rss_bytes(pid: int) -> int | None:
    """Resident memory of a process (Linux /proc), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except FileNotFoundError:
        return None
    return None


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if we die without stopping it (no orphans after a crash)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def exit_reason(returncode: int) -> str:
    """How a process ended, as people read it: ``exited with code -9 (SIGKILL)``."""
    if returncode < 0:
        try:
            return f"exited with code {returncode} ({signal.Signals(-returncode).name})"
        except ValueError:
            pass
    return f"exited with code {returncode}"


class ManagedProcess:
    """One child process, its log file and its lifecycle; ``start`` again after it ended runs it anew
    (same command, environment and inherited descriptors), appending to the same log."""

    LOG_LINE_LIMIT = 1 << 20
    """A line longer than this (no newline yet) is written in parts."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        pass_fds: Sequence[int] = (),
        redact: Redactor | None = None,
    ):
        """``redact`` scrubs the output before it reaches the log (by default: what looks like a secret)."""
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.pass_fds = tuple(pass_fds)
        self.redact = redact or Redactor()
        self._proc: asyncio.subprocess.Process | None = None
        self._copying: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    async def start(self) -> None:
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        private_dir(self.log_path.parent)
        log = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.fchmod(log, 0o600)  # a log from before modes were private
            self._write(log, f"=== {time.strftime('%Y-%m-%dT%H:%M:%S')} start: {self.argv}\n".encode())
            self._proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                pass_fds=self.pass_fds,
                preexec_fn=_die_with_parent,
                umask=PRIVATE_UMASK,
            )
        except BaseException:
            os.close(log)
            raise
        assert self._proc.stdout is not None  # stdout=PIPE above
        self._copying = asyncio.create_task(self._copy_output(self._proc.stdout, log))
        self._stopping = False

    def _started(self) -> tuple[asyncio.subprocess.Process, asyncio.Task[None]]:
        """The process and the task copying its output, both set by ``start``."""
        if self._proc is None or self._copying is None:
            raise RuntimeError(f"{self.name} was never started")
        return self._proc, self._copying

    def _write(self, log: int, data: bytes) -> None:
        os.write(log, self.redact(data.decode(errors="replace")).encode())

    async def _copy_output(self, output: asyncio.StreamReader, log: int) -> None:
        """The child's output into its log, whole lines at a time (a secret is never split across two
        redactions), until the child and everything it started closed it."""
        try:
            pending = b""
            while chunk := await output.read(1 << 16):
                lines, newline, pending = (pending + chunk).rpartition(b"\n")
                if newline:
                    self._write(log, lines + newline)
                if len(pending) > self.LOG_LINE_LIMIT:
                    self._write(log, pending)
                    pending = b""
            if pending:
                self._write(log, pending)
        finally:
            os.close(log)

    async def wait(self) -> int:
        """Until the process exits, however it ends, and its output is in the log; its return code."""
        proc, copying = self._started()
        code = await proc.wait()
        await asyncio.shield(copying)
        return code

    def log_tail(self, lines: int = 40) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - 64 * 1024))
                text = log.read().decode(errors="replace")
        except FileNotFoundError:
            return "(no log file)"
        return "\n".join(text.splitlines()[-lines:])

    def death(self) -> ProcessDiedError | None:
        """Why the process is gone, if it died without being asked to stop."""
        if self._proc is None or self._proc.returncode is None or self._stopping:
            return None
        return ProcessDiedError(self.name, exit_reason(self._proc.returncode), self.log_tail())

    async def wait_ready(
        self,
        probe: Callable[[], Awaitable[bool]],
        timeout: float,
        interval: float = 0.1,
    ) -> float:
        """Poll ``probe`` until it says ready; returns the seconds it took. Fails early on death."""
        started = time.monotonic()
        deadline = started + timeout
        while True:
            proc, _ = self._started()
            if proc.returncode is not None and not self._stopping:
                await self.wait()  # its last words reach the log before they are quoted
                died = self.death()
                assert died is not None  # it exited and was not asked to stop
                raise died
            if await probe():
                return time.monotonic() - started
            if time.monotonic() >= deadline:
                raise ProcessNotReadyError(self.name, f"not ready after {timeout:.0f} s", self.log_tail())
            await asyncio.sleep(interval)

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to the whole process group, SIGKILL after ``grace`` seconds, and return only once
        nothing of the group is left (a SIGKILL is delivered asynchronously)."""
        if self._proc is None:
            return
        proc, copying = self._started()
        self._stopping = True
        if proc.returncode is None:
            self._signal_group(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), grace)
            except TimeoutError:
                self._signal_group(signal.SIGKILL)
                await proc.wait()
        deadline = time.monotonic() + 5
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            # Stragglers in the group (a child that ignored the TERM) go too.
            self._signal_group(signal.SIGKILL)
            await asyncio.sleep(0.02)
        await asyncio.shield(copying)

    def _signal_group(self, sig: signal.Signals) -> None:
        proc, _ = self._started()
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs (zombies waiting to be reaped do not count)."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False
