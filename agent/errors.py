"""Typed errors for talking to an agent's admin API: callers branch on the type, people read the message."""

from __future__ import annotations

__all__ = [
    "AgentError",
    "AgentUnavailableError",
    "AgentTimeoutError",
    "AgentAuthError",
    "AgentNotFoundError",
    "AgentRejectedError",
    "AgentServerError",
]


class AgentError(Exception):
    """Root of every error the admin client raises."""

    def __init__(self, message: str, *, method: str = "", path: str = "", status: int | None = None):
        self.method = method
        self.path = path
        self.status = status
        self.detail = message
        where = f"{method} {path}".strip()
        prefix = f"agent {where}" + (f" -> {status}" if status is not None else "")
        super().__init__(f"{prefix}: {message}")


class AgentUnavailableError(AgentError):
    """The agent could not be reached (not running, died, wrong address)."""


class AgentTimeoutError(AgentUnavailableError):
    """The agent did not answer in time."""


class AgentAuthError(AgentError):
    """401/403: the admin API key is wrong or missing."""


class AgentNotFoundError(AgentError):
    """404: the record (connection, exchange, DID) does not exist in this agent."""


class AgentRejectedError(AgentError, ValueError):
    """400/409/422: the agent refused what we sent; the message is the agent's reason."""


class AgentServerError(AgentError):
    """5xx: the agent failed while handling a valid request."""
