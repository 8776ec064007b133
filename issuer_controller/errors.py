"""The issuer's typed errors; each becomes problem+json through ``common.errors``."""

from common.errors import (
    Conflict,
    InvalidRequest,
    NotFound,
    Problem,
    ServiceUnavailable,
    Unauthorized,
    UploadTooLarge,
)

__all__ = [
    "Conflict",
    "InvalidRequest",
    "InvalidUpload",
    "NotFound",
    "NotReady",
    "ServiceUnavailable",
    "Unauthorized",
    "UploadTooLarge",
]


class InvalidUpload(Problem):
    status, slug, title = 422, "invalid-upload", "The uploaded file is not valid"


class NotReady(Problem):
    status, slug, title = 409, "not-ready", "Not available yet"
