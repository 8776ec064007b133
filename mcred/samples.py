"""A complete microcredential template, as an institution would define it (the demo's and the tests')."""

from __future__ import annotations

from typing import Any


def template_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": {"pl": "Analiza danych w Pythonie", "en": "Data analysis in Python"},
        "description": {
            "pl": "Czyszczenie, analiza i wizualizacja danych tabelarycznych w bibliotece pandas.",
            "en": "Cleaning, analysing and visualising tabular data with pandas.",
        },
        "learning_outcomes": [
            {
                "statement": {
                    "pl": "Wczytuje i czyści dane tabelaryczne.",
                    "en": "Loads and cleans tabular data.",
                },
                "esco_skill": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
            },
            {"statement": {"pl": "Tworzy wykresy.", "en": "Creates charts."}},
        ],
        "ects": 2,
        "workload_hours": 50,
        "eqf_level": 6,
        "prk_level": 6,
        "assessment_type": "practical exam",
        "participation_form": "online",
        "quality_assurance": "Internal quality assurance system of the university (PKA accredited)",
        "quality_assurance_url": "https://example.edu.pl/jakosc",
        "iqr": {"qualification_code": "ZRK-123", "learning_outcome_set_codes": ["ZRK-123-01"]},
        "esco_skills": [
            {
                "uri": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
                "title": "Python (computer programming)",
            }
        ],
        "prerequisites": ["Basic programming"],
        "supervision": "supervised-online-with-identity-verification",
        "stackability": "stackable",
        "further_information": "https://example.edu.pl/mikro/analiza-danych",
    }
    body.update(overrides)
    return body
