"""The header both controllers take API keys from (OpenAPI shows it as the security scheme)."""

from __future__ import annotations

from fastapi.security import APIKeyHeader

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key")
