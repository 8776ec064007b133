"""Both controllers' OpenAPI, fuzzed by schemathesis against the real processes: whatever the input — valid
or not, with an institution's, an employer's or the operator's key — the answer is never a server error.
Inputs that were 500s before docs/security.md's limits (huge offsets, nesting 50,000 deep, a 5,000-digit
number, a 10 MB body on a closing connection) are sent directly too. Derandomised: a failure repeats."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks as openapi_checks

from mcred.scenario import enrol, register_employer
from mcred.stack import Stack

MAX_EXAMPLES = int(os.environ.get("MCRED_FUZZ_EXAMPLES", "25"))
"""Cases per operation and generation mode (valid data, invalid data): ~30 s for both controllers on 2 cores.
More for a longer hunt: ``MCRED_FUZZ_EXAMPLES=200 pytest tests/integration/test_api_fuzz.py -s``."""

CHECKS = [not_a_server_error] + [
    getattr(openapi_checks, name) for name in filter(None, os.environ.get("MCRED_FUZZ_CHECKS", "").split(","))
]
"""Only "never a 500" gates the build; more of schemathesis's checks by name for a look at how far the answers
conform to the OpenAPI, e.g. ``MCRED_FUZZ_CHECKS=response_schema_conformance,status_code_conformance``."""

OPERATOR_ONLY = {"institutions-create", "employers-create"}
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@dataclass
class Tally:
    operations: int = 0
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        return f"{self.operations} operations, {self.cases} cases ({statuses}), {len(self.failures)} failures"


def fuzz_operation(operation, mode, key: str, session: requests.Session, tally: Tally, examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,  # a request to a real process, sometimes slow on 2 busy cores
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failing case is reported as found
        suppress_health_check=list(HealthCheck),  # slow generation and filtering are expected over HTTP
        verbosity=Verbosity.quiet,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        response = case.call(session=session, headers={"X-API-Key": key}, timeout=30)
        tally.cases += 1
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        pass  # nothing invalid to send (an operation without parameters, or with strings only in its path)
    except (schemathesis.errors.FailureGroup, Exception) as err:  # noqa: BLE001 - every one is reported
        tally.failures.append(f"{operation.label} [{mode.value}]: {err}")


def fuzz(base_url: str, key_for: Callable[[str], str], examples: int) -> Tally:
    """Every operation in the controller's OpenAPI, ``examples`` cases per mode; failures are collected, not
    raised, so one run reports them all (with a curl line to reproduce each)."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    # Our key on every request: cases without it (negated security) would all stop at the 401.
    schema.config.generation.update(with_security_parameters=False)
    tally = Tally()
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            tally.operations += 1
            key = key_for(operation.definition.raw.get("operationId", ""))
            for mode in MODES:
                fuzz_operation(operation, mode, key, session, tally, examples)
    return tally


@pytest.fixture(scope="module")
async def keys(stack: Stack, issuer: httpx.AsyncClient, verifier: httpx.AsyncClient) -> dict[str, str]:
    institution = await enrol(issuer, stack.operator_key, "Uczelnia Fuzz")
    employer = await register_employer(verifier, stack, "Pracodawca Fuzz")
    return {"issuer": institution.auth["X-API-Key"], "verifier": employer["X-API-Key"]}


async def test_no_input_makes_a_server_error(stack: Stack, keys: dict[str, str]) -> None:
    def key_for(controller: str) -> Callable[[str], str]:
        tenant, operator = keys[controller], stack.operator_key_of(controller)
        return lambda operation_id: operator if operation_id in OPERATOR_ONLY else tenant

    started = time.monotonic()
    # One thread per controller: while one waits for an answer, the other generates its next case.
    issuer, verifier = await asyncio.gather(
        *(
            asyncio.to_thread(fuzz, stack.components[c].url, key_for(c), MAX_EXAMPLES)
            for c in ("issuer", "verifier")
        )
    )
    seconds = time.monotonic() - started
    print(f"\nschemathesis, {MAX_EXAMPLES} examples per operation and mode, {seconds:.0f} s:")
    print(f"  issuer: {issuer}\n  verifier: {verifier}")
    assert issuer.operations >= 25 and verifier.operations >= 10
    failures = issuer.failures + verifier.failures
    assert not failures, "\n\n".join(failures)


# --- what once was a 500, asked directly ------------------------------------------------------------------
@pytest.mark.parametrize("offset", [2**63, 2**64 + 7, 10**9 + 1])
async def test_offsets_past_the_bound_are_422(
    issuer: httpx.AsyncClient, verifier: httpx.AsyncClient, keys: dict[str, str], offset: int
) -> None:
    """2^63 and more: SQLite raised OverflowError (a 500) on three list calls."""
    for http, path, key in [
        (issuer, "/v1/offers", keys["issuer"]),
        (issuer, "/v1/credentials", keys["issuer"]),
        (verifier, "/v1/proof-requests", keys["verifier"]),
    ]:
        response = await http.get(path, params={"offset": offset}, headers={"X-API-Key": key})
        assert response.status_code == 422, (path, response.text)
        assert response.json()["errors"][0]["field"] == "offset"
        at_bound = await http.get(path, params={"offset": 10**9}, headers={"X-API-Key": key})
        assert at_bound.status_code == 200 and at_bound.json() == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"[" * 50_000 + b"]" * 50_000, "nests 50000 levels deep; the limit is 64"),
        (b'{"a": ' + b"9" * 5000 + b"}", "number too long"),
    ],
    ids=["50000-deep", "5000-digits"],
)
async def test_what_the_verify_page_may_be_sent(verifier: httpx.AsyncClient, body: bytes, says: str) -> None:
    """The public POST /v1/verifications: RecursionError and int() limits were 500s in plain text."""
    response = await verifier.post("/v1/verifications", content=body, headers={"content-type": "text/plain"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert says in response.json()["detail"]


def send_raw(url: str, size: int, chunk: int = 65536) -> tuple[int, OSError | None, bytes]:
    """A client that says ``Connection: close`` and sends the whole body before reading, as HTTP/1.0
    clients and many proxies do: how much it could send, the error sending, what it read then."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        head = (
            f"POST /v1/verifications HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\nConnection: close\r\n\r\n"
        )
        sock.sendall(head.encode())
        sent, error = 0, None
        try:
            while sent < size:
                sock.sendall(b" " * min(chunk, size - sent))
                sent += min(chunk, size - sent)
        except OSError as err:
            error = err
        answer = b""
        while data := sock.recv(65536):
            answer += data
        return sent, error, answer


async def test_a_10mb_body_is_answered_413_not_reset(stack: Stack) -> None:
    """The server answered at once and closed the connection with the body unread: the client's sending
    failed (broken pipe, connection reset) after ~100 kB. Now the body is drained and the 413 follows it."""
    size = 10 * 2**20
    sent, error, answer = await asyncio.to_thread(send_raw, stack.components["verifier"].url, size)
    assert (sent, error) == (size, None)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"application/problem+json" in answer and b"the limit is 2000000" in answer
