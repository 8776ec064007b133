"""Thin routes: parse, call one service function, shape the answer."""

from typing import Annotated

from fastapi import Depends, Request

from ..context import VerifierContext


def verifier_context(request: Request) -> VerifierContext:
    return request.app.state.verifier


VerifierDep = Annotated[VerifierContext, Depends(verifier_context)]
