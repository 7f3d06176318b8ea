"""Blocks -> tables and narrative.

Walks the reader-neutral block stream once and groups rows under the table
title that opened them (classified through the registry), collects the
title-block metadata lines, "空表列示" declarations, notes, the goal text of
performance tables and the narrative text outside tables.  Rows that arrive
with no open table form an ``unclassified`` table named after the text line
before them: kept and reported, never dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .blocks import Block, Src
from .registry import TableType, classify_title
from .text import key

_META = (
    re.compile(r"^预算年度[:：]?\s*\d{4}"),
    re.compile(r"^(金额)?单位[:：]"),
    re.compile(r"^\d{3,}\s*\S+"),  # "316平乡县人力资源和社会保障局"
    re.compile(r"^截止时间[:：]"),
    re.compile(r"^[(（]\s*\d{4}\s*年度?\s*[)）]$"),  # "(2024 年度)"
    re.compile(r"^编制(单位|部门)[:：]"),
)
_YEAR_LINE = re.compile(r"^[(（]\s*(\d{4})\s*年度?\s*[)）]$")


def is_meta(text: str) -> bool:
    k = key(text)
    return bool(k) and any(p.search(k) for p in _META)


@dataclass
class Table:
    seq: int
    ttype: TableType | None
    title: str
    title_src: Src
    meta: list[Block] = field(default_factory=list)
    rows: list[Block] = field(default_factory=list)
    notes: list[Block] = field(default_factory=list)
    goal: list[Block] = field(default_factory=list)
    declared_empty: bool = False

    @property
    def type(self) -> str:
        return self.ttype.type if self.ttype else "unclassified"

    @property
    def kind(self) -> str:
        return self.ttype.kind if self.ttype else "unclassified"

    @property
    def pages(self) -> list[int]:
        ps = {s.page for b in self.rows for s in b.srcs if s.page is not None}
        if self.title_src.page is not None:
            ps.add(self.title_src.page)
        return sorted(ps)

    def meta_texts(self) -> list[str]:
        return [c for b in self.meta for c in b.cells if c]


@dataclass
class Segmented:
    tables: list[Table]
    narrative: list[Block]  # free text outside tables, in order
    year_lines: list[str]


def _has_indicator_header(t: Table) -> bool:
    return any("一级指标" in b.cells or "三级指标" in b.cells for b in t.rows)


def segment(blocks: list[Block]) -> Segmented:
    tables: list[Table] = []
    narrative: list[Block] = []
    years: list[str] = []
    cur: Table | None = None
    last_text: Block | None = None

    def open_table(ttype: TableType | None, title: Block) -> Table:
        t = Table(len(tables) + 1, ttype, title.cells[0] if title.cells else "", title.src)
        tables.append(t)
        return t

    for b in blocks:
        if b.kind == "text":
            txt = b.cells[0]
            m = _YEAR_LINE.match(key(txt))
            if m:
                years.append(m.group(1))
            tt = classify_title(txt)
            if "空表列示" in txt:
                # the declaration belongs to the table it follows
                target = cur or (tables[-1] if tables else None)
                if target is not None:
                    target.declared_empty = True
                    target.notes.append(b)
                else:
                    narrative.append(b)
                continue
            if tt is not None:
                cur = open_table(tt, b)
                continue
            if cur is not None:
                if is_meta(txt) and not _body_started(cur):
                    cur.meta.append(b)
                    continue
                if key(txt).startswith("注"):
                    cur.notes.append(b)
                    continue
                if cur.kind in ("perf_project", "perf_unit") and not _has_indicator_header(cur) and cur.rows:
                    cur.goal.append(b)  # goal text continued over lines
                    continue
                cur = None
            narrative.append(b)
            last_text = b
            continue
        # a row
        if b.is_blank() and cur is None:
            continue
        if cur is None:
            title = last_text or Block("text", [""], [b.src])
            if narrative and narrative[-1] is last_text:
                narrative.pop()  # the line before the rows is their title
            cur = open_table(None, title)
        if not _body_started(cur) and all(is_meta(c) for c in b.cells if c) and not b.is_blank():
            cur.meta.append(b)
            continue
        cur.rows.append(b)
    return Segmented(tables, narrative, years)


def _body_started(t: Table) -> bool:
    return bool(t.rows)
