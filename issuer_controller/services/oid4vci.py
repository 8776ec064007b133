"""OpenID for Verifiable Credential Issuance 1.0 (final), pre-authorized code flow, per institution.

Each institution is its own credential issuer (``{public_url}/oid4vci/{institution_id}``) and its own
authorization server, both with metadata at the path-inserted ``.well-known`` locations. An offer is the same
offer as a DIDComm one (states, history, expiry): its one-time pre-authorized code is redeemed at the token
endpoint (invited → connected), and the credential endpoint checks the wallet's proof of possession, signs
the SD-JWT VC in the institution's agent and moves the offer to issued — by compare-and-set, after signing,
so of two requests racing with one token exactly one gets a credential. Errors are the specs' (RFC 6749 §5.2
and OpenID4VCI §8.3.1), never a 500. docs/oid4vci.md has the whole picture.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from agent.errors import AgentError
from common.clock import aware
from common.db import change_row, existing
from common.errors import OAuthError
from common.jws import JwsError, jwk_of_did_key, parse, public_jwk, verify
from common.microcredential import Award, Template as TemplateDefinition
from common.sd_jwt_vc import FORMAT, TYP, VCT, TokenStatusEntry, build_sd_jwt_vc, compact, disclose
from revocation.errors import ChainError

from ..context import IssuerContext
from ..domain import Protocol
from ..models import (
    Institution,
    Nonce,
    Offer,
    OfferState,
    StatusAllocation,
    StatusList,
    Template,
    now,
)
from .anchoring import ensure_lists_on_chain
from .institutions import issuer_profile
from .offers import record_event
from .oid4vci_offers import (
    CONFIGURATION_ID,
    PRE_AUTHORIZED_GRANT,
    credential_offer,
    issuer_url,
    secret_hash,
    tx_code_hash,
)
from .status_lists import token_list_url

log = logging.getLogger(__name__)

PROOF_TYP = "openid4vci-proof+jwt"
PROOF_ALGS = ["EdDSA", "ES256"]
PROOF_MAX_AGE = 300
"""Seconds a proof's ``iat`` may lie in the past (or, for clock skew, in the future)."""


# --- metadata and offers --------------------------------------------------------------------------------
async def _institution(ctx: IssuerContext, institution_id: str) -> Institution:
    async with ctx.sessions() as session:
        institution = await session.get(Institution, institution_id)
    if institution is None:
        raise OAuthError("not_found", f"no credential issuer {institution_id}", 404)
    return institution


def _display(institution: Institution) -> list[dict[str, Any]]:
    display: dict[str, Any] = {"name": institution.shown_name}
    if institution.logo_url:
        display["logo"] = {"uri": institution.logo_url, "alt_text": institution.shown_name}
    return [display]


async def issuer_metadata(ctx: IssuerContext, institution_id: str) -> dict[str, Any]:
    institution = await _institution(ctx, institution_id)
    issuer = issuer_url(ctx.settings.public_url, institution.id)
    return {
        "credential_issuer": issuer,
        "credential_endpoint": f"{issuer}/credential",
        "nonce_endpoint": f"{issuer}/nonce",
        "display": _display(institution),
        "credential_configurations_supported": {
            CONFIGURATION_ID: {
                "format": FORMAT,
                "vct": VCT,
                "cryptographic_binding_methods_supported": ["jwk"],
                "credential_signing_alg_values_supported": ["EdDSA"],
                "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": PROOF_ALGS}},
                "credential_metadata": {
                    "display": [
                        {"name": "Mikropoświadczenie", "locale": "pl"},
                        {"name": "Microcredential", "locale": "en"},
                    ],
                    "claims": [
                        {"path": ["learner_name"], "display": [{"name": "Learner", "locale": "en"}]},
                        {"path": ["achievement", "name"], "display": [{"name": "Title", "locale": "en"}]},
                        {
                            "path": ["awarding_body", "name"],
                            "display": [{"name": "Awarded by", "locale": "en"}],
                        },
                    ],
                },
            }
        },
    }


