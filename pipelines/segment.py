"""Blocks -> tables and narrative.

Walks the reader-neutral block stream once and groups rows under the table
title that opened them (classified through the registry), collects the
title-block metadata lines, "空表列示" declarations, notes, the goal text of
performance tables and the narrative text outside tables.  Rows that arrive
with no open table form an ``unclassified`` table named after the text line
before them: kept and reported, never dropped.

Published PDFs (the Jiangsu 公开表 sets) add three things handled here:

* the title block is several text lines: the title, a table number
  ("公开表一", "表一", "公开01表") before or after it, "部门:" with the
  department on the same or the next line, "单位:万元"; all of it is
  metadata of the table the title opened, and a page number between
  pages ("8", "- 8 -") is neither text nor a table boundary;
* a title wrapped over two lines ("…支出预算" + "表") is rejoined;
* a table continued on the next page is one table: rows that follow on a
  later page (with no new title, or under a repeated identical title) are
  appended, and header rows repeated at the top of the continuation are
  dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .blocks import Block, Src
from .registry import TABLE_NUMBER, TableType, classify_title, looks_like_title, vocab_rows
from .text import key

_META = (
    re.compile(r"^(预算|决算)年度[:：]?\s*\d{4}"),
    re.compile(r"^(金额)?单位[:：]"),
    re.compile(r"^\d{3,}\s*\S+"),  # "316平乡县人力资源和社会保障局"
    re.compile(r"^截止时间[:：]"),
    re.compile(r"^[(（]\s*\d{4}\s*年度?\s*[)）]$"),  # "(2024 年度)"
    re.compile(r"^(编制|预算)(单位|部门)[:：]"),  # "编制单位:…", "预算单位:长春市信访局"
    re.compile(r"^部门(名称)?[:：]"),  # "部门:中共江苏省委办公厅", "部门名称:…", a bare "部门:"
    TABLE_NUMBER,
)
PAGE_NUMBER = re.compile(r"^([-—–－]\s*)?\d{1,3}(\s*[-—–－])?$|^第\d{1,3}页(共\d+页)?$")


def _empty_wordings() -> tuple[re.Pattern | None, re.Pattern | None]:
    """(anywhere, after a table) patterns of the empty-table declarations in vocab/empty_declarations.csv."""
    by_scope: dict[str, list[str]] = {"any": [], "after_table": []}
    for r in vocab_rows("empty_declarations.csv"):
        scope = r["scope"].strip()
        if scope not in by_scope:
            raise ValueError(f"vocab/empty_declarations.csv: unknown scope {scope!r} (regex {r['regex']!r})")
        re.compile(r["regex"])
        by_scope[scope].append(f"(?:{r['regex']})")
    return tuple(re.compile("|".join(v)) if v else None for v in (by_scope["any"], by_scope["after_table"]))


_DECLARED_EMPTY_ANY, _DECLARED_EMPTY = _empty_wordings()


def declares_empty(text: str, after_table: bool) -> bool:
    """Does a text line declare a table intentionally empty ("空表列示", "本表无数据", …)?"""
    k = key(text)
    if _DECLARED_EMPTY_ANY is not None and _DECLARED_EMPTY_ANY.search(k):
        return True
    return after_table and len(k) <= 60 and _DECLARED_EMPTY is not None and bool(_DECLARED_EMPTY.search(k))


# a list entry of a table of contents: "一、收支总表", "(一)收支总表", "1.收支总表", "表1 收支总表"
_TOC_ENTRY = re.compile(r"^([一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．]|(附)?表\d{1,2})")
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
    # short text lines under a title that opened no rows, on the title's page (a grid printed without figures
    # comes out of the reader as its header words); see printed_empty
    loose: list[Block] = field(default_factory=list)
    printed_empty: bool = False  # printed with its header and no figure at all, without an empty declaration

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
    # the text lines of the cover and the page after it (pages 1-2; the first COVER_LINES text lines of a
    # file without pages), in reading order, before any of them becomes a table title: metadata reads them
    cover: list[Block] = field(default_factory=list)


def _has_indicator_header(t: Table) -> bool:
    return any("一级指标" in b.cells or "三级指标" in b.cells for b in t.rows)


def _is_page_number(b: Block) -> bool:
    return b.kind == "text" and b.src.page is not None and bool(PAGE_NUMBER.match(key(b.cells[0])))


def _join_wrapped_titles(blocks: list[Block]) -> list[Block]:
    """'“三公”经费、会议费、培训费支出预算' + '表' -> one title line."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (prev is not None and b.kind == "text" and prev.kind == "text" and b.cells and prev.cells
                and len(key(b.cells[0])) <= 3 and classify_title(prev.cells[0]) is None
                and classify_title(prev.cells[0] + b.cells[0]) is not None):
            out[-1] = Block("text", [prev.cells[0] + b.cells[0]], prev.srcs)
            continue
        out.append(b)
    return out


