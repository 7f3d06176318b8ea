"""Table headers of published PDFs: which header text sits over which column,
and which canonical measure an amount column holds.

The PDF reader gives each table as a full-width grid (camelot lattice): a
merged header cell keeps its text in its first (top-left) grid cell and
leaves the cells it spans blank.  :func:`column_paths` rebuilds, for every
column, the path of header labels over it, top to bottom::

    合计 | “三公”经费 |                |                        |            | …
         | 小计       | 因公出国(境)费 | 公务用车购置及运行维护费 |            | …
         |            |                | 小计                   | 公务用车购置费 | …

    column 3 -> ['“三公”经费', '公务用车购置及运行维护费', '小计']

and :func:`measure_of` maps a path to the canonical measure name by the
vocabulary in vocab/measures.csv (the leaf label, or the label above a '小计').
A column whose path maps to no measure keeps its published path (the caller
records it as an unknown header); it is never guessed.

:func:`merge_page_split_rows` rejoins a row that a page break cut in two
('八、社会保障和就' | … on one page, '业支出' on the next).
"""
from __future__ import annotations

from .blocks import Src
from .registry import GENERIC_MEASURES, TableType, header_key
from .text import is_amount, key

def column_paths(header: list[list[str]], width: int) -> list[list[str]]:
    """For each column the header labels over it, top to bottom (see module doc)."""
    rows = [list(r) + [""] * (width - len(r)) for r in header]
    filled = [list(r) for r in rows]
    for i, r in enumerate(rows):
        for j in range(1, width):
            if r[j] or not filled[i][j - 1]:
                continue
            # a blank cell right of a label spans under it when a lower header row
            # has its own label in this column (the merged parent of a sub-header)
            below = any(rows[k][j] for k in range(i + 1, len(rows)))
            left_below = any(rows[k][j - 1] for k in range(i + 1, len(rows)))
            if below and left_below:
                filled[i][j] = filled[i][j - 1]
    return [[key(filled[i][j]) for i in range(len(filled)) if filled[i][j]] for j in range(width)]


_SUBTOTAL = ("小计", "合计", "金额")


def measure_of(tt: TableType, path: list[str]) -> str | None:
    """Canonical measure of an amount column from its header path, by the vocabulary
    (vocab/measures.csv): the longest suffix of the normalised path that is a spelling of one
    of the table type's measures (or a '*' spelling of a measure it has).  A leaf '小计' / '合计' /
    '金额' under a label stands for that label ('本年收入/小计' -> 本年收入, '事业收入/金额' ->
    事业收入) and is never read as the table's 合计 on its own.  None when the vocabulary does not know the header."""
    labels = [header_key(p) for p in path if key(p) not in ("栏次", "行次") and not key(p).isdigit()]
    labels = [x for x in labels if x]
    if not labels:
        return None
    spell = {lbl: m.name for m in tt.measures for lbl in m.labels}
    names = {m.name for m in tt.measures}

    def look(k: str) -> str | None:
        if k in spell:
            return spell[k]
        g = GENERIC_MEASURES.get(k)
        return g if g in names else None

    if labels[-1] in _SUBTOTAL and len(labels) > 1:
        base = labels[:-1]
        cands = ["/".join(labels[i:]) for i in range(len(labels) - 1)] + ["/".join(base[i:]) for i in range(len(base))]
    else:
        cands = ["/".join(labels[i:]) for i in range(len(labels))]
    for c in cands:
        m = look(c)
        if m:
            return m
    return None


def merge_page_split_rows(cells: list[list[str]], srcs: list[list[Src]]) -> tuple[list[list[str]], list[list[Src]]]:
    """Rejoin rows cut by a page break: the first row on a new page that holds
    no amount, only text in columns where the row before it has text too, is
    the rest of that row's cells."""
    out_c: list[list[str]] = []
    out_s: list[list[Src]] = []
    pp = None  # page of the row before (merged or not)
    for row, src in zip(cells, srcs):
        prev = out_c[-1] if out_c else None
        p = src[0].page if src else None
        last, pp = pp, p
        if last is None or p is None or p <= last:
            out_c.append(list(row))
            out_s.append(list(src))
            continue
        if (prev is not None and any(row)
                and not any(is_amount(c) for c in row)
                and all(j < len(prev) and prev[j] and not is_amount(prev[j]) for j, c in enumerate(row) if c)):
            merged = list(prev)
            for j, c in enumerate(row):
                if c:
                    merged[j] = prev[j] + c
            out_c[-1] = merged
            continue
        out_c.append(list(row))
        out_s.append(list(src))
    return out_c, out_s
