"""Reading untrusted JSON text without letting it crash the reader.

``json.loads`` alone turns a body nested 200,000 levels deep into a ``RecursionError`` (a 500 in
the web app, a crash of an import) and a 5,000-digit number into a bare ``ValueError``. Here
either becomes a :class:`JsonInputError` that says what is wrong, so every entry point can
reject the record or request cleanly.
"""

from __future__ import annotations

import json
import re
from typing import Any

from stormwatch.i18n.refusal import Refusal

# A mention is a flat object and webhook payloads (Meta's ``entry.0.changes.0.value``) are a few
# levels deep; 64 leaves room for any real payload and stays far below the interpreter's limit.
MAX_DEPTH = 64

# The tokens that matter for depth: an escape (so that \" does not end a string), quotes, brackets.
_TOKEN = re.compile(r'\\.|["\[\]{}]', re.DOTALL)
# A JSON string (escapes included), or an unterminated one to the end of the text: it never fails
# once started, so the search stays linear (a pattern that must find the closing quote is tried
# again from every quote of '"\\"\\"\\…' to the end: quadratic). Removing the strings first, in C,
# leaves the Python loop below only the brackets: a push of 100 mentions has thousands of quotes
# but a few hundred brackets (the loop over every quote took a fifth of the server's push time).
_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)', re.DOTALL)


class JsonInputError(Refusal, ValueError):
    """Text that is not JSON the reader can accept; the message says why."""


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """The value of ``text``, nested at most ``max_depth`` levels deep."""
    if isinstance(text, bytes):
        try:
            text = text.decode(json.detect_encoding(text))
        except UnicodeDecodeError as error:
            raise JsonInputError("not valid UTF-8 (byte %(byte)s)", byte=error.start) from error
    # Counting brackets is C-fast; the exact depth is worked out only when it could be too deep.
    if (
        text.count("[") + text.count("{") > max_depth
        and nesting_depth(text, stop_above=max_depth) > max_depth
    ):
        raise JsonInputError("nested deeper than %(depth)s levels", depth=max_depth)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise JsonInputError(
            "not valid JSON: %(why)s at column %(column)s", why=error.msg, column=error.colno
        ) from error
    except (ValueError, RecursionError) as error:  # e.g. an integer of more than 4,300 digits
        raise JsonInputError("not valid JSON: %(why)s", why=error) from error


def nesting_depth(text: str, *, stop_above: int | None = None) -> int:
    """How deep the arrays and objects of ``text`` nest (brackets inside strings do not count);
    the count stops as soon as it passes ``stop_above``."""
    depth = deepest = 0
    in_string = False
    for match in _TOKEN.finditer(_STRING.sub("", text)):  # linear in the text whatever its quotes
        token = match.group()
        if token == '"':
            in_string = not in_string
        elif in_string or len(token) > 1:
            continue
        elif token in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                break
        else:
            depth -= 1
    return deepest
