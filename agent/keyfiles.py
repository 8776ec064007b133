"""Secrets: kept in files only their owner reads, under directories only their owner enters, and kept out of
logs. Everything under a data directory is the owner's alone (dirs 0700, files 0600): wallets, keys, chain
state and logs all say something an attacker wants."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["PRIVATE_UMASK", "Redactor", "private_dir", "secret_file", "tighten", "write_private"]

PRIVATE_UMASK = 0o077
"""For the processes we start: what they create (askar's SQLite files and their WAL/SHM companions, anvil's
state, controllers' databases) is created 0600 / 0700."""


def private_dir(path: Path) -> Path:
    """``path`` and any missing parent made mode 0700 (``Path.mkdir(parents=True)`` gives parents 0755)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
    return path


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, mode 0600 whether or not it existed (an older file may be 0644)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        os.fchmod(fd, 0o600)
        out.write(text)


def secret_file(path: Path, make: Callable[[], str]) -> str:
    """The secret in ``path``; on first use ``make()`` creates it (mode 0600, never overwritten)."""
    if path.exists():
        return path.read_text().strip()
    private_dir(path.parent)
    secret = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secret)
    return secret


def tighten(root: Path) -> None:
    """Take group and others' access away from everything under ``root``: data directories made before
    modes were private (askar's ``sqlite.db*`` and logs were 0644) become private where they lie."""
    for directory, _, files in os.walk(root):
        os.chmod(directory, 0o700)
        for name in files:
            path = os.path.join(directory, name)
            mode = os.lstat(path).st_mode
            if mode & 0o077 and not os.path.islink(path):
                os.chmod(path, mode & 0o700)


_LOOKS_SECRET = [
    # name = value, name: value, "name": "value" (config dumps, env listings, query strings)
    (
        re.compile(
            r"(?i)((?:api|wallet|private)[-_]?key|password|passwd|secret)"
            r"(\"?'?\s*[:=]\s*\"?'?)([^\s\"',;&}]+)"
        ),
        r"\1\2***",
    ),
    (re.compile(r"(://[^:/@\s]+):([^@/\s]+)@"), r"\1:***@"),  # a password in a URL
    (re.compile(r"(?m)^(\(\d+\) 0x)[0-9a-fA-F]{64}[ \t]*$"), r"\1***"),  # anvil's "Private Keys" listing
    (re.compile(r"(?m)^(Mnemonic:\s+).+$"), r"\1***"),  # ... and the phrase they derive from
]


class Redactor:
    """Replaces secrets in text bound for a log: the values it was given, and what looks like one."""

    MIN_LENGTH = 8
    """Shorter values are not secrets we make; replacing them would garble logs."""

    def __init__(self, secrets: Iterable[str] = ()):
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        for secret in secrets:
            if len(secret) >= self.MIN_LENGTH:
                self._secrets.add(secret)
                if secret.startswith("0x"):  # a chain key may be printed without its prefix
                    self._secrets.add(secret[2:])

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        for pattern, replacement in _LOOKS_SECRET:
            text = pattern.sub(replacement, text)
        return text
