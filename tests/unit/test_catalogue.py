"""The console speaks Polish everywhere it speaks English: every message in its code and templates
(babel.cfg) has a Polish translation — every plural form, the same placeholders — and the catalogue holds
nothing the console no longer says (``make messages`` merges new ones)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "common/web/locale/pl/LC_MESSAGES/console.po"


def said() -> set[str | tuple[str, str]]:
    with (ROOT / "babel.cfg").open() as config:
        methods, options = parse_mapping_cfg(config)
    keywords = {"_": None, "ngettext": (1, 2)}
    found = extract_from_dir(str(ROOT), methods, options, keywords=keywords)
    return {message for _file, _line, message, _comments, _context in found}


def test_every_message_is_translated_and_none_is_stale() -> None:
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po, locale="pl")
    messages = said()
    assert len(messages) > 200
    keys = {m[0] if isinstance(m, tuple) else m for m in messages}
    held = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in catalogue if m.id}
    assert sorted(keys - held.keys()) == [], "untranslated: run make messages and translate them"
    assert sorted(held.keys() - keys) == [], "no longer said: run make messages"
    for key in keys:
        message = held[key]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and not message.fuzzy, f"{key!r} has no Polish"
        if isinstance(message.id, tuple):
            assert len(strings) == 3, f"{key!r}: Polish has three plural forms"
    assert [(m.id, errors) for m, errors in catalogue.check()] == []