async def authorization_server_metadata(ctx: IssuerContext, institution_id: str) -> dict[str, Any]:
    institution = await _institution(ctx, institution_id)
    issuer = issuer_url(ctx.settings.public_url, institution.id)
    return {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
        "response_types_supported": [],
    }


async def offer_by_reference(ctx: IssuerContext, institution_id: str, offer_id: str) -> dict[str, Any]:
    async with ctx.sessions() as session:
        offer = await session.get(Offer, offer_id)
    if offer is None or offer.institution_id != institution_id or offer.protocol != Protocol.OID4VCI:
        raise OAuthError("not_found", f"no credential offer {offer_id}", 404)
    if offer.state != OfferState.INVITED or aware(offer.expires_at) < now():
        raise OAuthError("not_found", f"credential offer {offer_id} is {offer.state}: ask for a new one", 404)
    return credential_offer(ctx.settings.public_url, offer)


# --- nonces ---------------------------------------------------------------------------------------------
async def new_nonce(ctx: IssuerContext) -> str:
    """A ``c_nonce``, stored so it is used once and by any instance of the controller."""
    value = secrets.token_urlsafe(24)
    moment = now()
    async with ctx.sessions() as session, session.begin():
        await session.execute(delete(Nonce).where(Nonce.expires_at < moment))
        session.add(Nonce(value=value, expires_at=moment + timedelta(seconds=ctx.settings.oid4vci_nonce_ttl)))
    return value


async def _use_nonce(ctx: IssuerContext, value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    async with ctx.sessions() as session, session.begin():
        result = await session.execute(delete(Nonce).where(Nonce.value == value, Nonce.expires_at >= now()))
    return bool(getattr(result, "rowcount", 0))


# --- token endpoint -------------------------------------------------------------------------------------
async def token(ctx: IssuerContext, institution_id: str, form: dict[str, str]) -> dict[str, Any]:
    """Redeem a pre-authorized code (once) for an access token; a wrong transaction code counts against the
    offer, and the last allowed failure ends it."""
    grant_type = form.get("grant_type")
    if grant_type != PRE_AUTHORIZED_GRANT:
        raise OAuthError("unsupported_grant_type", f"grant_type must be {PRE_AUTHORIZED_GRANT}")
    code = form.get("pre-authorized_code")
    if not code:
        raise OAuthError("invalid_request", "pre-authorized_code is missing")
    tx_code = form.get("tx_code") or form.get("user_pin")
    access_token = secrets.token_urlsafe(32)
    try:
        refusal = await _redeem(ctx, institution_id, code, tx_code, access_token)
    except StaleDataError:
        refusal = "the pre-authorized code was used by a concurrent request"
    if refusal is not None:
        raise OAuthError("invalid_grant", refusal)
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ctx.settings.oid4vci_token_ttl,
    }


async def _redeem(
    ctx: IssuerContext, institution_id: str, code: str, tx_code: str | None, access_token: str
) -> str | None:
    """None when the token was granted; otherwise why not (what was learnt is committed either way)."""
    async with ctx.sessions() as session, session.begin():
        offer = await session.scalar(
            select(Offer)
            .where(Offer.pre_authorized_code == code, Offer.institution_id == institution_id)
            .options(selectinload(Offer.events))
        )
        if offer is None or offer.protocol != Protocol.OID4VCI:
            return "unknown pre-authorized code"
        if offer.state != OfferState.INVITED:
            return f"the pre-authorized code was already used (the offer is {offer.state})"
        if aware(offer.expires_at) < now():
            record_event(offer, OfferState.EXPIRED, "the pre-authorized code expired unused")
            return "the pre-authorized code has expired"
        if offer.tx_code_hash is not None:
            given = tx_code_hash(offer.id, tx_code) if tx_code else ""
            if not hmac.compare_digest(given, offer.tx_code_hash):
                offer.tx_code_failures += 1
                left = ctx.settings.oid4vci_tx_code_attempts - offer.tx_code_failures
                if left <= 0:
                    record_event(offer, OfferState.FAILED, "the transaction code was wrong too many times")
                    return "wrong transaction code; no attempts are left: ask the institution for a new offer"
                return f"wrong or missing transaction code ({left} attempt(s) left)"
        offer.access_token_hash = secret_hash(access_token)
        offer.token_expires_at = now() + timedelta(seconds=ctx.settings.oid4vci_token_ttl)
        record_event(offer, OfferState.CONNECTED, "the wallet redeemed the pre-authorized code")
    return None


