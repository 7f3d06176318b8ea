"""Text and number normalisation shared by every reader.

Everything that turns a published string into a value lives here, so the
text-export path and the PDF path cannot drift apart.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
_WS_BETWEEN_CJK = re.compile(rf"(?<={_CJK})\s+|\s+(?={_CJK})")
_WS = re.compile(r"\s+")
_TAGS = re.compile(r"</?p>|<br\s*/?>", re.I)
# printable ASCII but space and "<": text clean() returns as it is (NFKC keeps it, no tag, no whitespace)
_PLAIN = re.compile(r"[!-;=-~]*")


def clean(text: str | None) -> str:
    """Canonical cell text: NFKC (full-width digits/letters to ASCII), tags
    dropped, whitespace next to CJK characters removed, other runs collapsed.

    ``"上解上级     支出"`` -> ``"上解上级支出"``; ``"１２３"`` -> ``"123"``;
    ``"411 人"`` -> ``"411人"``.
    """
    if text is None:
        return ""
    t = str(text)
    if _PLAIN.fullmatch(t):  # (most cells: amounts, codes) nothing to normalise, fold or collapse
        return t
    t = _TAGS.sub(" ", t)
    t = unicodedata.normalize("NFKC", t)
    t = _WS_BETWEEN_CJK.sub("", t)
    t = _WS.sub(" ", t).strip()
    return t


def key(text: str | None) -> str:
    """A matching key: clean() with every space and the full/half width
    punctuation variants folded, for comparing titles and labels."""
    t = clean(text)
    t = t.replace(" ", "").replace("“", '"').replace("”", '"')
    return t


_DASHES = {"-", "—", "–", "－", "--", "——", "/", "—-"}
_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


class NumberError(ValueError):
    pass


def parse_amount(text: str | None) -> Decimal | None:
    """Parse a published amount exactly.

    Blank, "—", "-" and similar mean *no amount* (None; the tables print zero
    as blank).  Thousands separators, full-width digits, "(12.3)" and
    "12.3-" (accounting negatives) are accepted.  Anything else raises
    NumberError: a parser that is unsure says so.
    """
    t = clean(text)
    if t == "" or t in _DASHES:
        return None
    t = t.replace(",", "").replace(" ", "")
    neg = False
    if t.startswith("(") and t.endswith(")"):
        neg, t = True, t[1:-1]
    elif t.endswith("-") and len(t) > 1:
        neg, t = True, t[:-1]
    if t.startswith("-"):
        neg, t = (not neg), t[1:]
    elif t.startswith("+"):
        t = t[1:]
    if not _NUM.match(t):
        raise NumberError(f"not an amount: {text!r}")
    try:
        d = Decimal(t)
    except InvalidOperation as e:  # pragma: no cover - guarded by regex
        raise NumberError(f"not an amount: {text!r}") from e
    return -d if neg else d


def is_amount(text: str | None) -> bool:
    try:
        return parse_amount(text) is not None
    except NumberError:
        return False


def decimals(d: Decimal | None) -> int:
    """Number of published decimal places (precision of the source figure)."""
    if d is None:
        return 0
    exp = d.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_ordinal(text: str) -> int | None:
    """'二十三' -> 23 for the 一、二、… list prefixes; None when not a numeral."""
    if not text or any(ch not in _CN_DIGITS and ch not in "十百" for ch in text):
        return None
    total, cur = 0, 0
    for ch in text:
        if ch == "百":
            total += (cur or 1) * 100
            cur = 0
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        else:
            cur = _CN_DIGITS[ch]
    return total + cur


_ITEM_PREFIX = re.compile(r"^\s*(?:[一二三四五六七八九十百]+[、.．]|\d+[、.．](?!\d)|[（(][一二三四五六七八九十\d]+[）)])\s*")


def strip_item_prefix(text: str) -> str:
    """'八、社会保障和就业支出' -> '社会保障和就业支出'; '1.一般公共预算' -> '一般公共预算'."""
    return _ITEM_PREFIX.sub("", clean(text))
