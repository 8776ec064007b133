"""Where the chain-backed checks get their facts: status lists and accreditation, read from the chain, with
the served status list as the fast path when it agrees with the chain's commitment.

Failures are never cached, and a failure is an exception the check turns into a failed check: a verifier never
reports "not revoked" because a fetch or an RPC call failed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from agent.client import AdminClient
from common.clock import now
from revocation import accreditation, status_registry
from revocation.bitstring import Bitstring, BitstringError
from revocation.chain import ChainClient

from .pipeline import PortUnavailable
from .proofs import check_proof
from .subject import Ports

MAX_LIST_BYTES = 2_000_000


@dataclass(frozen=True)
class ListView:
    url: str
    state: status_registry.ChainList
    bits: Bitstring
    source: str
    """``served list`` (its bits match the chain's commitment) or ``chain events`` (replayed)."""
    disagreement: str | None
    """Why the served list was not used, if it was fetched and is wrong (never hidden)."""
    unavailable: str | None
    """Why the served list could not be fetched (the chain alone answered)."""
    list_issuer: str | None


class _Cache:
    def __init__(self, ttl: float):
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Any]] = {}

    def get(self, key: str) -> Any | None:
        entry = self._entries.get(key)
        return entry[1] if entry and entry[0] > time.monotonic() else None

    def put(self, key: str, value: Any) -> Any:
        self._entries[key] = (time.monotonic() + self.ttl, value)
        return value


class ChainStatus:
    """Every read asks the chain for the list's version and commitment (one call); the bits of a version
    already seen are reused, so a status change shows as soon as it is anchored."""

    def __init__(self, chain: ChainClient, registry: str, http: httpx.AsyncClient, agent: AdminClient):
        self.chain, self.registry, self.http, self.agent = chain, registry, http, agent
        self._seen: dict[str, ListView] = {}

    async def read(self, list_urls: list[str]) -> dict[str, ListView | Exception]:
        """Each list as the chain says, its state for all of them in one round trip; a list that cannot be
        read (unknown on chain, not a URL) maps to why. An unreachable chain raises for all."""
        keys = [status_registry.list_id(url) for url in list_urls]
        states = await status_registry.list_states(self.chain, self.registry, keys)
        views: dict[str, ListView | Exception] = {}
        for url, key, state in zip(list_urls, keys, states, strict=True):
            if isinstance(state, Exception):
                views[url] = state
            elif not state.exists:
                views[url] = LookupError(f"no status list for {url} on chain (id 0x{key.hex()})")
            else:
                views[url] = await self._view(url, key, state)
        return views

    async def _view(self, list_url: str, key: bytes, state: status_registry.ChainList) -> ListView:
        seen = self._seen.get(list_url)
        if seen is not None and (seen.state.version, seen.state.commitment) == (
            state.version,
            state.commitment,
        ):
            return seen
        served, unavailable, disagreement, issuer = None, None, None, None
        try:
            served, issuer = await self._served(list_url)
        except ServedListUnavailable as err:
            unavailable = str(err)
        except ServedListWrong as err:
            disagreement = str(err)
        if served is not None and served.commitment() != state.commitment:
            disagreement = (
                f"the list served at {list_url} does not match the commitment on chain (v{state.version})"
            )
        elif served is not None and served.size != state.size:
            disagreement = f"the served list has {served.size} entries, the chain says {state.size}"
        if served is not None and disagreement is None:
            view = ListView(list_url, state, served, "served list", None, None, issuer)
        else:
            replayed = await status_registry.read_list(self.chain, self.registry, key)
            view = ListView(
                list_url, replayed.state, replayed.bits, "chain events", disagreement, unavailable, issuer
            )
        self._seen[list_url] = view
        return view

    async def _served(self, list_url: str) -> tuple[Bitstring, str | None]:
        """The served list's bits, once its signature verified; its issuer."""
        if not list_url.startswith(("https://", "http://")):
            raise ServedListUnavailable(f"{list_url} is not an HTTP(S) URL")
        try:
            response = await self.http.get(
                list_url, headers={"Accept": "application/vc+ld+json, application/json"}
            )
        except httpx.HTTPError as err:
            raise ServedListUnavailable(f"{list_url} could not be fetched: {type(err).__name__}") from err
        if response.status_code != 200 or len(response.content) > MAX_LIST_BYTES:
            raise ServedListUnavailable(f"{list_url} answered {response.status_code}")
        try:
            listed = response.json()
            bits = Bitstring.decode(listed["credentialSubject"]["encodedList"])
        except (ValueError, KeyError, TypeError, BitstringError) as err:
            raise ServedListWrong(f"{list_url} does not hold a status list credential: {err}") from err
        issuer = listed.get("issuer")
        issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
        try:
            proof = await check_proof(self.agent, listed, issuer)
        except PortUnavailable as err:
            raise ServedListUnavailable(f"the status list's signature could not be checked: {err}") from err
        if not proof.verified:
            raise ServedListWrong(f"the status list at {list_url} is not validly signed: {proof.detail}")
        return bits, issuer


class ServedListUnavailable(Exception):
    """The served list could not be fetched."""


class ServedListWrong(Exception):
    """What is served is not a validly signed status list."""


class ChainAccreditation:
    def __init__(self, chain: ChainClient, registry: str, ttl: float):
        self.chain, self.registry = chain, registry
        self._cache = _Cache(ttl)

    async def history(self, did: str) -> list[accreditation.Accreditation]:
        if (cached := self._cache.get(did)) is not None:
            return cached
        return self._cache.put(did, await accreditation.history(self.chain, self.registry, did))


def chain_ports(
    agent: AdminClient,
    chain: ChainClient | None,
    http: httpx.AsyncClient,
    status_registry: str | None,
    issuer_registry: str | None,
    cache_ttl: float,
) -> Ports:
    """The pipeline's ports on the real clock and the chain (a port is None when its registry is not set:
    the checks that need it fail and say so)."""
    status = ChainStatus(chain, status_registry, http, agent) if chain and status_registry else None
    accredited = ChainAccreditation(chain, issuer_registry, cache_ttl) if chain and issuer_registry else None
    return Ports(agent=agent, clock=now, status=status, accreditation=accredited)