# --- credential endpoint --------------------------------------------------------------------------------
def _bearer(authorization: str | None) -> str:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise OAuthError("invalid_token", "an access token (Authorization: Bearer) is required", 401)
    return value.strip()


def _proof_jwt(body: dict[str, Any]) -> str:
    proofs = body.get("proofs")
    if proofs is not None:
        jwts = proofs.get("jwt") if isinstance(proofs, dict) else None
        if not isinstance(jwts, list) or len(jwts) != 1 or not isinstance(jwts[0], str):
            raise OAuthError("invalid_proof", "proofs.jwt must hold exactly one JWT (no batch issuance)")
        return jwts[0]
    proof = body.get("proof")
    if isinstance(proof, dict) and proof.get("proof_type") == "jwt" and isinstance(proof.get("jwt"), str):
        return proof["jwt"]
    raise OAuthError("invalid_proof", "a proof of possession (proofs.jwt) is required")


async def credential(
    ctx: IssuerContext, institution_id: str, authorization: str | None, raw_body: bytes
) -> dict[str, Any]:
    access_token = _bearer(authorization)
    try:
        body = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as err:
        raise OAuthError("invalid_credential_request", f"the body is not JSON: {err}") from err
    if not isinstance(body, dict):
        raise OAuthError("invalid_credential_request", "the body must be a JSON object")
    if "credential_identifier" in body:
        raise OAuthError("unknown_credential_identifier", "this issuer issues by credential_configuration_id")
    configuration = body.get("credential_configuration_id")
    if configuration != CONFIGURATION_ID:
        raise OAuthError(
            "unknown_credential_configuration",
            f"credential_configuration_id must be {CONFIGURATION_ID!r}, not {configuration!r}",
        )
    proof = _proof_jwt(body)
    offer = await _offer_of_token(ctx, institution_id, access_token)
    holder_jwk = await _check_proof(ctx, proof, issuer_url(ctx.settings.public_url, institution_id))
    if offer.state == OfferState.CONNECTED:
        try:
            await ensure_lists_on_chain(ctx, offer.id)
            signed = await _sign(ctx, offer, holder_jwk)
        except (ChainError, AgentError) as err:
            log.warning("offer %s: credential not signed: %s", offer.id, err)
            unavailable = "the issuer cannot sign now; try again shortly"
            raise OAuthError("temporarily_unavailable", unavailable, 503) from err

        def deliver(row: Offer) -> bool:
            if not record_event(row, OfferState.ISSUED, "delivered to the wallet over OpenID4VCI"):
                return False
            row.sd_jwt, row.holder_jwk, row.issued_at = signed, holder_jwk, now()
            return True

        query = select(Offer).where(Offer.id == offer.id).options(selectinload(Offer.events))
        await change_row(ctx.sessions, query, deliver)
    return {"credentials": [{"credential": await _delivered(ctx, offer.id, holder_jwk)}]}


