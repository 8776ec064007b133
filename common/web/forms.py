"""``application/x-www-form-urlencoded`` bodies, as OAuth endpoints take them (token requests, OpenID4VP
responses), parsed without a multipart dependency; unknown parameters are kept (wallets send some)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from common.errors import OAuthError


class FormError(OAuthError):
    """Not a URL-encoded form (or a value holds a NUL, which no field accepts): ``invalid_request``."""

    def __init__(self, description: str):
        super().__init__("invalid_request", description)


def url_encoded(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as err:
        raise FormError("the body is not a URL-encoded form") from err
    if any("\x00" in name or "\x00" in value for name, value in pairs):
        raise FormError("a form value holds a NUL character")
    return dict(pairs)
