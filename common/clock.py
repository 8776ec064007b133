"""Time as the controllers store it: aware UTC."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; every one we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
