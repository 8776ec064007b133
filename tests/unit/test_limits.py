"""Input limits (common.limits, common.web.uploads) and security headers (common.web.headers), on both
controllers in process: whatever is sent — nested 50,000 deep, baked into a PNG, over the size limit, a number
of 5,000 digits — the answer is a problem naming the limit, never a 500; every answer carries the headers."""

from __future__ import annotations

import json
import re
import struct
import time
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.process import free_port
from common.baking import BakingError, badge_png, unbake_png
from common.limits import MAX_JSON_DEPTH, JSONLimitError, check_json, json_depth, loads
from common.web.headers import CONTENT_SECURITY_POLICY, SECURITY_HEADERS, inline_hash
from common.web.uploads import DRAIN_LIMIT, RequestLimits
from issuer_controller.config import IssuerSettings
from issuer_controller.main import create_app as create_issuer
from verifier_controller.config import VerifierSettings
from verifier_controller.main import create_app as create_verifier

DEEP = b"[" * 50_000 + b"]" * 50_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000


def nested(depth: int) -> bytes:
    return b'{"a":' * (depth - 1) + b"[1]" + b"}" * (depth - 1)


def baked(data: bytes) -> bytes:
    """A badge image whose openbadgecredential chunk holds ``data`` as it is (JSON or not, whole or not)."""
    image = badge_png(16)
    end = image.index(b"IEND") - 4
    chunk = b"iTXt" + b"openbadgecredential\x00" + data
    return (
        image[:end]
        + struct.pack(">I", len(chunk) - 4)
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + image[end:]
    )


# --- the depth scan --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("", 0),
        ("1", 0),
        ("[]", 1),
        ('{"a": {"b": [1, {"c": "]]]"}]}}', 4),
        ('"[[[["', 0),  # brackets in a string do not count
        ('["\\"[[[", [1]]', 2),  # nor after an escaped quote
        ('["\\\\", [[1]]]', 3),  # an escaped backslash ends nothing
        ('"[[[', 0),  # an unterminated string runs to the end, as the parser reads it
        ('[[["', 3),
        ("[] [[[", 3),  # never less than what a parser reaches
    ],
)
def test_depth_is_counted_outside_strings(text: str, depth: int) -> None:
    assert json_depth(text) == depth
    assert json_depth(text.encode()) == depth


def depth_of(value: Any) -> int:
    """The reference: nesting of a parsed value."""
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


@pytest.mark.parametrize(
    "document",
    [
        {"a": [{"b": {"c": [1, 2, {"d": "x]}"}]}}], "e": '\\"['},
        [[], [[]], {"k": "{{{", "[": ["]"]}],
        {"ż": '\u2200"\\', "n": None, "list": [1.5, True, {"deep": [[[["v"]]]]}]},
    ],
)
def test_depth_agrees_with_the_parser(document: Any) -> None:
    for text in (json.dumps(document), json.dumps(document, ensure_ascii=False, indent=2)):
        assert json_depth(text) == depth_of(json.loads(text))
    assert json_depth(nested(MAX_JSON_DEPTH)) == MAX_JSON_DEPTH


def test_utf16_is_scanned_as_the_parser_decodes_it() -> None:
    """U+2200 is the bytes 00 22 in UTF-16-LE: a scan of bytes would see a quote there and lose count."""
    sneaky = ('["\u2200' + '"' + ",[" * 5000 + "]" * 5000 + "]").encode("utf-16")
    assert json_depth(sneaky) > 5000
    with pytest.raises(JSONLimitError, match="nests"):
        loads(sneaky)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 2_000_000,
        b"[]" * 1_000_000,
        b'"' + b'\\"' * 1_000_000,  # one long string of escaped quotes
        b'"' * 2_000_000,
        b'"\\' * 1_000_000,  # unterminated strings, each a backtracking trap for a naive pattern
        b'"' + b"\\" * 2_000_000 + b'"',  # a run of backslashes, where a NUL escape is looked for
    ],
    ids=["open", "flat", "escapes", "quotes", "unterminated", "backslashes"],
)
def test_the_scan_is_linear(body: bytes) -> None:
    started = time.perf_counter()
    try:
        check_json(body, max_depth=10**7)
    except JSONLimitError:
        pass
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        (r'{"a": "\u0000"}', True),
        (r'{"a": "x\\\u0000"}', True),  # an escaped backslash, then the NUL
        (r'{"a": "\\u0000"}', False),  # a backslash, then the text u0000
        (r'{"a": "\u00001"}', True),
        (r'{"a": "\u0001"}', False),
    ],
)
def test_a_nul_character_is_refused(text: str, refused: bool) -> None:
    """PostgreSQL stores no NUL in text or JSONB: such a string refused the whole statement, a 500."""
    if refused:
        with pytest.raises(JSONLimitError, match="NUL"):
            loads(text)
    else:
        assert loads(text) == json.loads(text)


