"""The typed errors services raise. Each names its kind (``slug``, an RFC 9457 problem type under
``PROBLEM_BASE``) and HTTP status; the web layer (``common.web.problems``) renders it as problem+json, and
routes never build error responses themselves."""

from __future__ import annotations

from typing import Any

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidRequest",
    "NotFound",
    "OAuthError",
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


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed"


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


class OAuthError(Exception):
    """An error a wallet reads, shaped as the OAuth and OpenID4VC specs shape them (RFC 6749 §5.2,
    OpenID4VCI §8.3.1, OpenID4VP): ``{"error", "error_description", ...}``, not problem+json."""

    def __init__(self, error: str, description: str, status: int = 400, extra: dict[str, Any] | None = None):
        super().__init__(description)
        self.error, self.description, self.status, self.extra = error, description, status, extra or {}

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description, **self.extra}

    def headers(self) -> dict[str, str]:
        headers = {"Cache-Control": "no-store"}
        if self.status == 401:
            headers["WWW-Authenticate"] = f'Bearer error="{self.error}"'
        return headers
