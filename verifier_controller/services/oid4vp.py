"""OpenID for Verifiable Presentations 1.0: an employer's proof request answered by an OpenID wallet.

The request is passed by reference (``request_uri``): a request object signed in the verifier agent by the
employer's did:key, client id ``decentralized_identifier:<did>`` (a prefix Credo 0.6 and the EUDI wallets
accept; HAIP wants ``x509_san_dns``, see docs/oid4vp.md), ``response_mode`` ``direct_post``, a DCQL query
built from the employer's criteria. The wallet posts its ``vp_token`` to our response URI: it is stored first
(the evidence), then verified by the SD-JWT pipeline, and the request ends verified or rejected with the same
report and callback as a DIDComm one. A response that comes twice, late or for another request is refused.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

from common.clock import aware
from common.db import existing
from common.errors import OAuthError
from common.verification import PortUnavailable
from common.verification.report import verification_report
from common.verification.request import dcql_query
from common.verification.sd_jwt import verify_sd_jwt

from ..context import VerifierContext
from ..models import Employer, ProofRequest, ProofRequestEvent, RequestState, now
from .request_lifecycle import advance, change, criteria_of

log = logging.getLogger(__name__)

REQUEST_TYP = "oauth-authz-req+jwt"
CREDENTIAL_QUERY = "microcredential"
REQUEST_OBJECT_TTL = 600
"""Seconds a signed request object is valid (``exp``): fetched at scan time, answered within minutes."""
ALGS = ["EdDSA", "ES256"]


def client_id(did: str) -> str:
    return f"decentralized_identifier:{did}"


async def employer_did(ctx: VerifierContext, employer: Employer) -> str:
    """The employer's signing DID, made in the verifier agent's wallet on first use."""
    if employer.did:
        return employer.did
    made = (await ctx.agents.of(employer).create_did_key()).did
    async with ctx.sessions() as session, session.begin():
        stored = await existing(session, Employer, employer.id)
        did = stored.did or made  # a concurrent first request may have made one already
        stored.did = did
    employer.did = did
    return did


def request_uri(public_url: str, request_id: str) -> str:
    return f"{public_url}/oid4vp/requests/{request_id}"


def response_uri(public_url: str, request_id: str) -> str:
    return f"{public_url}/oid4vp/responses/{request_id}"


def authorization_link(public_url: str, did: str, request_id: str) -> str:
    """``openid4vp://`` with the client id and the request by reference: what the QR code carries."""
    return (
        f"openid4vp://?client_id={quote(client_id(did), safe='')}"
        f"&request_uri={quote(request_uri(public_url, request_id), safe='')}"
    )


async def request_object(ctx: VerifierContext, request_id: str) -> str:
    """The signed authorization request; fetching it moves the request to ``requested``."""
    async with ctx.sessions() as session:
        request = await session.get(ProofRequest, request_id)
        employer = await session.get(Employer, request.employer_id) if request is not None else None
    if request is None or employer is None or request.protocol != "oid4vp" or not employer.did:
        raise OAuthError("invalid_request", f"no OpenID4VP request {request_id}", 404)
    if RequestState(request.state).final or aware(request.expires_at) < now():
        raise OAuthError(
            "invalid_request", f"request {request_id} is {request.state}: it can no longer be answered", 404
        )
    issued_at = int(now().timestamp())
    metadata: dict[str, Any] = {
        "client_name": employer.name,
        "vp_formats_supported": {"dc+sd-jwt": {"sd-jwt_alg_values": ALGS, "kb-jwt_alg_values": ALGS}},
    }
    if employer.logo_url:
        metadata["logo_uri"] = employer.logo_url
    payload = {
        "iss": employer.did,
        "aud": "https://self-issued.me/v2",
        "client_id": client_id(employer.did),
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": response_uri(ctx.settings.public_url, request.id),
        "nonce": request.challenge,
        "state": request.id,
        "dcql_query": dcql_query(criteria_of(request)),
        "client_metadata": metadata,
        "iat": issued_at,
        "exp": issued_at + REQUEST_OBJECT_TTL,
    }
    signed = await ctx.agents.of(employer).sign_jwt(employer.did, payload, typ=REQUEST_TYP)
    await advance(
        ctx, ProofRequest.id == request.id, RequestState.REQUESTED, "the wallet fetched the request"
    )
    return signed