async def _delivered(ctx: IssuerContext, offer_id: str, holder_jwk: dict[str, Any]) -> str:
    """The offer's credential for this key: the one just signed, or — for the key it is bound to — the one
    delivered before (a wallet repeating a request whose answer it lost gets the same credential, not a
    second one). Of two requests racing with one token, the one that stored first wins."""
    async with ctx.sessions() as session:
        offer = await existing(session, Offer, offer_id)
    if offer.state != OfferState.ISSUED or offer.sd_jwt is None or offer.holder_jwk != holder_jwk:
        denied = "the credential of this access token was issued to another key"
        raise OAuthError("credential_request_denied", denied)
    return offer.sd_jwt


async def _offer_of_token(ctx: IssuerContext, institution_id: str, access_token: str) -> Offer:
    async with ctx.sessions() as session:
        offer = await session.scalar(
            select(Offer).where(
                Offer.access_token_hash == secret_hash(access_token), Offer.institution_id == institution_id
            )
        )
    if offer is None or offer.token_expires_at is None or aware(offer.token_expires_at) < now():
        raise OAuthError("invalid_token", "the access token is unknown or has expired", 401)
    if offer.state not in (OfferState.CONNECTED, OfferState.ISSUED):
        raise OAuthError("credential_request_denied", f"the credential of this access token is {offer.state}")
    return offer


async def _check_proof(ctx: IssuerContext, proof: str, audience: str) -> dict[str, Any]:
    """The wallet's key, once its proof of possession is good and carries an unused nonce of ours."""
    try:
        jws = parse(proof)
        header, claims = jws.header, jws.payload
        if header.get("typ") != PROOF_TYP:
            raise JwsError(f"typ must be {PROOF_TYP}")
        if "jwk" in header and "kid" not in header:
            jwk = public_jwk(header["jwk"])
        elif isinstance(header.get("kid"), str) and "jwk" not in header:
            jwk = jwk_of_did_key(header["kid"])
        else:
            raise JwsError("the key must be given as jwk or as a did:key kid (one of them)")
        verify(jws, jwk)
        aud = claims.get("aud")
        if audience not in (aud if isinstance(aud, list) else [aud]):
            raise JwsError(f"aud must be the credential issuer {audience}")
        issued_at = claims.get("iat")
        if not isinstance(issued_at, int | float) or abs(time.time() - issued_at) > PROOF_MAX_AGE:
            raise JwsError(f"iat must be within {PROOF_MAX_AGE} s of now")
    except JwsError as err:
        raise OAuthError("invalid_proof", f"proof of possession: {err}") from err
    if not await _use_nonce(ctx, claims.get("nonce")):
        raise OAuthError(
            "invalid_nonce",
            "the proof's nonce is missing, unknown, used or expired: use the c_nonce given here",
            extra={"c_nonce": await new_nonce(ctx)},
        )
    return jwk


async def _sign(ctx: IssuerContext, offer: Offer, holder_jwk: dict[str, Any]) -> str:
    async with ctx.sessions() as session:
        institution = await existing(session, Institution, offer.institution_id)
        template = await existing(session, Template, offer.template_id)
        token_list, index = (
            await session.execute(
                select(StatusList.id, StatusAllocation.index)
                .join(StatusList, StatusList.id == StatusAllocation.list_id)
                .where(StatusAllocation.offer_id == offer.id, StatusList.purpose == "token")
            )
        ).one()
    claims = build_sd_jwt_vc(
        template=TemplateDefinition.model_validate(template.definition),
        institution=issuer_profile(institution),
        credential_id=offer.credential_id,
        achievement_id=template.achievement_id,
        holder_jwk=holder_jwk,
        issued_at=now(),
        status=TokenStatusEntry(token_list_url(ctx.settings.public_url, token_list), index),
        learner_name=offer.learner_name,
        learner_email=offer.learner_email,
        identifier_salt=offer.identifier_salt,
        award=Award.model_validate(offer.award),
    )
    payload, disclosures = disclose(claims)
    return compact(await ctx.agents.of(institution).sign_jwt(institution.did, payload, typ=TYP), disclosures)
