"""Text from documents and file names is shown, never interpreted: no rich markup, no terminal control.

Document text reaches the console (rich) and the HTML dashboard.  A department name with ``[/]`` in it is
rich markup; a file name with ``\\x1b]0;…\\x07`` in it is a terminal command.  :func:`visible` writes every
control character as its escape (``\\x1b``, ``\\n`` …, what ``repr`` would show); :func:`plain` makes a rich
:class:`~rich.text.Text` of it (no markup parsed); :func:`markup_safe` escapes it for a markup string.
"""
from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _esc(m: re.Match) -> str:
    c = m.group(0)
    return {"\n": "\\n", "\r": "\\r"}.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def visible(value) -> str:
    """``value`` as text with every control character (C0 but tab, DEL, C1, line/paragraph separators,
    bidirectional overrides) written as its escape."""
    return _CONTROL.sub(_esc, "" if value is None else str(value))


def plain(value, style: str = ""):
    """A rich Text of ``value``: shown as it is (markup not parsed), control characters escaped."""
    from rich.text import Text

    return Text(visible(value), style=style)


def markup_safe(value) -> str:
    """``value`` for a rich markup string (control characters escaped, markup escaped)."""
    from rich.markup import escape

    return escape(visible(value))