def test_loads_refuses_before_parsing() -> None:
    assert loads(nested(MAX_JSON_DEPTH)) == json.loads(nested(MAX_JSON_DEPTH))
    with pytest.raises(JSONLimitError, match=f"nests {MAX_JSON_DEPTH + 1} levels deep; the limit is 64"):
        loads(nested(MAX_JSON_DEPTH + 1))
    with pytest.raises(JSONLimitError, match="nests 50000"):
        loads(DEEP)
    with pytest.raises(JSONLimitError, match="number too long"):
        loads(b"9" * 5000)
    with pytest.raises(ValueError):
        loads(b"{not json")


def test_a_baked_credential_is_read_with_the_same_limits() -> None:
    header = b"\x00\x00\x00\x00"  # uncompressed, method 0, no language, no translated keyword
    assert unbake_png(baked(header + nested(MAX_JSON_DEPTH))) == json.loads(nested(MAX_JSON_DEPTH))
    with pytest.raises(BakingError, match="refused: the JSON nests 50000"):
        unbake_png(baked(header + DEEP_OBJECT))


@pytest.mark.parametrize("data", [b"", b"\x00"])
def test_a_badge_chunk_cut_short_is_a_baking_error(data: bytes) -> None:
    """It once read rest[1] of a chunk that had no second byte: an IndexError, a 500."""
    with pytest.raises(BakingError, match="ends before its compression flag"):
        unbake_png(baked(data))


# --- both controllers, in process ------------------------------------------------------------------------
@asynccontextmanager
async def running(role: str, tmp_path: Path, app_hook=None) -> AsyncIterator[httpx.AsyncClient]:
    """A controller whose agent is not running: the limits act before anything needs it."""
    settings = {
        "agent_admin_url": f"http://127.0.0.1:{free_port()}",
        "agent_admin_api_key": "k",
        "admin_api_key": "operator",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / f'{role}.db'}",
    }
    app = (
        create_issuer(IssuerSettings(**settings))
        if role == "issuer"
        else create_verifier(VerifierSettings(**settings))
    )
    if app_hook is not None:
        app_hook(app)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://controller.test") as http:
            yield http


