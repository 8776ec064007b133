"""RFC 9457 problem details: every error a controller returns is ``application/problem+json``
naming the field and the reason (the typed errors themselves are ``common.errors``) — except what wallets
read on OpenID4VC endpoints, in the OAuth shape (``OAuthError``); the agent's internals stay in our logs
("specific to us, vague to them")."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.errors import AgentError, AgentUnavailableError
from common.errors import PROBLEM_BASE, OAuthError, Problem, ServiceUnavailable

from .console import console_error

__all__ = ["install_problem_handlers", "problem_response"]

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str,
    errors: list | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple | list) -> str:
    """``("body", "learner", "email")`` → ``learner.email``: the path as the client wrote it."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        if (page := console_error(request, exc)) is not None:
            for name, value in exc.headers.items():
                page.headers[name] = value
            return page
        return problem_response(
            exc.status, exc.slug, exc.title, exc.detail, request.url.path, exc.errors, exc.headers
        )

    @app.exception_handler(OAuthError)
    async def _oauth(request: Request, exc: OAuthError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(e["loc"]), "reason": e["msg"]} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return problem_response(
            422, "validation-error", "The request is not valid", detail, request.url.path, errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized"}.get(
            exc.status_code, "http-error"
        )
        return problem_response(exc.status_code, slug, str(exc.detail), str(exc.detail), request.url.path)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        """The database cannot be reached (or is locked): nothing was decided, the caller retries."""
        log.error("database unavailable: %s", exc)
        unavailable = ServiceUnavailable("The service's database is not reachable; try again shortly.")
        return problem_response(
            503, "database-unavailable", "The database is unavailable", unavailable.detail,
            request.url.path, headers=unavailable.headers,
        )  # fmt: skip

    @app.exception_handler(AgentError)
    async def _agent(request: Request, exc: AgentError) -> JSONResponse:
        log.error("agent call failed: %s", exc)
        if isinstance(exc, AgentUnavailableError):
            return problem_response(
                503, "agent-unavailable", "The credential agent is unavailable",
                "The service's credential agent is not reachable; try again shortly.",
                request.url.path, headers=ServiceUnavailable.headers,
            )  # fmt: skip
        return problem_response(
            502, "agent-error", "The credential agent failed",
            "The service's credential agent could not complete the request.",
            request.url.path,
        )  # fmt: skip
