"""What a proof request asks the wallet for, as DIF Presentation Exchange v1 both ACA-Py and Credo holders
answer (docs/agents.md): the expanded OB type is required (an ACA-Py holder queries every required schema
URI, ANDed), the compact type is optional (Credo needs any one to match); a field filter pins the type, and
an achievement id or an IQR code when one is asked for. The rest of the criteria (EQF level, accreditation,
expiry) are checked on what arrives (``request.criteria`` and the other checks)."""

from __future__ import annotations

import uuid
from typing import Any

from common.sd_jwt_vc import VCT

from .subject import Criteria

OB_TYPE = "OpenBadgeCredential"
OB_TYPE_IRI = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"


def presentation_definition(criteria: Criteria, purpose: str | None = None) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [{"path": ["$.type[*]"], "filter": {"type": "string", "const": OB_TYPE}}]
    if criteria.iqr_code:
        fields.append(
            {
                "path": ["$.credentialSubject.achievement.alignment[*].targetCode"],
                "filter": {"type": "string", "const": criteria.iqr_code},
            }
        )
    if criteria.achievement_id:
        fields.append(
            {
                "path": ["$.credentialSubject.achievement.id"],
                "filter": {"type": "string", "const": criteria.achievement_id},
            }
        )
    return {
        "id": str(uuid.uuid4()),
        "input_descriptors": [
            {
                "id": "microcredential",
                "name": "A microcredential",
                "purpose": purpose or "An employer asks you to prove a skill",
                "schema": [{"uri": OB_TYPE_IRI}, {"uri": OB_TYPE, "required": False}],
                "constraints": {"fields": fields},
            }
        ],
    }


def dcql_query(criteria: Criteria) -> dict[str, Any]:
    """The same ask as a DCQL query (OpenID4VP 1.0 §6) for our SD-JWT VC: its type, the achievement (pinned
    by id or IQR code when one is asked for) and who the learner is — by name, or else the salted e-mail
    hash. The rest of the criteria are checked on what arrives, as for DIDComm."""
    claims: list[dict[str, Any]] = [
        {"id": "name", "path": ["learner_name"]},
        {"id": "identifier", "path": ["learner_identifier"]},
        {"id": "achievement", "path": ["achievement", "name"]},
    ]
    pinned = ["achievement"]
    if criteria.achievement_id:
        claims.append(
            {"id": "achievement_id", "path": ["achievement", "id"], "values": [criteria.achievement_id]}
        )
        pinned.append("achievement_id")
    if criteria.iqr_code:
        claims.append(
            {
                "id": "iqr",
                "path": ["achievement", "alignment", None, "targetCode"],
                "values": [criteria.iqr_code],
            }
        )
        pinned.append("iqr")
    return {
        "credentials": [
            {
                "id": "microcredential",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT]},
                "claims": claims,
                "claim_sets": [["name", *pinned], ["identifier", *pinned]],
            }
        ]
    }