@pytest.fixture(params=["issuer", "verifier"])
def role(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def client(role: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with running(role, tmp_path) as http:
        yield http


@pytest.fixture
async def verifier(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with running("verifier", tmp_path) as http:
        yield http


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    "body", [DEEP, DEEP_OBJECT, nested(MAX_JSON_DEPTH + 1)], ids=["list", "object", "65"]
)
async def test_every_json_body_is_measured_before_it_is_parsed(
    client: httpx.AsyncClient, role: str, body: bytes
) -> None:
    """Pydantic bodies (FastAPI parses them), the agent's webhooks, all alike: 400 naming the limit."""
    paths = ["/webhooks/topic/connections/"]
    paths += ["/v1/institutions", "/v1/templates"] if role == "issuer" else ["/v1/employers"]
    for path in paths:
        body_problem = problem(await client.post(path, content=body, headers=JSON), 400)
        assert body_problem["type"].endswith("/invalid-request")
        assert "the limit is 64" in body_problem["detail"], body_problem


@pytest.mark.parametrize(
    ("body", "headers", "says"),
    [
        (DEEP, JSON, "nests 50000 levels deep; the limit is 64"),
        (DEEP_OBJECT, {"content-type": "text/plain"}, "nests 50000"),  # not declared JSON, read as JSON
        (DEEP_OBJECT, {}, "nests 50000"),
        (baked(b"\x00\x00\x00\x00" + DEEP_OBJECT), {"content-type": "image/png"},
         "PNG carries no credential: the baked credential is refused: the JSON nests 50000"),
        (b'{"a": ' + b"9" * 5000 + b"}", JSON, "number too long"),
        (baked(b"\x00"), {"content-type": "image/png"}, "ends before its compression flag"),
    ],
    ids=["deep-json", "deep-text", "deep-untyped", "deep-in-png", "5000-digits", "truncated-png"],
)  # fmt: skip
async def test_what_is_verified_is_measured_too(
    verifier: httpx.AsyncClient, body: bytes, headers: dict[str, str], says: str
) -> None:
    """The public POST /v1/verifications parses the body itself (JSON whatever its type, or a PNG)."""
    response = await verifier.post("/v1/verifications", content=body, headers=headers)
    assert says in problem(response, 400)["detail"]


async def test_a_nul_in_the_url_or_a_json_body_is_400(client: httpx.AsyncClient) -> None:
    for path in ("/v1/offers/a%00b", "/v1/employers/me?x=%00", "/offers/a%00b/qr.svg"):
        assert "NUL" in problem(await client.get(path), 400)["detail"]
    posted = await client.post("/webhooks/topic/x/", content=rb'{"state": "a\u0000"}', headers=JSON)
    assert "NUL" in problem(posted, 400)["detail"]
    csv = await client.post(
        "/webhooks/topic/x/", content=b"email\na\x00@b.pl\n", headers={"content-type": "text/csv"}
    )
    assert "NUL" in problem(csv, 400)["detail"]


async def test_json_at_the_limit_is_accepted(verifier: httpx.AsyncClient) -> None:
    response = await verifier.post("/v1/verifications", content=nested(MAX_JSON_DEPTH), headers=JSON)
    assert response.status_code == 201, response.text
    assert response.json()["verified"] is False


async def test_a_body_over_the_limit_is_413(client: httpx.AsyncClient, role: str) -> None:
    path = "/v1/templates" if role == "issuer" else "/v1/verifications"
    declared = await client.post(path, content=b"{" + b" " * 2_000_001 + b"}", headers=JSON)
    assert "the limit is 2000000" in problem(declared, 413)["detail"]
    assert "connection" not in declared.headers  # drained: the connection can stay

    async def chunks():
        for _ in range(30):
            yield b" " * 100_000

    streamed = await client.post(path, content=chunks(), headers=JSON)
    assert "over the limit of 2000000" in problem(streamed, 413)["detail"]


# --- the body guard's draining, message by message ---------------------------------------------------------
async def run_guard(declared: int | None, chunks: list[bytes]) -> tuple[list[str], int]:
    """What the guard did, in order: each body chunk it read (``read``), and the answer (``status``)."""
    events: list[str] = []
    pending = list(chunks)

    async def app(scope, receive, send):  # pragma: no cover - the guard answers first
        raise AssertionError("the app is not called for a refused body")

    async def receive():
        chunk = pending.pop(0)
        events.append("read")
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    status = 0

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            events.append("answer")
            status = message["status"]
            if declared is not None and declared > DRAIN_LIMIT:
                assert (b"connection", b"close") in message["headers"]

    headers = [(b"content-type", b"application/json")]
    if declared is not None:
        headers.append((b"content-length", str(declared).encode()))
    scope = {"type": "http", "method": "POST", "path": "/x", "headers": headers}
    await RequestLimits(app, max_bytes=1000)(scope, receive, send)
    return events, status


async def test_a_refused_body_is_drained_before_the_answer() -> None:
    """Answering while the client still sends, then closing, resets the connection (the client may lose the
    413): the rest is read first, up to DRAIN_LIMIT."""
    events, status = await run_guard(10 * 2**20, [b" " * 2**20] * 10)
    assert status == 413 and events == ["read"] * 10 + ["answer"]
    events, status = await run_guard(None, [b" " * 2**20] * 10)
    assert status == 413 and events == ["read"] * 10 + ["answer"]


async def test_a_body_too_large_to_drain_is_refused_at_once() -> None:
    events, status = await run_guard(DRAIN_LIMIT + 1, [b" "] * 3)
    assert status == 413 and events == ["answer"]


# --- query bounds ------------------------------------------------------------------------------------------
async def test_offsets_are_bounded_in_the_openapi(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    lists = [op for path in spec["paths"].values() for op in path.values() if "parameters" in op]
    offsets = [p for op in lists for p in op["parameters"] if p["name"] == "offset"]
    limits = [p for op in lists for p in op["parameters"] if p["name"] == "limit"]
    assert offsets and all(p["schema"]["maximum"] == 10**9 for p in offsets)
    assert limits and all(p["schema"]["maximum"] == 1000 for p in limits)
    for op in lists:
        for p in op["parameters"]:
            for schema in p["schema"].get("anyOf", [p["schema"]]) if p["in"] == "query" else []:
                if schema.get("type") == "string" and "enum" not in schema:
                    assert "maxLength" in schema, (op["operationId"], p["name"])
                if schema.get("type") == "integer":
                    assert "maximum" in schema, (op["operationId"], p["name"])


# --- headers -----------------------------------------------------------------------------------------------
async def test_every_answer_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    answers = [
        await client.get("/openapi.json"),
        await client.get("/health"),  # 503: the agent is not running
        await client.get("/v1/nothing-here"),  # 404
        await client.post("/webhooks/topic/x/", content=DEEP, headers=JSON),  # the guard's own 400
        await client.post("/webhooks/topic/x/", content=b"[1]", headers=JSON),  # 422
    ]
    for answer in answers:
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value, (answer.request.url, name)
    policy = answers[0].headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


async def test_the_verify_page_has_no_inline_code(verifier: httpx.AsyncClient) -> None:
    """Its style and script are files of this origin: the default policy (nothing inline allowed) serves."""
    page = await verifier.get("/verify")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert '<script src="/static/verify.js"' in page.text and "<style" not in page.text
    assert "<script>" not in page.text
    for asset in ("/static/verify.js", "/static/verify.css", "/static/console.css", "/static/console.js"):
        served = await verifier.get(asset)
        assert served.status_code == 200, asset
        assert served.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"


async def test_an_unforeseen_failure_is_still_a_problem_with_the_headers(tmp_path: Path) -> None:
    """Starlette answers an unhandled exception outside the middleware: the handler adds the headers."""

    async def boom() -> None:
        raise RuntimeError("a secret detail")

    async with running("verifier", tmp_path, lambda app: app.add_api_route("/boom", boom)) as http:
        response = await http.get("/boom")
    body = problem(response, 500)
    assert body["type"].endswith("/internal-error") and "secret" not in response.text
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_the_api_docs_may_load_their_ui_from_the_cdn(client: httpx.AsyncClient, path: str) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in policy and "frame-ancestors 'none'" in policy
    for script in re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL):
        assert inline_hash(script) in policy
    assert page.headers["x-content-type-options"] == "nosniff"
