"""The benchmark runner, without stacks: `make bench` runs the full sizes, which no test runs; a part that
fails must not take the others down or hide what it measured; waits follow progress, not a fixed deadline."""

from __future__ import annotations

import asyncio
import time

import pytest

from bench.__main__ import SIZES, parts, rows, run, table
from bench.waits import StalledError, until


def test_full_and_quick_sizes_name_the_same_figures() -> None:
    assert SIZES["full"].keys() == SIZES["quick"].keys()


def test_every_table_row_comes_from_a_part_that_runs() -> None:
    for size in SIZES.values():
        assert {part for _, part, _, _ in rows(size)} == set(parts(size))


SIGNING = {
    "agent_2020_per_s": 20.0,
    "plugin_eddsa_rdfc_2022_per_s": 80.0,
    "ratio": 4.0,
    "issuer_path_per_s": 70.0,
}


async def test_a_failing_part_keeps_what_it_measured_and_the_others_still_run() -> None:
    ran: list[str] = []

    async def signing(measured: dict) -> None:
        ran.append("signing")
        measured.update(SIGNING)

    async def issuance(measured: dict) -> None:
        ran.append("issuance")
        measured.update(
            raw_agent_sequential_per_s=3.0, controller_single_per_s=1.5, controller_single_vs_raw=0.5
        )
        raise StalledError("1000 bulk invitations made: nothing moved for 120 s; last seen: 412 rows")

    async def gas(measured: dict) -> None:
        ran.append("gas")
        measured["rows"] = [{"batch": 100, "status_registry_gas_per_revocation": 1254,
                             "slot_per_credential_gas_per_revocation": 25123}]  # fmt: skip

    results = await run(True, {"signing": signing, "issuance": issuance, "gas": gas})

    assert ran == ["signing", "issuance", "gas"]
    assert results["failed"] == ["issuance"]
    issued = results["issuance"]
    assert issued["error"].startswith("StalledError: 1000 bulk invitations made")
    assert issued["controller_single_per_s"] == 1.5 and "error_after_s" in issued
    assert "error" not in results["signing"] and "error" not in results["gas"]

    lines = {line.split(" | ")[0].strip(): line for line in table(results)}
    assert "80.0/s" in lines["signing the standard copy, eddsa-rdfc-2022 (plugin)"]
    assert "1.5/s" in lines["issuance, controller single offers"]  # measured before the failure
    bulk = lines[f"bulk issuance ({SIZES['quick']['bulk']} learners, {SIZES['quick']['wallets']} wallets)"]
    assert "FAILED (issuance): StalledError: 1000 bulk invitations made" in bulk
    assert "FAILED (issuance)" in lines["stack RSS at rest / after bulk"]
    assert "1,254" in lines["gas per revocation, batch of 100"]
    assert not any(line.startswith("verification") for line in lines)  # parts that did not run: no rows


async def test_until_waits_as_long_as_something_moves() -> None:
    count = 0

    async def rows_made() -> int:
        nonlocal count
        count += 1
        return count

    started = time.monotonic()
    value = await until(rows_made, done=lambda n: n >= 40, stall=0.05, interval=0.005)
    assert value == 40
    assert time.monotonic() - started > 0.05  # longer than the stall window, yet no failure: it kept moving


async def test_until_fails_when_nothing_moved_for_the_stall_window_saying_what_it_saw() -> None:
    async def stuck() -> dict:
        return {"finished": False, "by_state": {"invited": 3}}

    started = time.monotonic()
    with pytest.raises(StalledError, match=r"bulk finished: nothing moved for 0.1 s .*'invited': 3"):
        await until(stuck, done=lambda p: p["finished"], progress=lambda p: p["by_state"], stall=0.1,
                    interval=0.01, what="bulk finished")  # fmt: skip
    assert 0.1 <= time.monotonic() - started < 5


async def test_until_returns_at_once_when_done() -> None:
    async def ready() -> str:
        return "done"

    assert await asyncio.wait_for(until(ready, done=lambda s: s == "done", stall=0), 1) == "done"
