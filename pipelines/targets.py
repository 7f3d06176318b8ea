"""Performance target values: "≥700人" -> ('≥', 700, '人').

Keeps the raw text always; a number only when the text states one.
Qualitative values ("及时", "显著改善") get no number and no comparator.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .text import clean

_CMP = [
    ("≥", "≥"), (">=", "≥"), ("不低于", "≥"), ("不少于", "≥"), ("至少", "≥"), ("以上", "≥"),
    ("≤", "≤"), ("<=", "≤"), ("不高于", "≤"), ("不超过", "≤"), ("以内", "≤"), ("以下", "≤"), ("控制在", "≤"),
    (">", ">"), ("<", "<"), ("=", "="), ("约", "≈"), ("左右", "≈"), ("预计", "≈"),
]
_NUMBER = re.compile(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?")
# A value that is a single figure with optional comparator words and a unit.
_SHAPE = re.compile(
    r"^(?P<pre>≥|>=|≤|<=|>|<|=|不低于|不少于|不高于|不超过|至少|约|预计|控制在)?\s*"
    r"(?P<num>[-+]?\d+(?:,\d{3})*(?:\.\d+)?)\s*"
    r"(?P<unit>[%％‰a-zA-Z\u4e00-\u9fff/（）()、]*?)\s*"  # a compound unit too: "≥325人、户" (福州)
    r"(?P<post>以上|以下|以内|左右)?$"
)


@dataclass(frozen=True)
class Target:
    text: str
    comparator: str | None
    value: Decimal | None
    unit: str | None
    parsed: bool  # False when a number is present but the shape was not understood


def parse_target(raw: str | None) -> Target:
    t = clean(raw)
    t_norm = t.replace("％", "%")
    if not t_norm:
        return Target(t, None, None, None, True)
    m = _SHAPE.match(t_norm)
    if m:
        cmp_ = None
        for word in (m.group("pre"), m.group("post")):
            if word:
                cmp_ = dict(_CMP)[word]
        unit = m.group("unit") or None
        return Target(t, cmp_ or "=", Decimal(m.group("num").replace(",", "")), unit, True)
    if _NUMBER.search(t_norm):
        # e.g. "1670 元/月, 500 元/月" or "当年考核优秀 1500元、连续三年考核优秀 3000元":
        # several figures; keep the text, do not guess which one is the target.
        return Target(t, None, None, None, False)
    return Target(t, None, None, None, True)
