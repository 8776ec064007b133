"""The microcredential: an Open Badges 3.0 ``OpenBadgeCredential`` carrying the EU's mandatory elements.

Council Recommendation 2022/C 243/02, Annex I lists eleven mandatory elements and five optional ones; each
is mapped to an OB3 field where OB3 has one and to a term of our own otherwise, defined in a context
embedded in every credential (``MCRED_TERMS``): nothing a verifier must fetch from us, ever
(``docs/credential-model.md`` has the table and the reasons). Two delivery profiles share one credential id
and one set of status entries:

- *wallet* — VCDM 1.1 + OB 3.0.2, Ed25519Signature2018, no ``credentialStatus`` (Credo rejects it): both
  status entries in ``statusEntries``, where our verifier reads them;
- *standard* — VCDM 2.0 + OB 3.0.3, ``DataIntegrityProof`` / ``eddsa-rdfc-2022``, ``credentialSchema`` and
  both ``BitstringStatusListEntry`` entries in ``credentialStatus``, where every status-list verifier reads
  them.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

import jsonschema_rs
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl

__all__ = [
    "CREDENTIALS_V1",
    "CREDENTIALS_V2",
    "EU_MANDATORY_ELEMENTS",
    "MCRED_TERMS",
    "OB3_SCHEMA_URL",
    "Award",
    "Institution",
    "LangMap",
    "Profile",
    "StatusEntry",
    "StatusPurpose",
    "Template",
    "build_credential",
    "agent_document",
    "hashed_email",
    "missing_eu_elements",
    "ob3_document",
    "ob3_schema_errors",
]

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"
OB3_CONTEXT_WALLET = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"
OB3_CONTEXT_STANDARD = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
"""Defines ``1EdTechJsonSchemaValidator2019`` (the ``credentialSchema`` type); OB 3.0.3's context does not."""
OB3_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
EQF_URL = "https://europa.eu/europass/en/description-eight-eqf-levels"
PRK_URL = "https://prk.men.gov.pl/"
IQR_URL = "https://kwalifikacje.gov.pl/"

MCRED_TERMS: dict[str, Any] = {
    "@version": 1.1,
    "@protected": True,
    "mc": "https://w3id.org/mcred/vocab#",
    "LearningOutcome": "mc:LearningOutcome",
    "assessmentType": {"@id": "mc:assessmentType"},
    "participationForm": {"@id": "mc:participationForm"},
    "qualityAssurance": {"@id": "mc:qualityAssurance"},
    "qualityAssuranceUrl": {"@id": "mc:qualityAssuranceUrl", "@type": "@id"},
    "supervisionAndIdentityVerification": {"@id": "mc:supervisionAndIdentityVerification"},
    "prerequisites": {"@id": "mc:prerequisites", "@container": "@set"},
    "stackability": {"@id": "mc:stackability"},
    "furtherInformation": {"@id": "mc:furtherInformation"},
    "workloadHours": {"@id": "mc:workloadHours"},
    "learningOutcomes": {"@id": "mc:learningOutcome", "@container": "@set"},
    "statement": {"@id": "mc:statement", "@container": "@language"},
    "nameLanguageMap": {"@id": "mc:nameLanguageMap", "@container": "@language"},
    "descriptionLanguageMap": {"@id": "mc:descriptionLanguageMap", "@container": "@language"},
    "statusEntries": {"@id": "mc:statusEntry", "@container": "@set"},
    "partIssuer": {"@id": "mc:partIssuer", "@type": "@id"},
    "partAchievement": {"@id": "mc:partAchievement", "@type": "@id"},
    "partDigest": {"@id": "mc:partDigest"},
}
"""Our terms, as a context embedded in each credential (the last ``@context`` entry): a verifier needs no
document from us, today or in twenty years. The IRIs are names, never fetched; a term, once issued, keeps
its IRI forever (credentials signed with it stay verifiable because each carries its own copy)."""

