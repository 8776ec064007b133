"""The typed errors services raise. Each names its kind (``slug``, an RFC 9457 problem type under
``PROBLEM_BASE``) and HTTP status; the web layer (``common.web.problems``) renders it as problem+json, and
routes never build error responses themselves."""

from __future__ import annotations

from typing import Any

__all__ = [
    "Conflict",
    "InvalidRequest",
    "NotFound",
    "PROBLEM_BASE",
    "Problem",
    "ServiceUnavailable",
    "Unauthorized",
    "UploadTooLarge",
]

PROBLEM_BASE = "https://w3id.org/mcred/problems/"


class Problem(Exception):
    """A typed error a service raises; routes never build responses for errors themselves."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"
    headers: dict[str, str] = {}

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Missing or wrong API key"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflicts with the current state"


class InvalidRequest(Problem):
    status, slug, title = 400, "invalid-request", "The request cannot be served as asked"


class UploadTooLarge(Problem):
    status, slug, title = 413, "upload-too-large", "The uploaded file is too large"


class ServiceUnavailable(Problem):
    """Retryable: nothing was decided or stored."""

    status, slug, title = 503, "service-unavailable", "A service this needs is not available"
    headers = {"Retry-After": "5"}