def _running_lines(blocks: list[Block]) -> set[str]:
    """Keys of the short text lines printed on three or more pages (running page headers and
    footers) that are neither a table title nor a title-block metadata line: page furniture,
    which inside a table continued over pages neither ends it nor titles a new one."""
    pages: dict[str, set[int]] = {}
    for b in blocks:
        if b.kind == "text" and b.src.page is not None and b.cells:
            k = key(b.cells[0])
            if k and len(k) <= 40 and "。" not in k:
                pages.setdefault(k, set()).add(b.src.page)
    return {k for k, ps in pages.items() if len(ps) >= 3 and classify_title(k) is None and not is_meta(k)}


def _titles_in_grids(blocks: list[Block]) -> list[Block]:
    """A table title printed inside the ruled grid (a row with one cell filled: '收支总表(预算表1)',
    a known title anywhere in the grid or a title-shaped line as the grid's first row) is a title
    line like one printed above the grid."""
    out: list[Block] = []
    for b in blocks:
        if b.kind == "row":
            filled = [(j, c) for j, c in enumerate(b.cells) if c]
            if len(filled) == 1 and len(key(filled[0][1])) <= 60 and (
                    classify_title(filled[0][1]) is not None
                    or (b.src.row == 0 and looks_like_title(filled[0][1]))):
                j, c = filled[0]
                out.append(Block("text", [c], [b.srcs[j] if j < len(b.srcs) else b.src]))
                continue
        out.append(b)
    return out


def _same_header(a: Block, b: Block) -> bool:
    ka = [key(c) for c in a.cells]
    kb = [key(c) for c in b.cells]
    return any(ka) and ka == kb


