"""The chain client: one long-lived provider, transactions signed locally, receipts awaited with a deadline,
custom errors decoded by name. Same code for anvil and for a public test ledger (Sepolia) by RPC URL."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import aiohttp
from eth_account import Account
from eth_typing import ChecksumAddress
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.contract import AsyncContract
from web3.exceptions import ContractCustomError, TimeExhausted
from web3.types import FilterParams, RPCEndpoint

from .contracts import artifact, decode_error, function_spec
from .errors import ChainError, ChainUnavailableError, ContractRevertError, TransactionTimeoutError

__all__ = ["ChainClient"]


class ChainClient:
    def __init__(self, rpc_url: str, private_key: str, *, receipt_timeout: float = 60.0):
        """``private_key`` signs every transaction (an institution's or the authority's funded key)."""
        self.rpc_url = rpc_url
        self.w3 = AsyncWeb3(AsyncHTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
        self.account = Account.from_key(private_key)
        self.receipt_timeout = receipt_timeout
        self._nonce = asyncio.Lock()

    @property
    def address(self) -> ChecksumAddress:
        return self.account.address

    async def chain_id(self) -> int:
        try:
            return await self.w3.eth.chain_id
        except (TimeoutError, OSError) as err:
            raise ChainUnavailableError(f"{self.rpc_url}: {err}") from err

    async def aclose(self) -> None:
        await self.w3.provider.disconnect()

    def contract(self, name: str, address: str) -> AsyncContract:
        # A type-only cast: web3 itself refuses, at run time, an address that is not checksummed.
        return self.w3.eth.contract(address=cast(ChecksumAddress, address), abi=artifact(name)["abi"])

    async def deploy(self, name: str, *args: Any) -> tuple[str, dict[str, Any]]:
        """Deploy an artifact; returns its address and the receipt."""
        factory = self.w3.eth.contract(abi=artifact(name)["abi"], bytecode=artifact(name)["bytecode"])
        receipt = await self.transact(factory.constructor(*args))
        return receipt["contractAddress"], receipt

    async def transact(self, call: Any) -> dict[str, Any]:
        """Send a contract call or constructor as a signed transaction and wait for its receipt."""
        try:
            async with self._nonce:
                nonce = await self.w3.eth.get_transaction_count(self.address, "pending")
                tx = await call.build_transaction({"from": self.address, "nonce": nonce})
                signed = self.account.sign_transaction(tx)
                tx_hash = await self.w3.eth.send_raw_transaction(signed.raw_transaction)
            receipt = await self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=self.receipt_timeout)
        except ContractCustomError as err:
            raise self._revert(err) from err
        except TimeExhausted as err:
            raise TransactionTimeoutError(f"no receipt within {self.receipt_timeout} s: {err}") from err
        except (TimeoutError, OSError) as err:
            raise ChainUnavailableError(f"{self.rpc_url}: {err}") from err
        return dict(receipt)

    async def call(self, call: Any) -> Any:
        try:
            return await call.call()
        except ContractCustomError as err:
            raise self._revert(err) from err
        except (TimeoutError, OSError) as err:
            raise ChainUnavailableError(f"{self.rpc_url}: {err}") from err

    async def views(self, calls: list[tuple[str, str, str, tuple]]) -> list[tuple | ChainError]:
        """Read-only calls ``(contract, address, function, args)`` as one JSON-RPC batch of ``eth_call``s
        (web3 sorts the answers by id): one HTTP round trip, ABI-encoded here, none of web3's contract objects
        or per-request middleware (its chain-id validation alone is one more round trip per call). This is
        what a verifier does for every status it reads. A call the contract refuses comes back as its
        ``ChainError`` in that call's place; an unreachable node raises ``ChainUnavailableError``."""
        if not calls:
            return []
        specs = [function_spec(contract, function) for contract, _, function, _ in calls]
        batch: list[tuple[RPCEndpoint, Any]] = [
            (RPCEndpoint("eth_call"), [{"to": address, "data": spec.calldata(*args)}, "latest"])
            for (_, address, _, args), spec in zip(calls, specs, strict=True)
        ]
        try:
            answers = await self.w3.provider.make_batch_request(batch)
        except (TimeoutError, OSError, aiohttp.ClientError) as err:
            raise ChainUnavailableError(f"{self.rpc_url}: {err}") from err
        if not isinstance(answers, list) or len(answers) != len(batch):
            raise ChainUnavailableError(f"{self.rpc_url} did not answer the batch: {str(answers)[:200]}")
        results: list[tuple | ChainError] = []
        for (contract, _, function, _), spec, answer in zip(calls, specs, answers, strict=True):
            error = answer.get("error")
            if error is None:
                if "result" not in answer:
                    raise ChainUnavailableError(f"{self.rpc_url}: {function} has neither result nor error")
                results.append(spec.result(answer["result"]))
                continue
            decoded = decode_error(error.get("data") or "0x") if isinstance(error, dict) else None
            results.append(
                ContractRevertError(*decoded) if decoded else ChainError(f"{contract}.{function}: {error}")
            )
        return results

    async def view(self, contract: str, address: str, function: str, *args: Any) -> tuple:
        [result] = await self.views([(contract, address, function, args)])
        if isinstance(result, ChainError):
            raise result
        return result

    async def get_logs(self, query: FilterParams) -> list[Any]:
        try:
            return list(await self.w3.eth.get_logs(query))
        except (TimeoutError, OSError) as err:
            raise ChainUnavailableError(f"{self.rpc_url}: {err}") from err

    @staticmethod
    def _revert(err: ContractCustomError) -> Exception:
        data = err.data if isinstance(err.data, str | bytes) else err.args[0]
        decoded = decode_error(data)
        return ContractRevertError(*decoded) if decoded else err
