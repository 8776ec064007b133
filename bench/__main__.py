"""Every benchmark, side by side with its baseline, on the embedded defaults: one table and a JSON file.

    make bench                      (.venv/bin/python -m bench [--quick] [--out FILE])
    .venv/bin/mcred bench --quick

Each part starts its own stack in a temporary directory, so figures do not leak into each other. Machines
here are shared and noisy: read the ratios to the same-run baselines rather than absolute rates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from . import gas, issuance, restart, revocation, signing, verification

SIZES = {
    "full": {
        "sign": 100,
        "single": 20,
        "bulk": 1000,
        "wallets": 4,
        "verify": 200,
        "revoke_single": 10,
        "revoke_burst": 50,
    },
    "quick": {
        "sign": 20,
        "single": 5,
        "bulk": 30,
        "wallets": 2,
        "verify": 40,
        "revoke_single": 3,
        "revoke_burst": 10,
    },
}
TARGETS = {
    "signing_ratio": 3.0,
    "bulk_per_s": 20.0,
    "verify_per_s": 100.0,
    "verify_p95_ms": 60.0,
    "gas_batch_100": 3000,
    "stack_rss_mb": 1024.0,
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


async def run(quick: bool) -> dict:
    size = SIZES["quick" if quick else "full"]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "sizes": size,
        "signing": await signing.main(size["sign"], 4),
        "issuance": await issuance.main(size["single"], size["bulk"], size["wallets"]),
        "verification": await verification.main(size["verify"], 4),
        "revocation": await revocation.main(size["revoke_single"], size["revoke_burst"]),
        "gas": await gas.main(),
        "restart": await restart.main(2, 5.0, 5.0),
    }


def table(r: dict) -> list[str]:
    i, v, rv, sg = r["issuance"], r["verification"], r["revocation"], r["signing"]
    vp, alone = v["presentation"], v["one_at_a_time"]
    bulk = i["controller_bulk"]
    gas100 = next(row for row in r["gas"]["rows"] if row["batch"] == 100)
    verify, baseline = v["full_pipeline_warm"], v["agent_signature_only"]
    rows = [
        ("signing the standard copy, eddsa-rdfc-2022 (plugin)", f"{sg['plugin_eddsa_rdfc_2022_per_s']}/s",
         f"agent Ed25519Signature2020 {sg['agent_2020_per_s']}/s ({sg['ratio']}x)",
         f">= {TARGETS['signing_ratio']}x"),
        ("signing, the issuer's path (build, sign, schema)", f"{sg['issuer_path_per_s']}/s", "-", "-"),
        ("issuance, controller single offers", f"{i['controller_single_per_s']}/s",
         f"raw agent {i['raw_agent_sequential_per_s']}/s ({i['controller_single_vs_raw']}x)", "-"),
        (f"bulk issuance ({i['n_bulk']} learners, {bulk['wallets']} wallets)",
         f"{bulk['per_second']}/s, lost {bulk['lost']}, dup {bulk['duplicates']}", "-",
         f">= {TARGETS['bulk_per_s']}/s"),
        ("verification of the standard file, full pipeline (warm)",
         f"{verify['per_s']}/s p50 {verify['p50_ms']} p95 {verify['p95_ms']} ms",
         f"agent Ed25519Signature2020 verify {baseline['per_s']}/s ({v['ratio_per_s']}x)",
         f">= {TARGETS['verify_per_s']}/s, p95 < {TARGETS['verify_p95_ms']} ms"),
        ("verification, one at a time (warm)",
         f"p50 {alone['full_pipeline_warm']['p50_ms']} p95 {alone['full_pipeline_warm']['p95_ms']} ms",
         f"agent verify p50 {alone['agent_signature_only']['p50_ms']} ms",
         f"p95 < {TARGETS['verify_p95_ms']} ms"),
        ("verification, cold (first file)", f"{v['full_pipeline_cold_ms']} ms", "-", "-"),
        ("verification of a presentation, full pipeline",
         f"{vp['full_pipeline_warm']['per_s']}/s p95 {vp['full_pipeline_warm']['p95_ms']} ms",
         f"agent {vp['agent_signature_only']['per_s']}/s ({vp['ratio_per_s']}x)", "-"),
        ("revocation, request → anchored", f"p50 {rv['single']['p50_s']} s; {rv['burst']['m']} at once "
         f"{rv['burst']['all_anchored_s']} s in {rv['burst']['transactions']} tx", "-", "-"),
        ("gas per revocation, batch of 100", f"{gas100['status_registry_gas_per_revocation']:,}",
         f"slot per credential {gas100['slot_per_credential_gas_per_revocation']:,}",
         f"<= {TARGETS['gas_batch_100']:,}"),
        ("a verifier agent killed under load: back / 503s / else",
         f"{r['restart']['wallet_verified_again_s']} s / {r['restart']['during_outage']['503']} / "
         f"{r['restart']['unexpected']}", "-", "else = 0"),
        ("stack RSS at rest / after bulk",
         f"{i['rss_mb_at_rest']['total']} / {i['rss_mb_after_bulk']['total']} MB",
         "-", f"< {TARGETS['stack_rss_mb']:.0f} MB"),
    ]  # fmt: skip
    width = max(len(row[0]) for row in rows)
    return [f"{name:<{width}} | {ours} | {base} | target {target}" for name, ours, base, target in rows]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of every benchmark")
    parser.add_argument("--out", type=Path, default=Path("data/bench/results.json"))
    args = parser.parse_args()
    results = asyncio.run(run(args.quick))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print("\n".join(table(results)))
    print(f"figures: {args.out}")


if __name__ == "__main__":
    main()
