"""The console's forms as the services' types: a microcredential definition and an award, each error named
against the field it belongs to, in the reader's language, naming the EU element it carries."""

from __future__ import annotations

from collections.abc import Callable
from itertools import zip_longest
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from common.microcredential import Award, ParticipationForm, Supervision, Template as TemplateDefinition
from common.web.console import form_text

from ..domain import Learner, Protocol

Gettext = Callable[[str], str]

DEFINITION_FIELDS = (
    "title_pl", "title_en", "description_pl", "description_en", "outcomes_pl", "outcomes_en", "ects",
    "workload_hours", "eqf_level", "prk_level", "assessment_type", "participation_form", "quality_assurance",
    "quality_assurance_url", "iqr_code", "iqr_sets", "prerequisites", "supervision", "stackability",
    "further_information", "field_of_study", "language",
)  # fmt: skip
AWARD_FIELDS = (
    "learner_name",
    "learner_email",
    "learner_ref",
    "grade",
    "protocol",
    "send_email",
    "email_language",
)

_DEFINITION_OF = {
    "title": "title_pl", "description": "description_pl", "learning_outcomes": "outcomes_pl",
    "ects": "ects", "workload_hours": "workload_hours", "eqf_level": "eqf_level", "prk_level": "prk_level",
    "assessment_type": "assessment_type", "participation_form": "participation_form",
    "quality_assurance": "quality_assurance", "quality_assurance_url": "quality_assurance_url",
    "prerequisites": "prerequisites", "supervision": "supervision", "stackability": "stackability",
    "further_information": "further_information", "field_of_study": "field_of_study", "language": "language",
}  # fmt: skip
"""A definition's field → the form field its error is shown at (``iqr`` is split below)."""


def definition_labels(_: Gettext) -> dict[str, str]:
    return {
        "title_pl": _("Title in Polish"),
        "title_en": _("Title in English"),
        "description_pl": _("Description in Polish"),
        "description_en": _("Description in English"),
        "outcomes_pl": _("Learning outcomes in Polish"),
        "outcomes_en": _("Learning outcomes in English"),
        "ects": _("Workload in ECTS credits"),
        "workload_hours": _("Workload in hours"),
        "eqf_level": _("EQF level"),
        "prk_level": _("PRK level (Polish Qualifications Framework)"),
        "assessment_type": _("Type of assessment"),
        "participation_form": _("Form of participation"),
        "quality_assurance": _("Type of quality assurance"),
        "quality_assurance_url": _("Quality assurance: web address"),
        "iqr_code": _("IQR qualification code"),
        "iqr_sets": _("IQR learning outcome set codes"),
        "prerequisites": _("Prerequisites"),
        "supervision": _("Supervision and identity verification"),
        "stackability": _("Integration / stackability"),
        "further_information": _("Further information"),
        "field_of_study": _("Field of study"),
        "language": _("Language of the single-language fields"),
    }


def definition_problems(_: Gettext) -> dict[str, str]:
    """What each field needs, said when it is missing or wrong."""
    return {
        "title_pl": _("EU element 2 (title) is required: give it in Polish, in English or both."),
        "description_pl": _("A description is required: in Polish, in English or both."),
        "outcomes_pl": _("EU element 6 (learning outcomes) is required: at least one, one per line."),
        "ects": _("EU element 7 (workload) is required: ECTS credits above 0, at most 180."),
        "workload_hours": _("Hours, if given: a number above 0."),
        "eqf_level": _("EU element 8 (EQF level) is required: a level from 1 to 8."),
        "prk_level": _("PRK level, if given: from 1 to 8."),
        "assessment_type": _("EU element 9 (type of assessment) is required."),
        "participation_form": _("EU element 10 (form of participation) is required: choose one."),
        "quality_assurance": _("EU element 11 (type of quality assurance) is required."),
        "quality_assurance_url": _("A web address starting with https:// or http://."),
        "iqr_code": _("At most 2000 characters."),
        "iqr_sets": _("One code per line, each at most 2000 characters."),
        "prerequisites": _("One per line, each at most 2000 characters."),
        "supervision": _("Choose one of the options."),
        "stackability": _("Choose one of the options."),
        "further_information": _("At most 2000 characters."),
        "field_of_study": _("At most 2000 characters."),
        "language": _("Choose Polish or English."),
    }


def participation_options(_: Gettext) -> list[tuple[str, str]]:
    names = {
        ParticipationForm.ONLINE: _("online"),
        ParticipationForm.ONSITE: _("on site"),
        ParticipationForm.BLENDED: _("blended"),
        ParticipationForm.VOLUNTEERING: _("volunteering"),
        ParticipationForm.WORK_BASED: _("work-based"),
    }
    return [("", _("— choose —")), *((form.value, names[form]) for form in ParticipationForm)]


