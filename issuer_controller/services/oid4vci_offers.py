"""What an OpenID4VCI credential offer says and where it points (OpenID4VCI 1.0 §4.1): made with the offer
(``offers.create_offer``), served and redeemed by ``oid4vci``."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any
from urllib.parse import quote, urlsplit

from ..models import Offer

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CONFIGURATION_ID = "microcredential_dc+sd-jwt"
TX_CODE_LENGTH = 6


def issuer_url(public_url: str, institution_id: str) -> str:
    """The credential issuer identifier: wallets compare it character for character."""
    return f"{public_url}/oid4vci/{institution_id}"


def issuer_path(public_url: str, institution_id: str) -> str:
    """Its path: what follows ``/.well-known/openid-credential-issuer`` (path-inserted, RFC 8414 §3.1)."""
    return urlsplit(issuer_url(public_url, institution_id)).path


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_tx_code() -> str:
    """A transaction code for the learner to type in (sent apart from the offer, e.g. by e-mail)."""
    return f"{secrets.randbelow(10**TX_CODE_LENGTH):0{TX_CODE_LENGTH}d}"


def tx_code_hash(offer_id: str, tx_code: str) -> str:
    return secret_hash(f"{offer_id}:{tx_code}")


def new_pre_authorized_code() -> str:
    return secrets.token_urlsafe(32)


def credential_offer(public_url: str, offer: Offer) -> dict[str, Any]:
    grant: dict[str, Any] = {"pre-authorized_code": offer.pre_authorized_code}
    if offer.tx_code_hash:
        grant["tx_code"] = {
            "input_mode": "numeric",
            "length": TX_CODE_LENGTH,
            "description": "The code the institution sent you / Kod przesłany przez instytucję",
        }
    return {
        "credential_issuer": issuer_url(public_url, offer.institution_id),
        "credential_configuration_ids": [CONFIGURATION_ID],
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def offer_uri(public_url: str, offer: Offer) -> str:
    """The offer by reference, as the ``openid-credential-offer://`` link a QR code carries."""
    reference = f"{issuer_url(public_url, offer.institution_id)}/offers/{offer.id}"
    return f"openid-credential-offer://?credential_offer_uri={quote(reference, safe='')}"


def offer_by_value(public_url: str, offer: Offer) -> str:
    offer_json = json.dumps(credential_offer(public_url, offer), separators=(",", ":"))
    return f"openid-credential-offer://?credential_offer={quote(offer_json, safe='')}"
