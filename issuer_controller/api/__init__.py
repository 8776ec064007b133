"""Thin routes: parse, call one service function, shape the answer."""

from typing import Annotated

from fastapi import Depends, Request

from ..context import IssuerContext


def issuer_context(request: Request) -> IssuerContext:
    return request.app.state.issuer


IssuerDep = Annotated[IssuerContext, Depends(issuer_context)]
