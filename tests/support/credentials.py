"""Open Badges 3.0-shaped sample credentials, one per delivery profile (see wallets.md).

Enough of the credential model to prove the agents sign and verify what we will issue with offline
contexts; the issuer controller's own model builds the real ones.
"""

from __future__ import annotations

import uuid
from typing import Any

from common.microcredential import MCRED_TERMS, OB3_EXTENSIONS

OB3_CONTEXT_3_0_2 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"
OB3_CONTEXT_3_0_3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"


def _achievement() -> dict[str, Any]:
    return {
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": "Analiza danych w Pythonie / Data analysis in Python",
        "description": "Cleans, analyses and visualises tabular data with pandas.",
        "criteria": {"narrative": "Passed a supervised practical exam."},
        "creditsAvailable": 2.0,
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": "EQF level 6",
                "targetUrl": "https://europa.eu/europass/en/description-eight-eqf-levels",
                "targetFramework": "European Qualifications Framework",
                "targetCode": "6",
            }
        ],
        "assessmentType": "practical exam",
        "participationForm": "online",
        "qualityAssurance": "Internal quality assurance of the awarding body",
        "supervisionAndIdentityVerification": "supervised-online-with-identity-verification",
    }


def _issuer(issuer_did: str) -> dict[str, Any]:
    return {
        "id": issuer_did,
        "type": ["Profile"],
        "name": "Uniwersytet Przykładowy",
        "address": {"type": ["Address"], "addressCountryCode": "PL"},
    }


def _credential(issuer_did: str, subject_did: str, contexts: list) -> dict[str, Any]:
    return {
        "@context": contexts,
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": _issuer(issuer_did),
        "name": "Analiza danych w Pythonie",
        "credentialSubject": {
            "id": subject_did,
            "type": ["AchievementSubject"],
            "achievement": _achievement(),
        },
    }


def wallet_profile(issuer_did: str, subject_did: str) -> dict[str, Any]:
    """VCDM 1.1 + OB 3.0.2: what Credo-family wallets store (no credentialStatus)."""
    contexts = ["https://www.w3.org/2018/credentials/v1", OB3_CONTEXT_3_0_2, MCRED_TERMS]
    return {**_credential(issuer_did, subject_did, contexts), "issuanceDate": "2026-11-01T10:00:00Z"}


def standard_profile(issuer_did: str, subject_did: str) -> dict[str, Any]:
    """VCDM 2.0 + OB 3.0.3 with a Bitstring status entry and the OB3 schema."""
    contexts = ["https://www.w3.org/ns/credentials/v2", OB3_CONTEXT_3_0_3, OB3_EXTENSIONS, MCRED_TERMS]
    return {
        **_credential(issuer_did, subject_did, contexts),
        "validFrom": "2026-11-01T10:00:00Z",
        "credentialSchema": [{"id": OB3_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        "credentialStatus": {
            "id": "http://127.0.0.1:8001/status/1#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "http://127.0.0.1:8001/status/1",
        },
    }


PROFILES = {
    "wallet": (wallet_profile, "Ed25519Signature2018"),
    "standard": (standard_profile, "Ed25519Signature2020"),
}
