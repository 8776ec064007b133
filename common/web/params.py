"""Query parameters with bounds, checked before a list query runs (the bounds are ``common.limits``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from ..limits import MAX_OFFSET, MAX_PAGE

__all__ = ["PageLimit", "PageOffset"]

PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Rows to return (1 to {MAX_PAGE})")]
PageOffset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"Rows to skip (0 to {MAX_OFFSET:,})")]
