"""Verification as a list of named checks (after DCC's verifier-core): each has a stable dotted id and a
``fatal`` flag and returns passed, failed (with an RFC 9457 problem) or skipped (with why). One runner runs
them in order, turns an unexpected exception into a failed check, and skips what follows a fatal failure;
the one thing it lets through is ``PortUnavailable`` (an unreachable agent or chain is no verdict).
``verified`` is derived: no check failed.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import PROBLEM_BASE

log = logging.getLogger(__name__)

CHECK_PROBLEM_BASE = PROBLEM_BASE + "verification/"


class PortUnavailable(Exception):
    """A port the checks need (the agent, the chain) cannot be reached. That is no verdict on the credential:
    the runner lets it through and the caller answers "try again" (503) or retries later."""


class Status(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Outcome:
    status: Status
    detail: str
    """Failed: what is wrong (the problem's ``detail``); passed: what was found; skipped: why."""
    title: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    """What the check established, for the report (e.g. the transaction a status was read at)."""


def passed(detail: str, **facts: Any) -> Outcome:
    return Outcome(Status.PASSED, detail, facts=facts)


def failed(title: str, detail: str, **facts: Any) -> Outcome:
    return Outcome(Status.FAILED, detail, title=title, facts=facts)


def skipped(why: str) -> Outcome:
    return Outcome(Status.SKIPPED, why)


@dataclass(frozen=True)
class Check:
    id: str
    """Stable and dotted (``status.revocation``): reports, tests and clients name checks by it."""
    fatal: bool
    run: Callable[[Any], Awaitable[Outcome]]
    """Takes the subject being verified (with its injected ports)."""
    description: str


def result(check: Check, outcome: Outcome, seconds: float) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": check.id,
        "status": outcome.status.value,
        "fatal": check.fatal,
        "ms": round(seconds * 1000, 1),
    }
    if outcome.status is Status.FAILED:
        body["problem"] = {
            "type": CHECK_PROBLEM_BASE + check.id,
            "title": outcome.title or f"{check.id} failed",
            "detail": outcome.detail,
        }
    elif outcome.status is Status.SKIPPED:
        body["reason"] = outcome.detail
    else:
        body["detail"] = outcome.detail
    if outcome.facts:
        body["facts"] = outcome.facts
    return body


async def run_checks(checks: list[Check], subject: Any) -> dict[str, Any]:
    """The report: ``verified`` and every check's result, in order."""
    results: list[dict[str, Any]] = []
    stopped_by: str | None = None
    for check in checks:
        started = time.perf_counter()
        if stopped_by is not None:
            outcome = skipped(f"not run: the fatal check {stopped_by} failed")
        else:
            try:
                outcome = await check.run(subject)
            except PortUnavailable:
                raise
            except Exception as err:  # a check's bug is a failed check, never a failed verification request
                log.exception("check %s raised", check.id)
                outcome = failed("Check error", f"{check.id} could not run: {type(err).__name__}: {err}")
        results.append(result(check, outcome, time.perf_counter() - started))
        if outcome.status is Status.FAILED and check.fatal and stopped_by is None:
            stopped_by = check.id
    return {
        "verified": not any(r["status"] == Status.FAILED for r in results),
        "checks": results,
    }
