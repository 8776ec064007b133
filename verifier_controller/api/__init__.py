"""Thin routes: parse, call one service function, shape the answer."""

from typing import Annotated

from fastapi import Depends, Request

from ..context import VerifierContext


async def verifier_context(request: Request) -> VerifierContext:
    """Async: FastAPI runs a plain function dependency in a thread, a hop per request for a lookup."""
    return request.app.state.verifier


VerifierDep = Annotated[VerifierContext, Depends(verifier_context)]
