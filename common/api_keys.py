"""API keys as both controllers keep them: shown once, stored only as a SHA-256, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_api_key(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def is_operator_key(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
