"""Polish and English for the console: gettext catalogues (``common/web/locale/<lang>/LC_MESSAGES/
console.po``, English being the source language), compiled in memory at start, one Jinja environment per
language; dates and numbers formatted per locale (Babel). Which language a request gets: the ``lang``
cookie the switch sets, else the browser's ``Accept-Language``, else Polish (the pilot's)."""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from starlette.requests import Request

from ..clock import aware

__all__ = ["DEFAULT", "LANGUAGES", "LANG_COOKIE", "catalogue", "formatters", "language_of"]

LANGUAGES = ("pl", "en")
DEFAULT = "pl"
LANG_COOKIE = "mcred_lang"
TIMEZONE = ZoneInfo("Europe/Warsaw")
"""Where the programme's staff are: times are shown in it, with the zone named."""


@cache
def catalogue(lang: str) -> NullTranslations:
    """The language's messages; English is the source, so its catalogue is the identity."""
    if lang == "en":
        return NullTranslations()
    source = resources.files("common.web") / "locale" / lang / "LC_MESSAGES" / "console.po"
    with source.open("rb") as po:
        messages = read_po(po, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return Translations(compiled)


def language_of(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT


def formatters(lang: str) -> dict[str, object]:
    """Jinja filters: ``when`` (a stored UTC moment in the staff's zone), ``number``."""
    locale = Locale.parse(lang)

    def when(moment: datetime | str | None) -> str:
        """A stored moment, or an RFC 3339 one from a report (shown as it came if it is not one)."""
        if isinstance(moment, str):
            try:
                moment = datetime.fromisoformat(moment)
            except ValueError:
                return moment
        if moment is None:
            return "—"
        moment = aware(moment)
        return format_datetime(moment, "medium", tzinfo=TIMEZONE, locale=locale) + " " + _zone(moment)

    def number(value: float | int | None) -> str:
        return "—" if value is None else format_decimal(value, locale=locale)

    return {"when": when, "number": number}


def _zone(moment: datetime) -> str:
    return moment.astimezone(TIMEZONE).strftime("%Z")
