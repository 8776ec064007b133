"""The credential in plain language for a report: the EU mandatory elements as a person reads them.

Descriptive only: it states what the credential says, the checks say whether to believe it."""

from __future__ import annotations

from typing import Any

from .subject import Subject


def _text(value: Any) -> str | None:
    if isinstance(value, dict):  # a language map: Polish first, then English, then any
        return value.get("pl") or value.get("en") or next(iter(value.values()), None)
    return str(value) if value not in (None, "") else None


def summary(s: Subject) -> dict[str, Any]:
    achievement, issuer = s.achievement, s.credential.get("issuer")
    issuer = issuer if isinstance(issuer, dict) else {}
    outcomes = [
        _text(o.get("statement")) if isinstance(o, dict) else _text(o)
        for o in achievement.get("learningOutcomes") or []
    ]
    return {
        "title": achievement.get("name"),
        "learner": s.subject.get("name") or s.subject.get("id"),
        "awarding_body": issuer.get("name"),
        "issuer_country": (issuer.get("address") or {}).get("addressCountryCode"),
        "date_of_issue": s.issued_at,
        "learning_outcomes": [o for o in outcomes if o],
        "ects": achievement.get("creditsAvailable"),
        "eqf_level": s.eqf_level,
        "iqr_codes": s.alignment_codes("ceterms:Credential") + s.alignment_codes("ext:LearningOutcomeSet"),
        "assessment": achievement.get("assessmentType"),
        "participation": achievement.get("participationForm"),
        "quality_assurance": achievement.get("qualityAssurance"),
        "grade": (s.subject.get("result") or [{}])[0].get("value") if s.subject.get("result") else None,
    }