_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _valid_lang_map(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("needs at least one language, e.g. {'pl': ..., 'en': ...}")
    for lang, text in value.items():
        if not _LANG.match(lang):
            raise ValueError(f"{lang!r} is not a language tag (BCP 47, e.g. 'pl', 'en')")
        if not text.strip():
            raise ValueError(f"the {lang!r} text is empty")
    return value


LangMap = Annotated[dict[str, str], AfterValidator(_valid_lang_map)]
"""Text by language, e.g. ``{"pl": "Analiza danych", "en": "Data analysis"}``."""

Text = Annotated[str, Field(min_length=1, max_length=2000)]


class Profile(enum.StrEnum):
    WALLET = "wallet"
    STANDARD = "standard"

    @property
    def proof_type(self) -> str:
        """The wallet copy's proof is what Credo 0.5 verifies; the standard copy's is Data Integrity
        ``eddsa-rdfc-2022`` (what OB 3.0 conformance certifies), signed through our agent plugin."""
        return "Ed25519Signature2018" if self is Profile.WALLET else "DataIntegrityProof"


class ParticipationForm(enum.StrEnum):
    ONLINE = "online"
    ONSITE = "onsite"
    BLENDED = "blended"
    VOLUNTEERING = "volunteering"
    WORK_BASED = "work-based"


class Supervision(enum.StrEnum):
    """The Recommendation's three cases, with online and onsite kept apart."""

    UNSUPERVISED = "unsupervised-no-identity-verification"
    SUPERVISED_NO_ID = "supervised-no-identity-verification"
    SUPERVISED_ONLINE_ID = "supervised-online-with-identity-verification"
    SUPERVISED_ONSITE_ID = "supervised-onsite-with-identity-verification"


class LearningOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statement: LangMap
    esco_skill: HttpUrl | None = None
    """An ESCO skill URI this outcome evidences (http://data.europa.eu/esco/skill/...)."""


class EscoSkill(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uri: HttpUrl
    title: Text


class IqrAlignment(BaseModel):
    """Integrated Qualifications Register (ZRK) codes this microcredential certifies."""

    model_config = ConfigDict(extra="forbid")

    qualification_code: Text | None = None
    learning_outcome_set_codes: list[Text] = []


class Template(BaseModel):
    """A microcredential definition: everything that is the same for every learner who earns it.

    Field descriptions name the EU element (Annex I) each field carries.
    """

    model_config = ConfigDict(extra="forbid")

    title: LangMap = Field(description="EU 2 — title of the micro-credential")
    description: LangMap = Field(description="What the learner did and can do (OB3 requires it)")
    learning_outcomes: list[LearningOutcome] = Field(min_length=1, description="EU 6 — learning outcomes")
    ects: float = Field(gt=0, le=180, description="EU 7 — notional workload in ECTS credits")
    workload_hours: float | None = Field(default=None, gt=0, description="EU 7 — workload in hours")
    eqf_level: int = Field(ge=1, le=8, description="EU 8 — EQF level")
    prk_level: int | None = Field(
        None, ge=1, le=8, description="EU 8 — Polish Qualifications Framework level"
    )
    assessment_type: Text = Field(description="EU 9 — type of assessment")
    participation_form: ParticipationForm = Field(description="EU 10 — form of participation")
    quality_assurance: Text = Field(description="EU 11 — type of quality assurance")
    quality_assurance_url: HttpUrl | None = None
    criteria: LangMap | None = Field(default=None, description="How it is earned; defaults to the outcomes")
    iqr: IqrAlignment | None = None
    esco_skills: list[EscoSkill] = []
    prerequisites: list[Text] = Field(default_factory=list, description="optional — prerequisites")
    supervision: Supervision | None = Field(
        None, description="optional — supervision and identity verification during assessment"
    )
    stackability: Literal["stand-alone", "stackable"] | None = Field(
        None, description="optional — integration / stackability"
    )
    further_information: Text | None = Field(default=None, description="optional — further information")
    field_of_study: Text | None = None
    language: str = Field(
        default="pl", pattern=_LANG.pattern, description="Language of the single-language fields"
    )

    def text(self, value: dict[str, str]) -> str:
        """The text in the template's language, else English, else the first given."""
        return value.get(self.language) or value.get("en") or next(iter(value.values()))


class Institution(BaseModel):
    """The awarding body (EU 3 and 4) as it appears in the credential's issuer Profile."""

    did: str
    name: str
    country_code: str
    url: str | None = None
    identifiers: dict[str, str] = {}
    """Official identifiers by type, e.g. ``{"REGON": "000001", "IQR awarding body": "..."}``."""
    image: str | None = None
    """The institution's logo (an https URL), shown by wallets and verifiers."""


class PartEvidence(BaseModel):
    """A credential this one was built on (a stacked part), as it was presented and verified when awarded."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="The part's credential id")
    name: str = Field(description="The part's achievement name")
    issuer: str = Field(description="The part's issuer DID")
    achievement: str = Field(description="The part's achievement id")
    digest: str = Field(description="sha256 of the part as presented (part_digest)")


class Award(BaseModel):
    """What is particular to one learner's credential."""

    model_config = ConfigDict(extra="forbid")

    grade: Text | None = Field(default=None, description="optional — grade achieved")
    credits_earned: float | None = Field(default=None, gt=0, le=180)
    activity_start_date: datetime | None = None
    activity_end_date: datetime | None = None
    parts: list[PartEvidence] = Field(
        default_factory=list, description="For a larger credential: the parts it was built on"
    )


StatusPurpose = Literal["revocation", "suspension"]
"""The two status lists every credential points to (W3C Bitstring Status List ``statusPurpose``)."""


@dataclass(frozen=True)
class StatusEntry:
    purpose: StatusPurpose
    list_url: str
    index: int

    def as_json(self) -> dict[str, str]:
        return {
            "id": f"{self.list_url}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }


def hashed_email(email: str, salt: str) -> dict[str, Any]:
    """OB3 IdentityObject: ``sha256$<hex>`` of the normalised address plus the salt."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def matches_email(identifier: Any, email: str) -> bool:
    """Whether an OB3 hashed e-mail identifier (``hashed_email``) is this address: how a party that knows the
    learner's address tells that credentials from different issuers name the same learner."""
    entries = identifier if isinstance(identifier, list) else [identifier]
    for entry in entries:
        if isinstance(entry, dict) and entry.get("identityType") == "emailAddress" and entry.get("salt"):
            if hashed_email(email, str(entry["salt"]))["identityHash"] == entry.get("identityHash"):
                return True
    return False


def part_digest(credential: dict[str, Any]) -> str:
    """``sha256:<hex>`` of the credential as JSON with sorted keys and no spaces: what a larger credential
    records of each part, so the part presented later can be recognised byte for byte."""
    canonical = json.dumps(credential, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _alignments(template: Template) -> list[dict[str, Any]]:
    alignments = [
        {
            "type": ["Alignment"],
            "targetName": f"EQF level {template.eqf_level}",
            "targetUrl": EQF_URL,
            "targetFramework": "European Qualifications Framework",
            "targetCode": str(template.eqf_level),
            "targetType": "ext:QualificationsFrameworkLevel",
        }
    ]
    if template.prk_level is not None:
        alignments.append(
            {
                "type": ["Alignment"],
                "targetName": f"PRK poziom {template.prk_level}",
                "targetUrl": PRK_URL,
                "targetFramework": "Polska Rama Kwalifikacji",
                "targetCode": str(template.prk_level),
                "targetType": "ext:QualificationsFrameworkLevel",
            }
        )
    if template.iqr is not None:
        if template.iqr.qualification_code:
            alignments.append(
                {
                    "type": ["Alignment"],
                    "targetName": f"ZRK {template.iqr.qualification_code}",
                    "targetUrl": IQR_URL,
                    "targetFramework": "Zintegrowany Rejestr Kwalifikacji (IQR)",
                    "targetCode": template.iqr.qualification_code,
                    "targetType": "ceterms:Credential",
                }
            )
        for code in template.iqr.learning_outcome_set_codes:
            alignments.append(
                {
                    "type": ["Alignment"],
                    "targetName": f"ZRK zestaw efektów uczenia się {code}",
                    "targetUrl": IQR_URL,
                    "targetFramework": "Zintegrowany Rejestr Kwalifikacji (IQR)",
                    "targetCode": code,
                    "targetType": "ext:LearningOutcomeSet",
                }
            )
    for skill in template.esco_skills:
        alignments.append(
            {
                "type": ["Alignment"],
                "targetName": skill.title,
                "targetUrl": str(skill.uri),
                "targetFramework": "ESCO",
                "targetType": "ceasn:Competency",
            }
        )
    return alignments


def achievement(template: Template, achievement_id: str) -> dict[str, Any]:
    """The OB3 ``Achievement``: every EU element that is the same for every learner who earns it."""
    outcomes = [template.text(o.statement) for o in template.learning_outcomes]
    criteria = (
        template.text(template.criteria)
        if template.criteria
        else "\n".join(f"- {outcome}" for outcome in outcomes)
    )
    built: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": template.text(template.title),
        "description": template.text(template.description),
        "nameLanguageMap": template.title,
        "descriptionLanguageMap": template.description,
        "criteria": {"narrative": criteria},
        "creditsAvailable": template.ects,
        "alignment": _alignments(template),
        "learningOutcomes": [
            {"type": "LearningOutcome", "statement": o.statement} for o in template.learning_outcomes
        ],
        "assessmentType": template.assessment_type,
        "participationForm": template.participation_form.value,
        "qualityAssurance": template.quality_assurance,
    }
    optional = {
        "workloadHours": template.workload_hours,
        "qualityAssuranceUrl": str(template.quality_assurance_url)
        if template.quality_assurance_url
        else None,
        "prerequisites": template.prerequisites or None,
        "supervisionAndIdentityVerification": template.supervision.value if template.supervision else None,
        "stackability": template.stackability,
        "furtherInformation": template.further_information,
        "fieldOfStudy": template.field_of_study,
    }
    built.update({k: v for k, v in optional.items() if v is not None})
    return built


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def issuer_profile(institution: Institution) -> dict[str, Any]:
    """The OB3 issuer ``Profile``: the awarding body and its country (EU 3 and 4)."""
    issuer: dict[str, Any] = {
        "id": institution.did,
        "type": ["Profile"],
        "name": institution.name,
        "address": {"type": ["Address"], "addressCountryCode": institution.country_code},
    }
    if institution.url:
        issuer["url"] = institution.url
    if institution.image:
        issuer["image"] = {"id": institution.image, "type": "Image"}
    if institution.identifiers:
        issuer["otherIdentifier"] = [
            {"type": "IdentifierEntry", "identifier": value, "identifierType": f"ext:{_slug(kind)}"}
            for kind, value in institution.identifiers.items()
        ]
    return issuer


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "identifier"


def build_credential(
    profile: Profile,
    *,
    template: Template,
    institution: Institution,
    credential_id: str,
    achievement_id: str,
    subject_did: str,
    issued_at: datetime,
    status: list[StatusEntry],
    award: Award | None = None,
    identifier: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The unsigned credential of one profile; the agent adds the proof."""
    award = award or Award()
    subject: dict[str, Any] = {
        "id": subject_did,
        "type": ["AchievementSubject"],
        "achievement": achievement(template, achievement_id),
        "creditsEarned": award.credits_earned or template.ects,
    }
    if identifier is not None:
        subject["identifier"] = [identifier]
    if award.grade:
        subject["result"] = [{"type": ["Result"], "value": award.grade}]
    if award.activity_start_date:
        subject["activityStartDate"] = iso(award.activity_start_date)
    if award.activity_end_date:
        subject["activityEndDate"] = iso(award.activity_end_date)

    credential: dict[str, Any] = {
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(institution),
        "name": template.text(template.title),
        "credentialSubject": subject,
    }
    if award.parts:
        credential["evidence"] = [
            {
                "id": part.id,
                "type": ["Evidence"],
                "name": part.name,
                "description": f"A part of this credential, issued by {part.issuer}",
                "partIssuer": part.issuer,
                "partAchievement": part.achievement,
                "partDigest": part.digest,
            }
            for part in award.parts
        ]
    entries = [entry.as_json() for entry in status]
    if profile is Profile.WALLET:
        context = [CREDENTIALS_V1, OB3_CONTEXT_WALLET, STATUS_V1, MCRED_TERMS]
        credential["issuanceDate"] = iso(issued_at)
        if entries:
            credential["statusEntries"] = entries  # Credo refuses a credentialStatus
    else:
        context = [CREDENTIALS_V2, OB3_CONTEXT_STANDARD, OB3_EXTENSIONS, MCRED_TERMS]
        credential["validFrom"] = iso(issued_at)
        credential["awardedDate"] = iso(issued_at)
        credential["credentialSchema"] = [{"id": OB3_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}]
        if entries:
            credential["credentialStatus"] = entries
    return {"@context": context, **credential}


EU_MANDATORY_ELEMENTS: dict[str, str] = {
    "learner": "identification of the learner",
    "title": "title of the micro-credential",
    "country": "country/region of the issuer",
    "awarding_body": "awarding body",
    "date": "date of issuing",
    "learning_outcomes": "learning outcomes",
    "workload": "notional workload (ECTS)",
    "level": "level (EQF / NQF)",
    "assessment": "type of assessment",
    "participation": "form of participation",
    "quality_assurance": "type of quality assurance",
}


def missing_eu_elements(credential: dict[str, Any]) -> list[str]:
    """The EU mandatory elements a credential lacks (keys of ``EU_MANDATORY_ELEMENTS``); empty if complete."""
    subject = credential.get("credentialSubject") or {}
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    achievement = subject.get("achievement") or {}
    issuer = credential.get("issuer")
    issuer = issuer if isinstance(issuer, dict) else {}
    alignments = achievement.get("alignment") or []
    frameworks = " ".join(str(a.get("targetFramework", "")) for a in alignments if isinstance(a, dict))
    present = {
        # A DID, a (hashed) identifier, or — disclosed from an SD-JWT VC — the learner's name.
        "learner": bool(subject.get("id") or subject.get("identifier") or subject.get("name")),
        "title": bool(achievement.get("name")),
        "country": bool((issuer.get("address") or {}).get("addressCountryCode")),
        "awarding_body": bool(issuer.get("id") and issuer.get("name")),
        "date": bool(credential.get("validFrom") or credential.get("issuanceDate")),
        "learning_outcomes": bool(
            achievement.get("learningOutcomes") or achievement.get("resultDescription")
        ),
        "workload": achievement.get("creditsAvailable") is not None
        or achievement.get("workloadHours") is not None,
        "level": "Qualifications Framework" in frameworks or "Rama Kwalifikacji" in frameworks,
        "assessment": bool(achievement.get("assessmentType")),
        "participation": bool(achievement.get("participationForm")),
        "quality_assurance": bool(achievement.get("qualityAssurance")),
    }
    return [name for name, ok in present.items() if not ok]


def ob3_document(signed: dict[str, Any]) -> dict[str, Any]:
    """The signed standard credential as delivered: the OB3 JSON Schema wants ``proof`` as an array
    (VCDM allows one object or a set; the graph is the same)."""
    proof = signed.get("proof")
    return {**signed, "proof": [proof]} if isinstance(proof, dict) else signed


def agent_document(document: dict[str, Any]) -> dict[str, Any]:
    """The credential as ACA-Py verifies it: one proof object, not a one-element array."""
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        return {**document, "proof": proof[0]}
    return document


@cache
def _ob3_validator() -> jsonschema_rs.Validator:
    """The 1EdTech schema with one relaxation: ``credentialStatus`` may be a set of entries, as VCDM 2.0 §4.10
    allows and Bitstring Status List needs for revocation and suspension together (the OB 3.0 schema allows
    one; 1EdTech/openbadges-specification#623 proposes sets for OB 3.1). jsonschema-rs (Rust) checks formats
    too (``date-time``) and is what keeps the schema check off every verification's critical path."""
    schema = json.loads(
        (resources.files("common") / "schemas" / "ob_v3p0_achievementcredential_schema.json").read_text()
    )
    entry = schema["properties"]["credentialStatus"]
    schema["properties"]["credentialStatus"] = {
        "oneOf": [entry, {"type": "array", "items": entry, "minItems": 1}]
    }
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def ob3_schema_errors(document: dict[str, Any]) -> list[str]:
    """Violations of the OB 3.0 AchievementCredential JSON Schema (2024-07; a set of status entries allowed),
    each with its JSON path."""
    errors = [(_json_path(e.instance_path), e.message) for e in _ob3_validator().iter_errors(document)]
    return [f"{path}: {message[:300]}" for path, message in sorted(errors)]


def _json_path(parts: list[str | int]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)