def _presentations(form: dict[str, str]) -> list[str]:
    """The SD-JWT presentations in a ``vp_token``: ``{"microcredential": ["…"]}`` (1.0), or a string."""
    raw = form.get("vp_token")
    if not raw:
        raise OAuthError("invalid_request", "vp_token is missing")
    try:
        token = json.loads(raw)
    except ValueError:
        token = raw
    if isinstance(token, str):
        return [token]
    if isinstance(token, dict) and isinstance(found := token.get(CREDENTIAL_QUERY), list | str):
        listed = found if isinstance(found, list) else [found]
        if listed and all(isinstance(item, str) for item in listed):
            return listed
    raise OAuthError("invalid_request", f"vp_token must map {CREDENTIAL_QUERY!r} to SD-JWT presentations")


async def receive_response(ctx: VerifierContext, request_id: str, form: dict[str, str]) -> dict[str, Any]:
    """Store the wallet's answer (once), then verify it; the wallet gets ``{}`` once it is stored."""
    if form.get("state") not in (None, request_id):
        raise OAuthError("invalid_request", "state does not belong to this request")
    if "error" in form:
        why = f"wallet: {form.get('error')}: {form.get('error_description') or 'no presentation'}"
        moved = await advance(ctx, _open(request_id), RequestState.FAILED, why[:1000])
        if moved is None:
            raise _unanswerable(request_id)
        return {}
    presentations = _presentations(form)
    evidence = {"vp_token": {CREDENTIAL_QUERY: presentations}, "protocol": "oid4vp"}

    def keep(request: ProofRequest) -> bool:
        if request.presentation is not None or aware(request.expires_at) < now():
            return False
        request.presentation = evidence
        request.events.append(ProofRequestEvent(state=request.state, detail="presentation received"))
        return True

    if await change(ctx, _open(request_id), keep) is None:
        raise _unanswerable(request_id)
    await finish(ctx, request_id)
    return {}


def _unanswerable(request_id: str) -> OAuthError:
    return OAuthError(
        "invalid_request", f"request {request_id} cannot be answered (unknown, answered or expired)"
    )


def _open(request_id: str):
    return (
        (ProofRequest.id == request_id)
        & (ProofRequest.protocol == "oid4vp")
        & ProofRequest.state.in_([RequestState.INVITED, RequestState.REQUESTED])
    )


async def finish(ctx: VerifierContext, request_id: str) -> None:
    """Verify a stored answer and end the request; an unreachable chain leaves it for the reconciler."""
    async with ctx.sessions() as session:
        request = await session.get(ProofRequest, request_id)
    if request is None or request.presentation is None or RequestState(request.state).final:
        return
    presented = request.presentation["vp_token"][CREDENTIAL_QUERY]
    criteria = criteria_of(request)
    try:
        reports = [
            await verify_sd_jwt(
                ctx.ports, item, challenge=request.challenge, audience=request.domain, criteria=criteria
            )
            for item in presented
        ]
    except PortUnavailable as err:
        log.warning("OpenID4VP request %s waits: %s", request_id, err)
        return
    report = verification_report(ctx.ports, [c for r in reports for c in r["credentials"]], "presentation")
    state = RequestState.VERIFIED if report["verified"] else RequestState.REJECTED
    failed = [c["id"] for cred in report["credentials"] for c in cred["checks"] if c["status"] == "failed"]
    detail = "every check passed" if report["verified"] else "failed: " + ", ".join(failed)
    await advance(
        ctx, ProofRequest.id == request_id, state, detail, report=report, verified=report["verified"]
    )


async def follow(ctx: VerifierContext, request: ProofRequest) -> None:
    """The reconciler's part: verify an answer the chain kept from being verified; expire the unanswered."""
    if request.presentation is not None:
        await finish(ctx, request.id)
    elif aware(request.expires_at) < now():
        await advance(
            ctx, ProofRequest.id == request.id, RequestState.EXPIRED,
            f"not answered within {ctx.settings.request_ttl_hours:g} h",
        )  # fmt: skip
