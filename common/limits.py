"""Input limits, checked before the expensive or recursive work they protect: how deep JSON may nest, how
large a request body may be, how far a page of results may reach. A request over a limit is refused with a
problem naming the limit (400, 413, 422), never a 500 (the HTTP side of it: ``common.web.uploads`` and
``common.web.params``). The numbers and why are in docs/security.md.

JSON is parsed by recursive code (the ``json`` module, pydantic, our own walkers): 50,000 opening brackets are
a 100 kB body that exhausts Python's stack. So the nesting is measured first by a scan that recurses nowhere:
strings are cut out by one linear regular expression (escapes respected, possessive so it never backtracks),
the brackets left are counted by a running sum. The same pass refuses a NUL character (``\u0000``), which
PostgreSQL cannot store.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

__all__ = [
    "JSONLimitError",
    "MAX_JSON_DEPTH",
    "MAX_OFFSET",
    "MAX_PAGE",
    "MAX_QUERY_ID",
    "check_json",
    "json_depth",
    "loads",
]

MAX_JSON_DEPTH = 64
"""Arrays and objects inside one another. A credential is about 10 deep, a presentation of credentials or an
agent's webhook about 20; Python's own parser gives up near 1,000 (and a 500 with it)."""

MAX_PAGE = 1000
"""Rows one list call returns."""

MAX_OFFSET = 10**9
"""How far a list call may skip: beyond a billion rows there is nothing to page through, and beyond 2^63 the
database cannot even take the number (SQLite raised OverflowError, a 500)."""

MAX_QUERY_ID = 200
"""An id given in a query string (ours are UUIDs; achievement ids are URLs)."""


class JSONLimitError(ValueError):
    """JSON refused before (or instead of) being parsed: too deep, a NUL character, or a number Python will
    not read."""


# A JSON string, from its opening quote to its closing one; an unterminated one runs to the end of the text
# (as the parser would read it, before failing). Possessive: whatever the input, no backtracking.
_STRING = re.compile(r'"(?:[^"\\]+|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
# ``\u0000`` in a string (an escape, not an escaped backslash before "u0000"): PostgreSQL stores no NUL in
# text or JSONB and refuses the whole statement, a 500 wherever such a string reaches the database.
_NUL = re.compile(r"(?<!\\)(?:\\\\)*+\\u0000")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _text(data: bytes | str) -> str:
    """What ``json.loads`` would parse: bytes are decoded as it decodes them (UTF-8, -16 or -32 by their
    first bytes), so the scan sees the same characters; a byte-level scan could be fooled by UTF-16."""
    if isinstance(data, str):
        return data
    return data.decode(json.detect_encoding(data), "surrogatepass")


def json_depth(data: bytes | str) -> int:
    """How deep arrays and objects nest in ``data`` (brackets inside strings do not count). Exact for valid
    JSON; for invalid JSON never less than the depth a parser reaches before failing. Linear time."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _text(data)))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def check_json(data: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raises ``JSONLimitError`` for JSON nested deeper than ``max_depth`` or holding a NUL character."""
    text = _text(data)
    if (depth := json_depth(text)) > max_depth:
        raise JSONLimitError(f"the JSON nests {depth} levels deep; the limit is {max_depth}")
    if _NUL.search(text):
        raise JSONLimitError("the JSON holds a NUL character (\\u0000), which no field accepts")


def loads(data: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` for what someone sent us, ``check_json`` first. Raises ``JSONLimitError`` (too deep, a
    NUL, an integer of over 4,300 digits), ``json.JSONDecodeError`` or ``UnicodeDecodeError`` (all of them
    ``ValueError``)."""
    text = _text(data)
    check_json(text, max_depth)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError as err:  # int("9" * 5000): Python's limit on converting digits to an integer
        raise JSONLimitError(f"the JSON holds a number too long to read: {err}") from err
