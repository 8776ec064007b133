"""Thin routes: parse, call one service function, shape the answer."""

from typing import Annotated

from fastapi import Depends, Request

from ..context import IssuerContext


async def issuer_context(request: Request) -> IssuerContext:
    """Async: FastAPI runs a plain function dependency in a thread, a hop per request for a lookup."""
    return request.app.state.issuer


IssuerDep = Annotated[IssuerContext, Depends(issuer_context)]
