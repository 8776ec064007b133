"""Request bodies read with a limit: a declared length over it is refused before reading, an undeclared one
as soon as the limit is passed (never a whole 10 MB body in memory first).

A refused body is still drained — read and dropped, up to ``DRAIN_LIMIT`` — before the 413 goes out: a
server that answers early and then closes a connection with unread data resets it (TCP RST: a client that
asked ``Connection: close``, an HTTP/1.0 client, a proxy), and the client's socket may drop the answer with
it. Drained, the client has finished sending and reads the 413. Beyond ``DRAIN_LIMIT`` the body is not read
and the answer says ``Connection: close``.

``RequestLimits`` does this for every request of a controller, before routing, and checks a JSON body's
nesting before anything parses it; ``read_capped`` is the same limit for a route that reads its own body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import Request
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import InvalidRequest, Problem, UploadTooLarge
from ..limits import MAX_JSON_DEPTH, JSONLimitError, check_json
from .problems import problem_response

__all__ = ["DRAIN_LIMIT", "RequestLimits", "drain", "read_capped", "too_large"]

DRAIN_LIMIT = 32 * 2**20
"""Bytes of a refused body still read (and dropped) before the 413 is sent, so the client has finished
sending when the answer comes: a server that closes a connection with unread data resets it (RST), and the
client may lose the 413 with it. A body declared or sent beyond this is refused at once, with
``Connection: close``."""


class _Disconnected(Exception):
    """The client went away while sending: nobody to answer."""


def too_large(detail: str, *, drained: bool) -> UploadTooLarge:
    problem = UploadTooLarge(detail)
    if not drained:
        problem.headers = {"Connection": "close"}
    return problem


async def drain(chunks: AsyncIterator[bytes], already: int = 0) -> bool:
    """Read and drop the rest of a body; False when it went past ``DRAIN_LIMIT`` (then stop reading) or the
    client left."""
    received = already
    try:
        async for chunk in chunks:
            received += len(chunk)
            if received > DRAIN_LIMIT:
                return False
    except (ClientDisconnect, _Disconnected):
        return False
    return True


async def _capped(declared: str | None, chunks: AsyncIterator[bytes], limit: int) -> bytes:
    if declared and declared.isdigit() and int(declared) > limit:
        drained = int(declared) <= DRAIN_LIMIT and await drain(chunks)
        raise too_large(f"the body is {declared} bytes; the limit is {limit}", drained=drained)
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            drained = await drain(chunks, len(body))
            raise too_large(f"the body is over the limit of {limit} bytes", drained=drained)
    return bytes(body)


async def read_capped(request: Request, limit: int) -> bytes:
    return await _capped(request.headers.get("content-length"), request.stream(), limit)


def _utf8(body: bytes) -> bool:
    """Text whose NUL would be read as a character (a body that is not UTF-8 is refused as such, later)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_json(content_type: str | None) -> bool:
    """The bodies FastAPI parses as JSON (``application/json``, ``application/*+json``)."""
    media = (content_type or "").partition(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, as one message; then the client's own messages (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class RequestLimits:
    """ASGI middleware, before routing. Every request body is read here first, up to ``max_bytes`` (413 past
    it, drained), and a JSON body is checked before anything parses it (400 past ``max_depth``: FastAPI's
    parser and pydantic recurse, 50,000 brackets exhaust the stack). A NUL character in the path, the query,
    a JSON or a text body is refused (400: PostgreSQL refuses it in any statement). The app then reads the
    body as it was sent."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.app, self.max_bytes, self.max_depth = app, max_bytes, max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
                raise InvalidRequest("the URL holds a NUL character (%00), which no id or parameter accepts")
            body = await _capped(headers.get("content-length"), _chunks(receive), self.max_bytes)
            content_type = headers.get("content-type")
            if body and _is_json(content_type):
                self._check_json(body)
            elif b"\x00" in body and (content_type or "").lower().startswith("text/") and _utf8(body):
                raise InvalidRequest("the text holds a NUL character, which no field accepts")
        except _Disconnected:
            return
        except Problem as problem:
            response = problem_response(
                problem.status, problem.slug, problem.title, problem.detail, scope["path"],
                headers=problem.headers,
            )  # fmt: skip
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _check_json(self, body: bytes) -> None:
        try:
            check_json(body, self.max_depth)
        except JSONLimitError as err:
            raise InvalidRequest(f"the body is refused: {err}") from err
        except UnicodeDecodeError:
            pass  # not text: the parser says so (400), and nothing in it can be deep
