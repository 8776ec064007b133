"""Where the chain-backed checks get their facts: status lists and accreditation, read from the chain, with
the served status list as the fast path when it agrees with the chain's commitment.

Failures are never cached, and a failure is an exception the check turns into a failed check: a verifier never
reports "not revoked" because a fetch or an RPC call failed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from common.clock import now
from common.jws import JwsError, jwk_of_did_key, parse, verify
from common.outbound import OutboundPolicy, OutboundRefused, OutboundResponse
from revocation import accreditation, status_registry
from revocation.accreditation import bound_accounts
from revocation.bitstring import Bitstring, BitstringError
from revocation.chain import ChainClient
from revocation.token_status_list import BITS as TOKEN_BITS, TokenStatusBits

from .pipeline import PortUnavailable
from .proofs import check_proof
from .subject import CredentialAgent, Ports

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


class ForeignListError(LookupError):
    """The list on chain is not owned by an account IssuerRegistry binds to the credential's issuer: anyone
    can create a list for any URL, so its bits say nothing about this issuer's credential."""


class ChainStatus:
    """Every read asks the chain for the list's version, commitment and owner (one batch for a credential's
    lists); the bits of a version already seen are reused, so a status change shows as soon as it is anchored.
    A list counts only if its owner is an account IssuerRegistry binds to the issuer's DID; nothing is fetched
    for one that is not."""

    def __init__(
        self,
        chain: ChainClient,
        registry: str,
        http: httpx.AsyncClient,
        agent: CredentialAgent,
        accreditation: ChainAccreditation | None,
        outbound: OutboundPolicy,
        fetch_timeout: float,
    ):
        self.chain, self.registry, self.http, self.agent = chain, registry, http, agent
        self.accreditation, self.outbound, self.fetch_timeout = accreditation, outbound, fetch_timeout
        self._seen: dict[str, ListView] = {}

    async def read(self, list_urls: list[str], issuer_did: str | None) -> dict[str, ListView | Exception]:
        """Each list as the chain says, its state for all of them in one round trip; a list that cannot be
        read (unknown on chain, not the issuer's) maps to why. An unreachable chain raises for all."""
        keys = [status_registry.list_id(url) for url in list_urls]
        states = await status_registry.list_states(self.chain, self.registry, keys)
        known = any(isinstance(state, status_registry.ChainList) and state.exists for state in states)
        owners = await self._bound_accounts(issuer_did) if known else set()
        views: dict[str, ListView | Exception] = {}
        for url, key, state in zip(list_urls, keys, states, strict=True):
            if isinstance(state, Exception):
                views[url] = state
            elif not state.exists:
                views[url] = LookupError(f"no status list for {url} on chain (id 0x{key.hex()})")
            elif owners is None:
                views[url] = ForeignListError("no IssuerRegistry is configured: whose list it is is unknown")
            elif state.owner not in owners:
                views[url] = ForeignListError(
                    f"the list is owned on chain by {state.owner}, an account IssuerRegistry does not bind "
                    f"to {issuer_did}"
                )
            else:
                views[url] = await self._view(url, key, state)
        return views

    async def _bound_accounts(self, issuer_did: str | None) -> set[str] | None:
        if self.accreditation is None:
            return None
        return bound_accounts(await self.accreditation.history(issuer_did)) if issuer_did else set()

    async def _view(self, list_url: str, key: bytes, state: status_registry.ChainList) -> ListView:
        seen = self._seen.get(list_url)
        if seen is not None and (seen.state.version, seen.state.commitment) == (
            state.version,
            state.commitment,
        ):
            return seen
        served, unavailable, disagreement, issuer = None, None, None, None
        try:
            if state.purpose is status_registry.Purpose.TOKEN:
                served, issuer = await self._served_token(list_url)
            else:
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
        response = await self._fetch(list_url, "application/vc+ld+json, application/json")
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

    async def _fetch(self, list_url: str, accept: str) -> OutboundResponse:
        try:
            response = await self.outbound.request(
                self.http, "GET", list_url, max_bytes=MAX_LIST_BYTES, timeout=self.fetch_timeout,
                headers={"Accept": accept},
            )  # fmt: skip
        except OutboundRefused as err:
            raise ServedListUnavailable(f"{list_url} was not fetched: {err}") from err
        if response.status != 200:
            raise ServedListUnavailable(f"{list_url} did not serve a list")
        return response

    async def _served_token(self, list_url: str) -> tuple[Bitstring, str | None]:
        """A token status list's bits (``statuslist+jwt``), once its signature verified by its did:key
        ``kid``, and it names itself (``sub``); its issuer (the ``kid``'s DID)."""
        response = await self._fetch(list_url, "application/statuslist+jwt")
        try:
            jws = parse(response.content.decode("ascii", errors="replace").strip())
            kid = jws.header.get("kid")
            verify(jws, jwk_of_did_key(kid if isinstance(kid, str) else ""))
            listed = jws.payload.get("status_list") or {}
            if jws.header.get("typ") != "statuslist+jwt" or jws.payload.get("sub") != list_url:
                raise ServedListWrong(f"{list_url} serves a JWT that is not its statuslist+jwt")
            if listed.get("bits") != TOKEN_BITS:
                raise ServedListWrong(f"{list_url} has {listed.get('bits')} bits per entry, not {TOKEN_BITS}")
            bits = TokenStatusBits.decode(str(listed.get("lst") or ""))
        except JwsError as err:
            raise ServedListWrong(f"the status list at {list_url} is not validly signed: {err}") from err
        except (BitstringError, AttributeError) as err:
            raise ServedListWrong(f"{list_url} does not hold a token status list: {err}") from err
        return bits, str(kid).split("#")[0]


class ChainReadSettings(Protocol):
    """What the ports need of a controller's settings (both controllers have these)."""

    status_registry: str | None
    issuer_registry: str | None
    cache_ttl: float
    fetch_timeout: float

    @property
    def outbound(self) -> OutboundPolicy: ...


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
    agent: CredentialAgent,
    chain: ChainClient | None,
    http: httpx.AsyncClient,
    settings: ChainReadSettings,
) -> Ports:
    """The pipeline's ports on the real clock and the chain (a port is None when its registry is not set:
    the checks that need it fail and say so)."""
    s = settings
    accredited = (
        ChainAccreditation(chain, s.issuer_registry, s.cache_ttl) if chain and s.issuer_registry else None
    )
    status = (
        ChainStatus(chain, s.status_registry, http, agent, accredited, s.outbound, s.fetch_timeout)
        if chain and s.status_registry
        else None
    )
    return Ports(agent=agent, clock=now, status=status, accreditation=accredited)
