"""The issuer's typed errors; each becomes problem+json through ``common.problems``."""

from common.problems import Problem


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Missing or wrong API key"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflicts with the current state"


class InvalidUpload(Problem):
    status, slug, title = 422, "invalid-upload", "The uploaded file is not valid"


class UploadTooLarge(Problem):
    status, slug, title = 413, "upload-too-large", "The uploaded file is too large"


class NotReady(Problem):
    status, slug, title = 409, "not-ready", "Not available yet"


class InvalidRequest(Problem):
    status, slug, title = 400, "invalid-request", "The request cannot be served as asked"


class ServiceUnavailable(Problem):
    status, slug, title = 503, "service-unavailable", "A service this needs is not available"
