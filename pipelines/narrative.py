"""Figures quoted in the narrative 情况说明: "部门全年预算数15385.49万元".

Each figure keeps its label (the words before it, back to the previous
punctuation), its exact value, the sentence and the line/page.  Which table
figure a label should equal is data: ``narrative_map.csv`` beside this file,
read by the narrative-vs-table check.
"""
from __future__ import annotations

import csv
import functools
import re
from decimal import Decimal
from pathlib import Path

from .blocks import Block
from .text import clean

_FIG = re.compile(r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>万元|亿元|元|%)(?!/)")
_LEAD = re.compile(r"^(其中[:：]?|主要是|共计|合计|安排|包括|含)+")


def narrative_figures(blocks: list[Block]) -> list[dict]:
    out = []
    for b in blocks:
        text = clean(b.cells[0]) if b.cells else ""
        for m in _FIG.finditer(text):
            start = max(text.rfind(p, 0, m.start()) for p in "，,。；;：:（()）、")
            label = text[start + 1:m.start()].strip()
            label = re.sub(r"(为|是|达到|约|的)$", "", label)
            label = re.sub(r"^\d{4}年(度)?", "", label)
            label = _LEAD.sub("", label)
            sent_start = max(text.rfind(p, 0, m.start()) for p in "。；;") + 1
            sent_end = min([i for i in (text.find(p, m.end()) for p in "。；;") if i >= 0] or [len(text)])
            out.append({
                "seq": len(out) + 1, "label": label, "value": Decimal(m.group("num").replace(",", "")),
                "value_text": m.group(0), "unit": m.group("unit"), "sentence": text[sent_start:sent_end + 1][:300],
                "page": b.src.page, "line": b.src.line, "src_ref": b.src.ref()})
    return out


@functools.cache
def narrative_map() -> list[dict]:
    with open(Path(__file__).with_name("narrative_map.csv"), encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if not r["label_pattern"].startswith("#")]


def resolve_label(label: str) -> dict | None:
    """The table figure a narrative label refers to, or None."""
    for r in narrative_map():
        if re.fullmatch(r["label_pattern"], label):
            return r
    return None
