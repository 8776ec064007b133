"""The W3C ``BitstringStatusListCredential`` (VCDM 2.0) around an encoded list, unsigned: the caller signs
it with the issuer's key (the issuer controller, through its agent).

Only ``statusPurpose`` and ``encodedList`` are set on the subject: ACA-Py's bundled credentials/v2 context
and the final W3C one disagree on where ``statusSize`` and ``statusMessage`` live, and a term the signer
and a verifier expand differently breaks the signature."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"


def list_credential(
    url: str, issuer_did: str, purpose: str, encoded_list: str, valid_from: datetime | None = None
) -> dict[str, Any]:
    moment = (valid_from or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return {
        "@context": [CREDENTIALS_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": moment.isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }
