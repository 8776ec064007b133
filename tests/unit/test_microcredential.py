"""The credential model: templates validated up front, both profiles built from one source."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from common.microcredential import (
    EU_MANDATORY_ELEMENTS,
    MCRED_TERMS,
    Award,
    Institution,
    Profile,
    StatusEntry,
    Template,
    agent_document,
    build_credential,
    hashed_email,
    missing_eu_elements,
    ob3_document,
    ob3_schema_errors,
)
from mcred.samples import template_body

INSTITUTION = Institution(
    did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    name="Uniwersytet Przykładowy",
    country_code="PL",
    url="https://example.edu.pl",
    identifiers={"REGON": "000001"},
)
STATUS = [
    StatusEntry("revocation", "https://issuer.example/status-lists/r", 1234),
    StatusEntry("suspension", "https://issuer.example/status-lists/s", 42),
]


def build(profile: Profile, **overrides) -> dict:
    return build_credential(
        profile,
        template=Template.model_validate(template_body(**overrides)),
        institution=INSTITUTION,
        credential_id="urn:uuid:5f4c7f6e-0000-4000-8000-000000000001",
        achievement_id="urn:uuid:5f4c7f6e-0000-4000-8000-000000000002",
        subject_did="did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
        issued_at=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        status=STATUS,
        award=Award(grade="4.5"),
        identifier=hashed_email("anna@example.pl", "s4lt"),
    )


def test_a_template_missing_mandatory_elements_is_refused_naming_each() -> None:
    body = template_body()
    mandatory = ["title", "description", "learning_outcomes", "ects", "eqf_level", "assessment_type",
                 "participation_form", "quality_assurance"]  # fmt: skip
    for name in mandatory:
        del body[name]
    with pytest.raises(ValidationError) as caught:
        Template.model_validate(body)
    assert {e["loc"][0] for e in caught.value.errors()} == set(mandatory)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("eqf_level", 9, "less than or equal to 8"),
        ("ects", 0, "greater than 0"),
        ("participation_form", "by post", "online"),
        ("title", {}, "at least one language"),
        ("title", {"polish": "x"}, "not a language tag"),
        ("learning_outcomes", [], "at least 1"),
        ("surprise", 1, "Extra inputs"),
    ],
)
def test_bad_values_say_why(field: str, value, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        Template.model_validate(template_body(**{field: value}))


@pytest.mark.parametrize("profile", list(Profile))
def test_every_eu_element_is_in_both_profiles(profile: Profile) -> None:
    credential = build(profile)
    assert missing_eu_elements(credential) == []
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "MicroCredential"
    assert achievement["nameLanguageMap"] == {
        "pl": "Analiza danych w Pythonie",
        "en": "Data analysis in Python",
    }
    assert achievement["creditsAvailable"] == 2
    assert achievement["participationForm"] == "online"
    frameworks = {a["targetFramework"]: a.get("targetCode") for a in achievement["alignment"]}
    assert frameworks["European Qualifications Framework"] == "6"
    assert frameworks["Polska Rama Kwalifikacji"] == "6"
    assert frameworks["ESCO"] is None
    assert credential["issuer"]["address"]["addressCountryCode"] == "PL"
    assert credential["credentialSubject"]["result"] == [{"type": ["Result"], "value": "4.5"}]
    entries = credential["statusEntries"] if profile is Profile.WALLET else credential["credentialStatus"]
    assert [(e["statusPurpose"], e["statusListIndex"]) for e in entries] == [
        ("revocation", "1234"),
        ("suspension", "42"),
    ]


def test_profiles_differ_where_wallets_and_verifiers_need_them_to() -> None:
    wallet, standard = build(Profile.WALLET), build(Profile.STANDARD)
    assert wallet["@context"][0] == "https://www.w3.org/2018/credentials/v1"
    assert wallet["issuanceDate"] == "2026-11-28T12:00:00Z"
    assert "credentialStatus" not in wallet and "credentialSchema" not in wallet
    assert standard["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert standard["validFrom"] == "2026-11-28T12:00:00Z"
    assert "statusEntries" not in standard  # standard verifiers read credentialStatus, and only that
    assert all(e["type"] == "BitstringStatusListEntry" for e in standard["credentialStatus"])
    assert wallet["id"] == standard["id"]
    assert wallet["statusEntries"] == standard["credentialStatus"]


@pytest.mark.parametrize("profile", list(Profile))
def test_no_context_is_a_url_nobody_serves(profile: Profile) -> None:
    """Every context is a published W3C / 1EdTech one, or embedded (ours): nothing to fetch from us."""
    published = {
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/status/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    }
    contexts = build(profile)["@context"]
    assert [c for c in contexts if isinstance(c, str) and c not in published] == []
    assert contexts[-1] == MCRED_TERMS


def test_missing_elements_are_named() -> None:
    credential = build(Profile.STANDARD)
    del credential["credentialSubject"]["achievement"]["qualityAssurance"]
    credential["credentialSubject"]["achievement"]["alignment"] = []
    credential["issuer"]["address"] = {}
    assert missing_eu_elements(credential) == ["country", "level", "quality_assurance"]
    assert set(missing_eu_elements({})) == set(EU_MANDATORY_ELEMENTS)


def test_hashed_email_is_ob3_identity_object() -> None:
    identity = hashed_email("  Anna@Example.PL ", "s4lt")
    expected = hashlib.sha256(b"anna@example.pls4lt").hexdigest()
    assert identity == {
        "type": "IdentityObject",
        "identityHash": f"sha256${expected}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "s4lt",
    }


def test_standard_profile_fits_the_ob3_schema_once_signed() -> None:
    signed = {**build(Profile.STANDARD), "proof": {"type": "DataIntegrityProof", "proofValue": "z1"}}
    assert any("proof" in e for e in ob3_schema_errors(signed))  # the agent's shape: one object
    delivered = ob3_document(signed)
    assert ob3_schema_errors(delivered) == []
    assert agent_document(delivered) == signed


def test_schema_errors_name_the_path() -> None:
    broken = ob3_document({**build(Profile.STANDARD), "proof": {"type": "x"}})
    del broken["credentialSubject"]["achievement"]["criteria"]
    errors = ob3_schema_errors(broken)
    assert any("credentialSubject.achievement" in e and "criteria" in e for e in errors)
