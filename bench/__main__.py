"""Every benchmark, side by side with its baseline, on the embedded defaults: one table and a JSON file.

    make bench                      (.venv/bin/python -m bench [--quick] [--out FILE])
    .venv/bin/python -m bench --quick

Each part starts its own stack in a temporary directory, so figures do not leak into each other. Machines
here are shared and noisy: read the ratios to the same-run baselines rather than absolute rates. A part that
fails does not stop the others: its rows in the table say why, results.json keeps what it measured before
and the error, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import console, gas, issuance, restart, revocation, shards, signing, verification

SIZES = {
    "full": {
        "sign": 100,
        "single": 20,
        "bulk": 1000,
        "wallets": 4,
        "cohort": 10_000,
        "verify": 200,
        "revoke_single": 10,
        "revoke_burst": 50,
        "per_institution": 200,
        "tenants": 200,
        "console_offers": 10_000,
        "console_n": 50,
    },
    "quick": {
        "sign": 20,
        "single": 5,
        "bulk": 30,
        "wallets": 2,
        "cohort": 500,
        "verify": 40,
        "revoke_single": 3,
        "revoke_burst": 10,
        "per_institution": 20,
        "tenants": 20,
        "console_offers": 500,
        "console_n": 10,
    },
}
TARGETS = {
    "signing_ratio": 3.0,
    "bulk_per_s": 20.0,
    "verify_per_s": 100.0,
    "verify_p95_ms": 60.0,
    "oid4vp_per_s": 60.0,
    "oid4vp_p95_ms": 100.0,
    "gas_batch_100": 3000,
    "stack_rss_mb": 1024.0,
    "cohort_ready_s": 120.0,
    "shards_ratio": 1.6,
}


def machine() -> dict:
    memory_kb = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 2**20, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


Part = Callable[[dict], Awaitable[Any]]
"""A benchmark: given the dict it writes its figures into as it takes them."""


def parts(size: Mapping[str, int]) -> dict[str, Part]:
    """Every part, in the order they run, at these sizes."""
    return {
        "signing": lambda m: signing.main(size["sign"], 4, m),
        "issuance": lambda m: issuance.main(size["single"], size["bulk"], size["wallets"], m, size["cohort"]),
        "verification": lambda m: verification.main(size["verify"], 4, m),
        "revocation": lambda m: revocation.main(size["revoke_single"], size["revoke_burst"], m),
        "gas": lambda m: gas.main(m),
        "shards": lambda m: shards.main(size["per_institution"], size["wallets"], size["tenants"], m),
        "restart": lambda m: restart.main(2, 5.0, 5.0, m),
        "console": lambda m: console.main(size["console_offers"], size["console_n"], m),
    }


async def run_part(name: str, part: Part) -> dict:
    """One part's figures; when it fails, what it measured before and ``error`` (why, and after how long).
    The traceback goes to stderr."""
    measured: dict = {}
    started = time.monotonic()
    try:
        await part(measured)
    except Exception as err:  # recorded and shown, never taken for a figure; the other parts still run
        measured["error"] = f"{type(err).__name__}: {err}"
        measured["error_after_s"] = round(time.monotonic() - started, 1)
        print(f"bench: {name} failed after {measured['error_after_s']} s:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
    measured["seconds"] = round(time.monotonic() - started, 1)
    return measured


async def run(quick: bool, chosen: Mapping[str, Part] | None = None) -> dict:
    size = SIZES["quick" if quick else "full"]
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "sizes": size,
    }
    chosen = parts(size) if chosen is None else chosen
    for name, part in chosen.items():
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        results[name] = await run_part(name, part)
    results["failed"] = [name for name in chosen if "error" in results[name]]
    return results


Row = tuple[str, str, Callable[[dict], tuple[str, str]], str]
"""A table row: label, the part its figures come from, how to show them (ours, baseline), target."""


def _gas100(g: dict) -> dict:
    return next(row for row in g["rows"] if row["batch"] == 100)


def rows(sizes: Mapping[str, int]) -> list[Row]:
    return [
        ("signing the standard copy, eddsa-rdfc-2022 (plugin)", "signing",
         lambda sg: (f"{sg['plugin_eddsa_rdfc_2022_per_s']}/s",
                     f"agent Ed25519Signature2020 {sg['agent_2020_per_s']}/s ({sg['ratio']}x)"),
         f">= {TARGETS['signing_ratio']}x"),
        ("signing, the issuer's path (build, sign, schema)", "signing",
         lambda sg: (f"{sg['issuer_path_per_s']}/s", "-"), "-"),
        ("issuance, controller single offers", "issuance",
         lambda i: (f"{i['controller_single_per_s']}/s", f"raw agent {i['raw_agent_sequential_per_s']}/s "
                    f"({i['controller_single_vs_raw']}x)"), "-"),
        (f"bulk issuance ({sizes['bulk']} learners, {sizes['wallets']} wallets)", "issuance",
         lambda i: (f"{i['controller_bulk']['per_second']}/s, lost {i['controller_bulk']['lost']}, "
                    f"dup {i['controller_bulk']['duplicates']}", "-"),
         f">= {TARGETS['bulk_per_s']}/s"),
        ("OpenID4VCI single offer end to end (SD-JWT VC)", "issuance",
         lambda i: (f"p50 {i['oid4vci_single']['p50_ms']} p95 {i['oid4vci_single']['p95_ms']} ms",
                    f"DIDComm single {i['controller_single_per_s']}/s"), "-"),
        (f"OpenID4VCI bulk issuance ({sizes['bulk']} learners)", "issuance",
         lambda i: (f"{i['oid4vci_bulk']['per_second']}/s, lost {i['oid4vci_bulk']['lost']}, "
                    f"dup {i['oid4vci_bulk']['duplicates']}",
                    f"DIDComm bulk {i['controller_bulk']['per_second']}/s"),
         f">= {TARGETS['bulk_per_s']}/s"),
        (f"a cohort's invitations ready ({sizes['cohort']} learners, OpenID4VCI)", "issuance",
         lambda i: (f"{i['oid4vci_offers_ready']['seconds']} s ({i['oid4vci_offers_ready']['per_second']}/s)",
                    "-"), f"< {TARGETS['cohort_ready_s']:.0f} s for 10,000"),
        ("verification of the standard file, full pipeline (warm)", "verification",
         lambda v: (f"{v['full_pipeline_warm']['per_s']}/s p50 {v['full_pipeline_warm']['p50_ms']} "
                    f"p95 {v['full_pipeline_warm']['p95_ms']} ms",
                    f"agent Ed25519Signature2020 verify {v['agent_signature_only']['per_s']}/s "
                    f"({v['ratio_per_s']}x)"),
         f">= {TARGETS['verify_per_s']}/s, p95 < {TARGETS['verify_p95_ms']} ms"),
        ("verification, one at a time (warm)", "verification",
         lambda v: (f"p50 {v['one_at_a_time']['full_pipeline_warm']['p50_ms']} "
                    f"p95 {v['one_at_a_time']['full_pipeline_warm']['p95_ms']} ms",
                    f"agent verify p50 {v['one_at_a_time']['agent_signature_only']['p50_ms']} ms"),
         f"p95 < {TARGETS['verify_p95_ms']} ms"),
        ("verification, cold (first file)", "verification",
         lambda v: (f"{v['full_pipeline_cold_ms']} ms", "-"), "-"),
        ("verification of a presentation, full pipeline", "verification",
         lambda v: (f"{v['presentation']['full_pipeline_warm']['per_s']}/s "
                    f"p95 {v['presentation']['full_pipeline_warm']['p95_ms']} ms",
                    f"agent {v['presentation']['agent_signature_only']['per_s']}/s "
                    f"({v['presentation']['ratio_per_s']}x)"), "-"),
        ("OpenID4VP: SD-JWT VC presentations verified", "verification",
         lambda v: (f"{v['oid4vp']['per_s']}/s p95 {v['oid4vp']['p95_ms']} ms",
                    f"DIDComm presentation {v['presentation']['full_pipeline_warm']['per_s']}/s "
                    f"p95 {v['presentation']['full_pipeline_warm']['p95_ms']} ms"),
         f">= {TARGETS['oid4vp_per_s']}/s, p95 < {TARGETS['oid4vp_p95_ms']} ms"),
        ("revocation, request → anchored", "revocation",
         lambda rv: (f"p50 {rv['single']['p50_s']} s; {rv['burst']['m']} at once "
                     f"{rv['burst']['all_anchored_s']} s in {rv['burst']['transactions']} tx", "-"), "-"),
        ("gas per revocation, batch of 100", "gas",
         lambda g: (f"{_gas100(g)['status_registry_gas_per_revocation']:,}",
                    f"slot per credential {_gas100(g)['slot_per_credential_gas_per_revocation']:,}"),
         f"<= {TARGETS['gas_batch_100']:,}"),
        ("console: signing in (argon2id), one at a time / eight at once", "console",
         lambda c: (f"p50 {c['sign_in']['p50_ms']} ms / p95 {c['sign_in_8_at_once']['p95_ms']} ms",
                    f"a request with the API key p50 {c['api_key_request']['p50_ms']} ms"), "-"),
        (f"console: a page of credentials ({sizes['console_offers']:,} offers) / a search", "console",
         lambda c: (f"p50 {c['credentials_page']['p50_ms']} / {c['credentials_search']['p50_ms']} ms, "
                    f"p95 {c['credentials_page']['p95_ms']} / {c['credentials_search']['p95_ms']} ms",
                    f"API /v1/offers?limit=50 p50 {c['api_offers_page']['p50_ms']} ms"), "-"),
        ("console: dashboard / one credential", "console",
         lambda c: (f"p50 {c['dashboard']['p50_ms']} / {c['credential']['p50_ms']} ms",
                    f"API /v1/offers/{{id}} p50 {c['api_offer']['p50_ms']} ms"), "-"),
        ("a verifier agent killed under load: back / 503s / else", "restart",
         lambda rs: (f"{rs['wallet_verified_again_s']} s / {rs['during_outage']['503']} / {rs['unexpected']}",
                     "-"), "else = 0"),
        (f"two institutions x {sizes['per_institution']} at once, DIDComm: 2 shards / 1 shard", "shards",
         lambda sh: (f"{sh['2_shards']['didcomm']['per_second']}/s vs "
                     f"{sh['1_shard']['didcomm']['per_second']}/s "
                     f"({sh['ratio_two_to_one']['didcomm']}x), lost {sh['2_shards']['didcomm']['lost']}, "
                     f"dup {sh['2_shards']['didcomm']['duplicates']}",
                     f"issuer agents {sh['2_shards']['didcomm']['agent_core_s_per_credential']} / "
                     f"{sh['1_shard']['didcomm']['agent_core_s_per_credential']} core-s per credential"),
         f">= {TARGETS['shards_ratio']}x"),
        (f"two institutions x {sizes['per_institution']} at once, OpenID4VCI: 2 shards / 1 shard", "shards",
         lambda sh: (f"{sh['2_shards']['oid4vci']['per_second']}/s vs "
                     f"{sh['1_shard']['oid4vci']['per_second']}/s ({sh['ratio_two_to_one']['oid4vci']}x)",
                     f"issuer agents {sh['2_shards']['oid4vci']['agent_core_s_per_credential']} / "
                     f"{sh['1_shard']['oid4vci']['agent_core_s_per_credential']} core-s per credential"),
         "-"),
        ("issuer agent memory per tenant at rest", "shards",
         lambda sh: (f"{sh['memory_per_tenant']['kb_per_tenant']} KB "
                     f"({sh['memory_per_tenant']['tenants']} tenants)", "-"), "-"),
        ("stack RSS at rest / after bulk", "issuance",
         lambda i: (f"{i['rss_mb_at_rest']['total']} / {i['rss_mb_after_bulk']['total']} MB", "-"),
         f"< {TARGETS['stack_rss_mb']:.0f} MB"),
    ]  # fmt: skip


def table(r: dict) -> list[str]:
    """One line per figure of the parts that ran; a figure its part did not get to shows the part's error."""
    lines = []
    for name, part, show, target in rows(r["sizes"]):
        if part not in r:
            continue
        figures = r[part]
        try:
            ours, base = show(figures)
        except (KeyError, StopIteration):
            why = figures.get("error", "not measured")
            ours, base = f"FAILED ({part}): {why[:160]}", "-"
        lines.append((name, ours, base, target))
    width = max((len(line[0]) for line in lines), default=0)
    return [f"{name:<{width}} | {ours} | {base} | target {target}" for name, ours, base, target in lines]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of every benchmark")
    parser.add_argument("--out", type=Path, default=Path("data/bench/results.json"))
    parser.add_argument(
        "--only", action="append", choices=list(parts(SIZES["quick"])), help="run this part (repeatable)"
    )
    args = parser.parse_args()
    size = SIZES["quick" if args.quick else "full"]
    chosen = {name: part for name, part in parts(size).items() if not args.only or name in args.only}
    results = asyncio.run(run(args.quick, chosen))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print("\n".join(table(results)))
    print(f"figures: {args.out}")
    if results["failed"]:
        print(
            f"bench: failed: {', '.join(results['failed'])} (why: above, and in {args.out})", file=sys.stderr
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