def supervision_options(_: Gettext) -> list[tuple[str, str]]:
    names = {
        Supervision.UNSUPERVISED: _("unsupervised, no identity verification"),
        Supervision.SUPERVISED_NO_ID: _("supervised, no identity verification"),
        Supervision.SUPERVISED_ONLINE_ID: _("supervised online, with identity verification"),
        Supervision.SUPERVISED_ONSITE_ID: _("supervised on site, with identity verification"),
    }
    return [("", _("— not stated —")), *((s.value, names[s]) for s in Supervision)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _number(text: str) -> str:
    """Polish writes a decimal comma."""
    return text.replace(" ", "").replace(",", ".")


def definition_of(
    form: FormData, _: Gettext
) -> tuple[dict[str, str], TemplateDefinition | None, dict[str, str]]:
    """The values as typed (to show again), the definition if it is complete, else each field's problem."""
    values = {name: form_text(form, name, 20_000) for name in DEFINITION_FIELDS}
    data: dict[str, Any] = {
        "title": {lang: values[f"title_{lang}"] for lang in ("pl", "en") if values[f"title_{lang}"]},
        "description": {
            lang: values[f"description_{lang}"] for lang in ("pl", "en") if values[f"description_{lang}"]
        },
        "learning_outcomes": [
            {"statement": {lang: text for lang, text in (("pl", pl), ("en", en)) if text}}
            for pl, en in zip_longest(
                _lines(values["outcomes_pl"]), _lines(values["outcomes_en"]), fillvalue=""
            )
        ],
        "prerequisites": _lines(values["prerequisites"]),
        "language": values["language"] or "pl",
    }
    for name in ("ects", "workload_hours", "eqf_level", "prk_level"):
        if values[name]:
            data[name] = _number(values[name])
    for name in (
        "assessment_type", "participation_form", "quality_assurance", "quality_assurance_url", "supervision",
        "stackability", "further_information", "field_of_study",
    ):  # fmt: skip
        if values[name]:
            data[name] = values[name]
    if values["iqr_code"] or values["iqr_sets"]:
        data["iqr"] = {
            "qualification_code": values["iqr_code"] or None,
            "learning_outcome_set_codes": _lines(values["iqr_sets"]),
        }
    try:
        return values, TemplateDefinition.model_validate(data), {}
    except ValidationError as err:
        problems, errors = definition_problems(_), {}
        for error in err.errors():
            loc = error["loc"]
            if loc[0] == "iqr":
                field = "iqr_sets" if "learning_outcome_set_codes" in loc else "iqr_code"
            else:
                field = _DEFINITION_OF.get(str(loc[0]), "title_pl")
            errors.setdefault(field, problems[field])
        return values, None, errors


def award_labels(_: Gettext) -> dict[str, str]:
    return {
        "learner_name": _("Learner's name"),
        "learner_email": _("Learner's e-mail address"),
        "learner_ref": _("Your reference for the learner"),
        "grade": _("Grade"),
        "protocol": _("How the wallet receives it"),
        "send_email": _("E-mail the invitation to the learner"),
        "email_language": _("Language of the e-mail"),
    }


def protocol_options(_: Gettext) -> list[tuple[str, str]]:
    return [
        (Protocol.DIDCOMM.value, _("DIDComm (Bifold, BC Wallet)")),
        (Protocol.OID4VCI.value, _("OpenID4VCI (EU wallets)")),
    ]


Awarded = tuple[Learner, Award, Protocol, str | None]
"""The learner, the award, the protocol and the e-mail's language (None: no e-mail)."""


def award_of(
    form: FormData, _: Gettext, can_mail: bool
) -> tuple[dict[str, str], Awarded | None, dict[str, str]]:
    values = {name: form_text(form, name, 20_000) for name in AWARD_FIELDS}
    errors: dict[str, str] = {}
    learner = award = None
    try:
        learner = Learner(
            name=values["learner_name"] or None,
            email=values["learner_email"] or None,
            ref=values["learner_ref"] or None,
        )
    except ValidationError as err:
        messages = {
            "email": _("An e-mail address like name@example.org."),
            "name": _("At most 300 characters."),
            "ref": _("At most 200 characters."),
        }
        for error in err.errors():
            errors.setdefault(f"learner_{error['loc'][0]}", messages[str(error["loc"][0])])
    if not (values["learner_name"] or values["learner_email"] or values["learner_ref"]):
        errors["learner_name"] = _("Name the learner, or give their e-mail address or your reference.")
    try:
        award = Award(grade=values["grade"] or None)
    except ValidationError:
        errors["grade"] = _("At most 2000 characters.")
    if values["protocol"] not in {p.value for p in Protocol}:
        errors["protocol"] = _("Choose one of the options.")
    mail = values["send_email"] == "yes"
    if mail and not can_mail:
        errors["send_email"] = _("No mail server is configured: show the QR code or send the link yourself.")
    elif mail and not values["learner_email"]:
        errors["learner_email"] = _("Give the address to e-mail the invitation to.")
    if values["email_language"] not in ("pl", "en"):
        values["email_language"] = "pl"
    if errors or learner is None or award is None:
        return values, None, errors
    return (
        values,
        (learner, award, Protocol(values["protocol"]), values["email_language"] if mail else None),
        {},
    )
