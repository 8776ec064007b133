"""The compiled contracts (contracts/artifacts, committed) and their custom errors by selector.

web3.py raises ``ContractCustomError`` carrying the raw 4-byte selector and ABI-encoded arguments; callers
should see ``NotListOwner(listId=…, caller=…)``, so selectors are mapped to names from the ABI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.abi import function_abi_to_4byte_selector, get_abi_input_types, get_abi_output_types
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

ARTIFACTS = Path(__file__).resolve().parent.parent / "contracts" / "artifacts"


@cache
def artifact(name: str) -> dict[str, Any]:
    return json.loads((ARTIFACTS / f"{name}.json").read_text())


@dataclass(frozen=True)
class ErrorSpec:
    name: str
    inputs: list[dict[str, Any]]

    @property
    def types(self) -> list[str]:
        return [i["type"] for i in self.inputs]


@cache
def error_specs() -> dict[bytes, ErrorSpec]:
    """Every custom error of every artifact, by selector."""
    specs: dict[bytes, ErrorSpec] = {}
    for path in sorted(ARTIFACTS.glob("*.json")):
        for item in json.loads(path.read_text())["abi"]:
            if item["type"] == "error":
                spec = ErrorSpec(item["name"], item["inputs"])
                specs[keccak(text=f"{spec.name}({','.join(spec.types)})")[:4]] = spec
    return specs


def decode_error(data: str | bytes) -> tuple[str, dict[str, Any]] | None:
    """``(name, arguments)`` of a custom error's revert data, or None if no contract of ours defines it."""
    raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else data
    spec = error_specs().get(raw[:4])
    if spec is None:
        return None
    values = decode(spec.types, raw[4:])
    return spec.name, {
        i["name"]: to_checksum_address(v) if i["type"] == "address" else v
        for i, v in zip(spec.inputs, values, strict=True)
    }


@dataclass(frozen=True)
class FunctionSpec:
    selector: bytes
    inputs: list[str]
    outputs: list[str]

    def calldata(self, *args: Any) -> str:
        return "0x" + (self.selector + encode(self.inputs, list(args))).hex()

    def result(self, data: str) -> tuple:
        return decode(self.outputs, bytes.fromhex(data.removeprefix("0x")))


@cache
def function_spec(contract: str, function: str) -> FunctionSpec:
    """How to call one function of an artifact without building a web3 contract object."""
    [item] = [i for i in artifact(contract)["abi"] if i["type"] == "function" and i["name"] == function]
    return FunctionSpec(
        function_abi_to_4byte_selector(item), get_abi_input_types(item), get_abi_output_types(item)
    )