def segment(blocks: list[Block]) -> Segmented:
    tables: list[Table] = []
    narrative: list[Block] = []
    years: list[str] = []
    cur: Table | None = None
    since_rows: list[Block] = []  # narrative text lines since the last row (the block above a table)
    dept_label_open = False  # a bare "部门:" line: the department follows on the next line
    repeat_check: tuple[Table, int] | None = None  # continuation page: compare rows with the header rows

    def retire_toc():
        # a title with nothing under it that is numbered like a list entry
        # ("一、收支预算总表") is a table-of-contents line, not a table
        if tables:
            t = tables[-1]
            if (not t.rows and not t.meta and not t.notes and not t.declared_empty
                    and _TOC_ENTRY.match(key(t.title))):
                tables.pop()
                blk = Block("text", [t.title], [t.title_src])
                narrative.append(blk)
                since_rows.append(blk)

    def open_table(ttype: TableType | None, title: Block) -> Table:
        retire_toc()
        t = Table(len(tables) + 1, ttype, title.cells[0] if title.cells else "", title.src)
        tables.append(t)
        return t

    def last_row_page(t: Table | None) -> int | None:
        if t is None or not t.rows:
            return None
        return t.rows[-1].src.page

    blocks = _join_wrapped_titles(_titles_in_grids(blocks))
    furniture = _running_lines(blocks)
    for b in blocks:
        if b.kind == "text":
            txt = b.cells[0]
            k = key(txt)
            if _is_page_number(b):
                continue  # a page number is no text and no table boundary
            if cur is not None and k in furniture and not dept_label_open:
                continue  # a running page header ("苏州市审计局2026年度部门预算公开") inside a table's pages
            m = _YEAR_LINE.match(k)
            if m:
                years.append(m.group(1))
            if cur is not None and dept_label_open and (not cur.rows or repeat_check is not None) \
                    and len(k) <= 40 and "。" not in k:
                if not cur.rows:
                    cur.meta.append(b)  # the department's name under a bare "部门:"
                dept_label_open = False
                continue
            dept_label_open = False
            tt = classify_title(txt)
            if declares_empty(txt, cur is not None):
                # the declaration belongs to the table it follows
                target = cur or (tables[-1] if tables else None)
                if target is not None:
                    target.declared_empty = True
                    target.notes.append(b)
                else:
                    narrative.append(b)
                continue
            if tt is not None:
                prev = cur or (tables[-1] if tables else None)
                if (prev is not None and prev.ttype is tt and key(prev.title) == k and prev.rows
                        and tt.kind not in ("perf_project", "perf_unit")  # one title per project table
                        and b.src.page is not None and last_row_page(prev) is not None
                        and b.src.page > last_row_page(prev)):
                    # the same title repeated on the next page: the table continues
                    cur = prev
                    repeat_check = (cur, 0)
                    continue
                cur = open_table(tt, b)
                repeat_check = None
                continue
            if cur is not None:
                if is_meta(txt) and (not _body_started(cur) or repeat_check is not None):
                    if not _body_started(cur):
                        cur.meta.append(b)
                    dept_label_open = bool(re.fullmatch(r"部门(名称)?[:：]", k))
                    continue
                if k.startswith("注"):
                    cur.notes.append(b)
                    continue
                if cur.kind in ("perf_project", "perf_unit") and not _has_indicator_header(cur) and cur.rows:
                    cur.goal.append(b)  # goal text continued over lines
                    continue
                cur = None
            last = tables[-1] if tables else None
            if (last is not None and not last.rows and b.src.page is not None
                    and b.src.page == last.title_src.page and len(k) <= 30 and "。" not in k):
                last.loose.append(b)
            narrative.append(b)
            since_rows.append(b)
            continue
        # a row
        if b.is_blank() and cur is None:
            continue
        if cur is not None and cur.rows and b.src.page is not None and last_row_page(cur) is not None \
                and b.src.page > last_row_page(cur) and repeat_check is None:
            repeat_check = (cur, 0)  # first row of a continuation page
        if repeat_check is not None and cur is repeat_check[0]:
            t, i = repeat_check
            if i < min(3, len(t.rows)) and _same_header(t.rows[i], b):
                repeat_check = (t, i + 1)
                continue  # a header row repeated on the continuation page
            repeat_check = None
        if cur is None:
            # rows with no open table: their title is the nearest text line above
            # them that is not a title-block metadata line ("单位:万元", "部门:…")
            meta: list[Block] = []
            title = None
            for tb in reversed(since_rows[-4:]):
                if is_meta(tb.cells[0]) and title is None:
                    meta.insert(0, tb)
                    continue
                title = tb
                break
            if title is None:
                title = meta.pop() if meta else Block("text", [""], [b.src])
            taken = {id(x) for x in [title, *meta]}
            while narrative and id(narrative[-1]) in taken:
                narrative.pop()  # the title block moves from the narrative to the table
            cur = open_table(classify_title(title.cells[0]) if title.cells[0] else None, title)
            cur.meta.extend(meta)
        since_rows.clear()
        if not _body_started(cur) and all(is_meta(c) for c in b.cells if c) and not b.is_blank():
            cur.meta.append(b)
            continue
        cur.rows.append(b)
    retire_toc()
    for t in tables:
        t.printed_empty = _printed_empty(t)
    return Segmented(tables, narrative, years, cover_lines(blocks))


_TOTAL_WORDS = ("合计", "总计")


def _printed_empty(t: Table) -> bool:
    """A table whose grid came out of the reader as header words only: no rows, the title's page carries
    its header and a 合计/总计 line under the title, and not one digit in any of it — nothing was printed in
    it, so nothing is lost (the figures of a grid the reader missed would show up as digits here)."""
    if t.rows or t.declared_empty or not t.loose or t.kind not in ("subject", "pair_summary", "three_public"):
        return False
    texts = [key(b.cells[0]) for b in t.loose]
    return any(x in _TOTAL_WORDS for x in texts) and not any(re.search(r"\d", x) for x in texts)


COVER_LINES = 40


def cover_lines(blocks: list[Block]) -> list[Block]:
    paged = [b for b in blocks if b.kind == "text" and b.src.page is not None]
    if paged:
        return [b for b in paged if b.src.page <= 2][:COVER_LINES * 2]
    return [b for b in blocks if b.kind == "text"][:COVER_LINES]


def _body_started(t: Table) -> bool:
    return bool(t.rows)
