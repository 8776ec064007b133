"""Time as the controllers store it: aware UTC."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; every one we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(aware)]
"""A timestamp in an API answer: always with its zone (RFC 3339 ``date-time``), whatever the database did."""
