"""Segmented tables -> typed long-form records.

Every record carries its provenance (table, row, column, page or line).  A
table whose header does not carry the columns its registry entry expects is
not guessed at: it gets a ``parse_issue`` and contributes no facts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from .blocks import Block, Src
from .headers import column_paths, measure_of, merge_page_split_rows
from .registry import header_key
from .segment import Segmented, Table
from .targets import parse_target
from .text import NumberError, clean, decimals, key, parse_amount, strip_item_prefix

_CODE = re.compile(r"^(\d{3}|\d{5}|\d{7})$")
_CODE_NAME = re.compile(r"^[\[【(（]?(\d{3}|\d{5}|\d{7})[\]】)）]?\s*([^\d.,\s%\]】)）].*)$")
LEVEL1 = {"产出指标", "效益指标", "满意度指标", "成本指标", "部门管理", "履职效果", "能力建设", "产出", "效益", "满意度"}


@dataclass
class Parsed:
    tables: list[dict] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)
    budget: list[dict] = field(default_factory=list)
    projects: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    narrative: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    text_lines: list[dict] = field(default_factory=list)
    toc: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)


def _prov(src: Src) -> dict:
    return {"page": src.page, "line": src.line, "src_ref": src.ref()}


def _issue(out: Parsed, t: Table | None, rule: str, severity: str, message: str, src: Src | None = None):
    src = src or (t.title_src if t else Src())
    out.issues.append({"table_seq": t.seq if t else None, "table_type": t.type if t else None, "rule": rule,
                       "severity": severity, "message": message, **_prov(src)})


def _padded(rows: list[Block]) -> tuple[list[list[str]], list[list[Src]], int]:
    width = max((len(b.cells) for b in rows), default=0)
    cells = [b.cells + [""] * (width - len(b.cells)) for b in rows]
    srcs = [b.srcs + [b.srcs[-1] if b.srcs else Src()] * (width - len(b.srcs)) for b in rows]
    return cells, srcs, width


def _rstrip(cells: list[str]) -> list[str]:
    out = list(cells)
    while out and not out[-1]:
        out.pop()
    return out


def _amount(out: Parsed, t: Table, text: str, src: Src) -> Decimal | None:
    try:
        return parse_amount(text)
    except NumberError as e:
        _issue(out, t, "unparseable_amount", "error", f"{e} in {t.title} at {src.ref()}", src)
        return None


def unit_of(t: Table, default: str = "万元") -> str:
    return stated_unit(t) or default


def stated_unit(t: Table) -> str | None:
    """The money unit a table states ('单位：元', '(万元)'), or None."""
    for m in t.meta_texts():
        mm = re.search(r"单位[:：]\s*(万元|元|亿元|千元)", key(m))
        if mm:
            return mm.group(1)
    mm = re.search(r"[(（](万元|元)[)）]", key(t.title))
    return mm.group(1) if mm else None


def _document_unit(out: Parsed, seg: Segmented):
    """A subject table that states no unit takes the unit of the tables next to it (the nearest table
    before and after it that state one, when they agree, or the only one there is) — a document in 元
    that leaves the unit off one table — with a warning; when they disagree, the default 万元 stays and
    the warning says so.  A document whose tables state only 万元 (or nothing) is left as it is."""
    tabs = [t for t in seg.tables if t.kind in ("subject", "three_public", "pair_summary")]
    stated = {t.seq: stated_unit(t) for t in tabs}
    if set(stated.values()) <= {"万元", None}:
        return
    read = {r["table_seq"] for r in out.budget}
    for n, t in enumerate(tabs):
        if stated[t.seq] or t.seq not in read:
            continue
        before = next((stated[x.seq] for x in reversed(tabs[:n]) if stated[x.seq]), None)
        after = next((stated[x.seq] for x in tabs[n + 1:] if stated[x.seq]), None)
        near = {u for u in (before, after) if u}
        if len(near) == 1:
            u = next(iter(near))
            for r in out.budget:
                if r["table_seq"] == t.seq:
                    r["unit"] = u
            for r in out.tables:
                if r["table_seq"] == t.seq:
                    r["unit"] = u
            _issue(out, t, "unit_inferred", "warn", f"{t.title}: no unit stated; the tables next to it state {u}, "
                   f"read in {u}")
        else:
            _issue(out, t, "unit_unstated", "warn", f"{t.title}: no unit stated and the tables next to it state "
                   f"{sorted(near)}; read in 万元")


# ---------------------------------------------------------------- subject tables
@dataclass
class _Layout:
    """Where a subject table keeps its codes, names and figures."""
    code_cols: list[int]  # [] no codes; [j] the code (alone or with its name); [j, j+1(, j+2)] 类 | 款 | 项
    name_col: int | None
    first_amount: int  # amount columns are at or right of this column
    units: bool = False  # rows are departments / units (单位代码 | 单位名称), not subjects
    items: bool = False  # rows are named items without codes (项目 | 预算数: the "三公"经费 list)
    unit_col: int | None = None  # a column left of the codes naming the unit whose rows follow (预算单位)


@dataclass
class _CodeCtx:
    """The codes of the rows above, for rows that print only their own level ('01' under 201)."""
    lei: str | None = None
    kuan: str | None = None
    last_level: str | None = None
    kuan_amount: Decimal | None = None
    xiang_sum: Decimal = Decimal(0)
    item: str | None = None  # the open item of an item list
    unit: str | None = None  # the unit whose rows follow (tables with one block of rows per unit)


_CODE_PART = re.compile(r"^\d{2,7}$")
_UNIT_HEAD = re.compile(r"(单位|部门)(代码|编码)")
_SUB_ITEM = re.compile(r"^(其中[:：]?)?\s*[(（]\d+[)）]|^其中")
_LEVEL_OF = {3: "类", 5: "款", 7: "项"}
_TOTAL_LABELS = ("合计", "总计", "支出合计", "收入合计", "支出总计", "收入总计", "本年支出合计", "本年收入合计")


def _is_total_label(text: str) -> bool:
    k = key(text).replace(" ", "")
    return k in _TOTAL_LABELS


def _is_colno_row(row: list[str]) -> bool:
    """The 栏次 row: '栏次' or only the column numbers 1, 2, 3, … (and 类/款/项 labels)."""
    ks = [key(c) for c in row if c]
    if not ks:
        return False
    if "栏次" in ks or "行次" in ks:
        return True
    nums = [k for k in ks if k not in ("类", "款", "项")]
    return len(nums) >= 2 and all(k.isdigit() for k in nums) and \
        [int(k) for k in nums] == list(range(int(nums[0]), int(nums[0]) + len(nums)))


def _code_name(cell: str):
    """(code, name) of a cell holding a full code, alone or before its name ('[201]一般公共服务支出')."""
    c = clean(cell)
    if _CODE.match(c):
        return c, ""
    m = _CODE_NAME.match(c)
    return (m.group(1), m.group(2).strip()) if m else None


def _subject_layout(header: list[list[str]], body: list[list[str]], width: int) -> _Layout | None:
    """Code, name and first amount columns from the header (类 | 款 | 项 labels) and the body (which
    columns hold codes, code parts, names).  None when no column holds codes."""
    lim = min(width, 5)
    for row in header:
        ks = [key(c) for c in row]
        for j in range(min(width, 4)):
            if ks[j] == "类" and j + 1 < width and ks[j + 1] == "款":
                cc = [j, j + 1] + ([j + 2] if j + 2 < width and ks[j + 2] == "项" else [])
                nj = cc[-1] + 1
                return _Layout(cc, nj if nj < width else None, nj + 1)
    rows = [r for r in body if not any(_is_total_label(c) for c in r[:lim])]
    if not any(any(r) for r in rows):
        # only a 合计 row (a table of zeros): the figures start at the first column holding one
        first = next((j for j in range(width) if any(_is_num(r[j]) for r in body if j < len(r))), None)
        return _Layout([], None, first) if first else None
    for j in range(min(width, 3)):
        over = "".join(key(r[j]) for r in header if j < len(r))
        if _UNIT_HEAD.search(over) and "科目" not in over:
            # 部门代码 | 部门名称 | figures: one row per department or unit; their codes are no subject codes
            nj = j + 1 if j + 1 < width and not any(_is_num(r[j + 1]) for r in rows if j + 1 < len(r)) else j
            return _Layout([], nj, nj + 1, units=True)

    def vals(j):
        return [clean(r[j]) for r in rows if j < len(r) and clean(r[j])]

    for j in range(lim):
        v = vals(j)
        if not v:
            continue
        if all(_CODE_PART.match(x) and len(x) in (2, 3, 5, 7) for x in v) and any(_CODE.match(x) for x in v):
            cc = [j]
            k = j + 1
            while k < lim and len(cc) < 3:
                vk = vals(k)
                if vk and all(_CODE_PART.match(x) and len(x) in (2, 3, 5, 7) for x in vk) \
                        and any(len(x) == 2 for x in vk) and any(not _is_num(r[k + 1]) for r in rows
                                                                  if k + 1 < len(r) and r[k + 1]):
                    cc.append(k)
                    k += 1
                    continue
                break
            nj = cc[-1] + 1
            uc = next((k for k in range(j) if any(not _is_num(x) for x in vals(k))), None)
            return _Layout(cc, nj if nj < width else None, nj + 1, unit_col=uc)
        if sum(1 for x in v if _code_name(x)) * 2 >= len(v):
            return _Layout([j], j, j + 1)
        if any(not _is_num(x) for x in v):
            # a name column before any code column: codes (if any) are inside the names
            if any(_code_name(x) for x in v):
                return _Layout([j], j, j + 1)
            continue
    for j in range(min(width, 3)):
        # no codes anywhere: one named row per unit (单位名称) or item (项目)
        v = vals(j)
        over = [key(r[j]) for r in header if j < len(r) and r[j]]
        if v and over and all(not _is_num(x) for x in v):
            if re.search(r"(单位|部门)(名称)?$", over[-1]):
                return _Layout([], j, j + 1, units=True)
            if re.search(r"(项目|名称|科目|类别)$", over[-1]):
                return _Layout([], j, j + 1, items=True)
        if v:
            break
    return None


def _resolve_code(row: list[str], lay: _Layout, ctx: _CodeCtx, first_amount: Decimal | None):
    """(code, level) of a row from its code cell(s), or None; 'ambiguous' when a code part cannot be
    placed.  Split cells: '201' '06' '01' -> 2010601 (a part left blank takes the code above).  One
    cell printing only its own level: '01' under 201 -> 20101; under a 款 -> its 项, until the 项 add up
    to the 款, then the next 款."""
    parts = [clean(row[j]) if j < len(row) else "" for j in lay.code_cols]
    if not any(parts) or any(p and not p.isdigit() and not _code_name(p) for p in parts):
        return None  # no code, or a label ('合计') over the code cells
    if len(parts) == 1:
        p = parts[0]
        cn = _code_name(p)
        if cn:
            return cn[0], _LEVEL_OF[len(cn[0])]
        if re.fullmatch(r"\d{2}", p):
            if ctx.lei and ctx.last_level == "类":
                return ctx.lei + p, "款"
            if ctx.kuan and ctx.last_level == "款":
                return ctx.kuan + p, "项"
            if ctx.kuan and ctx.last_level == "项" and ctx.kuan_amount is not None:
                if ctx.xiang_sum == ctx.kuan_amount and ctx.kuan_amount != 0:
                    return ctx.lei + p, "款"
                if ctx.xiang_sum < ctx.kuan_amount or ctx.kuan_amount < 0:
                    return ctx.kuan + p, "项"
            return "ambiguous", p
        return "ambiguous", p
    lei, kuan, xiang = (parts + ["", ""])[:3]
    if lei and not re.fullmatch(r"\d{3}", lei):
        return "ambiguous", "/".join(parts)
    if kuan and re.fullmatch(r"\d{5}", kuan):
        kuan = kuan[3:] if not lei or kuan.startswith(lei) else "?"
    if xiang and re.fullmatch(r"\d{7}", xiang):
        lei, kuan, xiang = xiang[:3], xiang[3:5], xiang[5:]
    if (kuan and not re.fullmatch(r"\d{2}", kuan)) or (xiang and not re.fullmatch(r"\d{2}", xiang)):
        return "ambiguous", "/".join(parts)
    if xiang:
        if not kuan:
            if not ctx.kuan or (lei and not ctx.kuan.startswith(lei)):
                return "ambiguous", "/".join(parts)
            return ctx.kuan + xiang, "项"
        lei = lei or ctx.lei
        return (lei + kuan + xiang, "项") if lei else ("ambiguous", "/".join(parts))
    if kuan:
        lei = lei or ctx.lei
        return (lei + kuan, "款") if lei else ("ambiguous", "/".join(parts))
    return lei, "类"


def _note_code(ctx: _CodeCtx, code: str, level: str, amount: Decimal | None):
    ctx.last_level = level
    if level == "类":
        ctx.lei, ctx.kuan = code, None
    elif level == "款":
        ctx.lei, ctx.kuan = code[:3], code
        ctx.kuan_amount, ctx.xiang_sum = amount, Decimal(0)
    elif level == "项":
        ctx.xiang_sum += amount or Decimal(0)


def _header_end(cells: list[list[str]], body_start: int) -> int:
    """The header ends at the first row that holds figures (a department or unit row above the first
    coded row belongs to the body), 栏次 rows excepted."""
    for i in range(body_start):
        row = cells[i]
        if not _is_colno_row(row) and any(_is_num(c) for c in row) and i > 0:
            return i
    return body_start


_SUBJECT_HEAD = re.compile(r"科目|编码|代码|名称|^项目$|^类$|^款$|^项$")


def _misaligned(tt, paths: list[list[str]], lay: _Layout, amount_cols: list[int]) -> bool:
    """The header grid is shifted against the body: a measure label over a code or name column, or a
    subject-column label ('科目名称') over an amount column."""
    for j in lay.code_cols + ([lay.name_col] if lay.name_col is not None else []):
        labels = [p for p in paths[j] if not p.isdigit() and p not in ("栏次", "行次")] if j < len(paths) else []
        if labels and measure_of(tt, labels[-1:]) is not None:
            return True
    return any(_SUBJECT_HEAD.search(p) for j in amount_cols for p in paths[j])


def _from_grid(srcs: list[list[Src]]) -> bool:
    """Cells from a PDF grid sit under their header; text exports do not."""
    return any(s.page is not None and s.col is not None for row in srcs for s in row)


def _place_columns(out: Parsed, t: Table, paths: list[list[str]], amount_cols: list[int]):
    """[(column, measure, canonical measure or None, header path)] for the amount columns, or a
    message naming the columns that cannot be placed (no header over them).  A header the
    vocabulary does not know keeps its published path as the measure (warning 'unknown_header');
    two columns naming one canonical measure both keep their published paths."""
    tt = t.ttype
    blank = [j for j in amount_cols if not [p for p in paths[j] if p]]
    if blank:
        return f"amount columns without a header: {blank}"
    # a label over every amount column ('收入预算', '本年预算') is the table's banner, not a measure
    lead = {tuple(paths[j][:1]) for j in amount_cols}
    cut = 1 if (len(amount_cols) > 1 and len(lead) == 1 and all(len(paths[j]) > 1 for j in amount_cols)
                and measure_of(tt, list(next(iter(lead)))) is None) else 0
    placed = []
    for j in amount_cols:
        hp = "/".join(paths[j])
        placed.append([j, measure_of(tt, paths[j][cut:]), hp])
    canon = [m for _, m, _ in placed if m]
    dup = {m for m in canon if canon.count(m) > 1}
    unknown = []
    for p in placed:
        if p[1] in dup:
            p[1] = None
        if p[1] is None:
            unknown.append(p[2])
    if dup:
        _issue(out, t, "unknown_header", "warn",
               f"{t.title}: several columns name the measure(s) {sorted(dup)}; kept as published: "
               f"{[p[2] for p in placed if p[1] is None and measure_of(tt, paths[p[0]][cut:]) in dup]}")
    if unknown:
        _issue(out, t, "unknown_header", "warn",
               f"{t.title}: column headers not in vocab/measures.csv, kept as published: {unknown}")
    seen: dict[str, int] = {}
    res = []
    for j, m, hp in placed:
        name = m or hp
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name}#{j}"
        res.append((j, name, m, hp))
    return res


def _budget_rec(t: Table, cls, code, name, level, col: tuple, a, text, unit, i, src) -> dict:
    j, mname, canon, hp = col
    return {"table_seq": t.seq, "table_type": t.type, "classification": cls, "subject_code": code,
            "subject_name": name, "subject_level": level, "side": None, "parent_item": None,
            "measure": mname, "canonical_measure": canon, "header_path": hp, "amount": a, "amount_text": text,
            "decimals": decimals(a), "unit": unit, "row_idx": i, "col_idx": j, **_prov(src)}


_PANEL_KEY = re.compile(r"科目|代码|编码|名称")


def _unstack_panels(cells: list[list[str]], srcs: list[list[Src]], width: int):
    """A table printed as n side-by-side panels of the same k columns ("科目代码 | 科目名称 | 决算数" three times:
    the national 决算 template's 基本支出决算表, many 基本支出表) read as one column of rows: panel 1's rows,
    then panel 2's, … (each panel keeps its own order, so a 类 stays above its 款). None when the header is no
    such repetition (a panel must hold a subject column: code or name)."""
    for r in range(min(3, len(cells))):
        row = [key(c) for c in cells[r]]
        w = max((j + 1 for j, c in enumerate(row) if c), default=0)
        for k in range(2, w // 2 + 1):
            n = -(-w // k)
            if n < 2 or n * k > width:
                continue
            panels = [row[p * k:(p + 1) * k] for p in range(n)]
            if all(panels[0] == q for q in panels[1:]) and all(panels[0]) \
                    and any(_PANEL_KEY.search(c) for c in panels[0]):
                new_cells = [row_[:k] for row_ in cells[:r + 1]]
                new_srcs = [s_[:k] for s_ in srcs[:r + 1]]
                for p in range(n):
                    for row_, s_ in zip(cells[r + 1:], srcs[r + 1:]):
                        part = row_[p * k:(p + 1) * k]
                        if any(part):
                            new_cells.append(part)
                            new_srcs.append(s_[p * k:(p + 1) * k])
                return new_cells, new_srcs, k
    return None


def _subject_table(out: Parsed, t: Table):
    """Subject-coded tables (code and name in one cell or two, codes split over 类 | 款 | 项 cells, a
    合计 row), and two layouts of the same table types without subject rows: a single row of totals
    under a (multi-row) header (支出预算总表, the "三公"经费 table) and a label / sub-label / amount
    list (收入预算总表).  Every amount column is placed: by its canonical measure, or by its published
    header path when the vocabulary does not know it; a column that cannot be placed leaves the
    whole table unread (header_mismatch)."""
    tt = t.ttype
    cells, srcs, width = _padded(t.rows)
    cells, srcs = merge_page_split_rows(cells, srcs)
    panels = _unstack_panels(cells, srcs, width)
    if panels is not None:
        cells, srcs, width = panels
    body_start = None
    for i, row in enumerate(cells):
        if _row_subject(row) is not None and not _is_colno_row(row):
            body_start = i
            break
    if body_start is None:
        if _total_row_layout(out, t, cells, srcs, width) or _item_list_layout(out, t, cells, srcs, width):
            return
        if _from_grid(srcs):
            # rows named by their unit (预算单位 | figures) or item, with no code and no 合计 row
            hend = _header_end(cells, len(cells))
            lay = _subject_layout(cells[:hend], cells[hend:], width) if 0 < hend < len(cells) else None
            if lay is not None and (lay.units or lay.items):
                _read_laid(out, t, cells, srcs, width, hend, lay)
                return
        if not t.declared_empty:
            _issue(out, t, "no_body_rows", "warn", f"{t.title}: no subject rows found and not declared empty")
        return
    grid = _from_grid(srcs)
    lay = None
    if grid:
        hend = _header_end(cells, body_start)
        lay = _subject_layout(cells[:hend], cells[body_start:], width)
        if lay is not None and _read_laid(out, t, cells, srcs, width, hend, lay):
            return
    cols = _map_columns(tt, cells[:body_start], cells[body_start:], width)
    if isinstance(cols, list):
        cols = [(j, m, m, None) for j, m in cols]
    else:
        # text exports: header cells do not sit over their columns; the registry's
        # fixed schema (its measures are the last N columns) applies when every label is there
        fixed = [m for m in tt.measures if not m.optional]
        n = len(fixed)
        header = "".join(header_key(c) for row in cells[:body_start] for c in row)
        missing = [m.name for m in fixed if not any(lbl in header for lbl in m.labels)]
        if missing or width < n + 2:
            paths = column_paths(cells[:body_start], width)
            why = cols or f"header lacks expected columns {missing} (width {width}; column headers " \
                          f"{['/'.join(p) for p in paths]})"
            _issue(out, t, "header_mismatch", "error", f"{t.title}: {why}; table not normalised")
            return
        cols = [(width - n + j, m.name, m.name, None) for j, m in enumerate(fixed)]
        if lay is not None and {c[0] for c in cols} & set(lay.code_cols + [lay.name_col]):
            _issue(out, t, "header_mismatch", "error", f"{t.title}: the header does not sit over the columns "
                   f"and the fixed columns overlap the subject columns; table not normalised")
            return
    _subject_rows(out, t, cells, srcs, body_start, lay, cols)


def _classification(t: Table) -> str | None:
    """The table type's classification, unless the title names the other one
    ('一般公共预算支出表(按经济分类)')."""
    k = key(t.title)
    if "经济分类" in k and "功能分类" not in k:
        return "economic"
    if "功能分类" in k and "经济分类" not in k:
        return "function"
    return t.ttype.classification


def _read_laid(out: Parsed, t: Table, cells, srcs, width: int, hend: int, lay: _Layout) -> bool:
    """Read a table whose code / name / amount columns are known, every amount column placed by its
    header.  False when the header grid is shifted against the body (the caller falls back to the
    fixed schema of text exports); True when the table is read or recorded as not read."""
    tt = t.ttype
    header, body = cells[:hend], cells[hend:]
    amount_cols = [j for j in range(lay.first_amount, width)
                   if j not in lay.code_cols and j != lay.name_col
                   and any(_is_num(r[j]) for r in body if j < len(r))]
    paths = column_paths(header, width)
    if not header:
        cols = "no header over the amount columns"
    elif not amount_cols:
        if not t.declared_empty:
            _issue(out, t, "no_body_rows", "warn", f"{t.title}: subject rows without figures")
        return True
    elif _misaligned(tt, paths, lay, amount_cols):
        return False
    else:
        cols = _place_columns(out, t, paths, amount_cols)
    if isinstance(cols, str):
        _issue(out, t, "header_mismatch", "error", f"{t.title}: {cols}; table not normalised")
        return True
    _subject_rows(out, t, cells, srcs, hend, lay, cols)
    return True


def _subject_rows(out: Parsed, t: Table, cells, srcs, start: int, lay: _Layout | None, cols):
    unit = unit_of(t)
    cls = _classification(t)
    amount_cols = {c[0] for c in cols}
    ctx = _CodeCtx()
    for i in range(start, len(cells)):
        row = cells[i]
        if _is_colno_row(row):
            continue
        if lay is not None:
            subj = _row_subject_laid(row, lay, amount_cols, ctx, cols)
            if subj is not None and subj[0] == "ambiguous":
                out.budget[:] = [r for r in out.budget if r["table_seq"] != t.seq]
                _issue(out, t, "ambiguous_code", "error",
                       f"{t.title}: row {i}: code part {subj[1]!r} cannot be placed under the codes above; "
                       f"table not normalised", srcs[i][0])
                return
        else:
            subj = _row_subject(row, amount_cols)
        if subj is None:
            if any(row):
                _issue(out, t, "unrecognised_row", "warn", f"{t.title}: row {i} has no subject code: {row}",
                       srcs[i][0])
            continue
        code, name, level = subj[:3]
        for col in cols:
            j = col[0]
            a = _amount(out, t, row[j], srcs[i][j])
            if a is None:
                continue
            rec = _budget_rec(t, cls, code, name, level, col, a, row[j], unit, i, srcs[i][j])
            if len(subj) > 3:
                rec["parent_item"] = subj[3]
            out.budget.append(rec)
    mine = [r for r in out.budget if r["table_seq"] == t.seq and r["subject_code"] and r["parent_item"]]
    if len({r["parent_item"] for r in mine}) == 1:
        for r in mine:  # one unit only: its rows are the table's rows
            r["parent_item"] = None


def _row_subject_laid(row: list[str], lay: _Layout, amount_cols: set[int], ctx: _CodeCtx, cols):
    """(code, name, level) of a body row in a known layout; ('ambiguous', part, None) for a code part
    that cannot be placed; None for a row that is no subject row."""
    first = None
    if cols:
        try:
            first = parse_amount(row[cols[0][0]])
        except NumberError:
            first = None
    rc = _resolve_code(row, lay, ctx, first)
    if rc is None and lay.unit_col is not None and row[lay.unit_col] and not _is_total_label(row[lay.unit_col]) \
            and any(_is_num(row[j]) for j in amount_cols if j < len(row)):
        # 预算单位 | 科目编码 | …: a unit's own row; the coded rows below it are that unit's
        ctx.unit = clean(row[lay.unit_col])
        return None, ctx.unit, "unit"
    name = ""
    if lay.name_col is not None and lay.name_col < len(row):
        name = clean(row[lay.name_col])
        if lay.code_cols == [lay.name_col]:
            cn = _code_name(name)
            name = cn[1] if cn else name
    if rc is not None:
        if rc[0] == "ambiguous":
            return "ambiguous", rc[1], None
        code, level = rc
        _note_code(ctx, code, level, first)
        return (code, name, level, ctx.unit) if ctx.unit else (code, name, level)
    if lay.units or lay.items:
        texts = [c for j, c in enumerate(row) if c and j not in amount_cols]
        if not any(_is_num(row[j]) for j in amount_cols if j < len(row)) and not name:
            return None
        if any(_is_total_label(c) for c in texts):
            return None, key(next(c for c in texts if _is_total_label(c))), "total"
        if lay.units:
            # a label between the unit and the figures ('2026年', '增减变化金额') names a row of the unit
            lab = [clean(c) for j, c in enumerate(row[:min(amount_cols, default=0)]) if c and j > lay.name_col]
            if name:
                ctx.unit = name
            if lab and ctx.unit:
                return None, " ".join(lab), "item", ctx.unit
            return (None, name, "unit") if name else None
        if not name:
            return None
        # '1、公务接待费' opens an item; '其中:(1)公务用车购置费' / '(2)…' are parts of the item above
        if _SUB_ITEM.match(name) and ctx.item:
            return None, name, "item", ctx.item
        ctx.item = strip_item_prefix(name)
        return None, name, "item"
    return _row_subject(row, amount_cols, codes=False)


def _map_columns(tt, header: list[list[str]], body: list[list[str]], width: int):
    """[(column, measure)] from the header text over each amount column; None
    when the header gives no usable grid (no amount column has a header of its
    own), or a message naming the columns whose header maps to no measure."""
    if not header:
        return None
    paths = column_paths(header, width)
    # the subject columns: the code (alone or with its name) and the name next to it
    first = next((r for r in body if _row_subject(r) is not None and _row_subject(r)[0]), None)
    if first is None:
        return None
    cj = next(j for j, c in enumerate(first[:3]) if _CODE.match(c) or _CODE_NAME.match(c))
    left = cj + (2 if _CODE.match(first[cj]) else 1)
    amount_cols = [j for j in range(left, width) if any(_is_num(r[j]) for r in body if j < len(r))]
    if not amount_cols:
        return None
    mapped, bad = [], []
    for j in amount_cols:
        m = measure_of(tt, paths[j])
        if m is None:
            bad.append((j, "/".join(paths[j]) or "(blank)"))
        else:
            mapped.append((j, m))
    if bad and not mapped:
        return None
    if bad:
        return f"amount columns with a header that maps to no measure: {bad}"
    if len({m for _, m in mapped}) != len(mapped):
        return f"two amount columns map to one measure: {mapped}"
    return mapped


def _row_measures() -> dict[str, str]:
    from .registry import vocab_rows

    return {key(r["label"]): r["measure"].strip() for r in vocab_rows("row_measures.csv")}


ROW_MEASURE = _row_measures()


def _measure_row(row: list[str]) -> bool:
    """A row of figures labelled, in its first cell, by what it measures ("预算数 | 593.46 | …")."""
    return bool(row) and key(row[0]) in ROW_MEASURE and any(_is_num(c) for c in row[1:]) \
        and all(not c or _is_num(c) for c in row[1:])


def _total_rows_header(cells: list[list[str]]) -> int | None:
    """Index of the first row that is all amounts or blanks (a row of totals), or a row of figures labelled by
    its measure (vocab/row_measures.csv), after a header."""
    for i, row in enumerate(cells):
        if i > 0 and _measure_row(row):
            return i
        if i > 0 and any(row) and all(not c or _is_num(c) for c in row) \
                and not (i > 0 and "栏次" in map(key, cells[i - 1])):
            return i
    return None


def _total_row_layout(out: Parsed, t: Table, cells, srcs, width) -> bool:
    """Header rows then one row of figures with no subject column: the
    department's totals by measure (支出预算总表; the "三公"经费、会议费、培训费 table)."""
    start = _total_rows_header(cells)
    if start is None or not any(_is_num(c) for row in cells[start:] for c in row):
        return False
    # rows labelled by their measure (预算数 / 决算数): the first column holds the labels, not figures; the
    # 栏次 row (column numbers) is no header label there
    labelled = all(_measure_row(r) for r in cells[start:] if any(r))
    paths = column_paths([r for r in cells[:start] if not (labelled and _is_colno_row(r))], width)
    amount_cols = [j for j in range(1 if labelled else 0, width) if paths[j] or any(r[j] for r in cells[start:])]
    if _from_grid(srcs):
        cols = _place_columns(out, t, paths, amount_cols)
    else:
        cols, bad = [], []
        for j in amount_cols:
            m = measure_of(t.ttype, paths[j])
            (cols if m else bad).append((j, m, m, None) if m else (j, "/".join(paths[j]) or "(blank)"))
        if bad or len({c[1] for c in cols}) != len(cols):
            cols = f"header columns that map to no measure: {bad or cols}"
    if isinstance(cols, str):
        _issue(out, t, "header_mismatch", "error", f"{t.title}: {cols}; table not normalised")
        return True
    unit = unit_of(t)
    cls = t.ttype.classification or "economic"
    for i in range(start, len(cells)):
        row = cells[i]
        if not any(row):
            continue
        if not (labelled or all(not c or _is_num(c) for c in row)):
            _issue(out, t, "unrecognised_row", "warn", f"{t.title}: row {i} is not a row of figures: {row}",
                   srcs[i][0])
            continue
        # subject_name: 合计 for the table's one row of totals, else what the row measures (预算数 / 决算数)
        name = ROW_MEASURE[key(row[0])] if labelled else "合计"
        for col in cols:
            j = col[0]
            a = _amount(out, t, row[j], srcs[i][j])
            if a is None:
                continue
            # subject_level 'table_total': a row of the table's totals, not a 合计 row over subject rows
            out.budget.append(_budget_rec(t, cls, None, name, "table_total", col, a, row[j], unit, i, srcs[i][j]))
    return True


_GRAND = re.compile(r"^(收入|支出)?(总计|合计)$")


def _item_list_layout(out: Parsed, t: Table, cells, srcs, width) -> bool:
    """项目名称 | (sub-item) | 金额: an item per row, sub-items under the item
    to their left (收入预算总表: 一般公共预算资金 → 公共财政拨款(补助)资金)."""
    if not cells or width < 2:
        return False
    head = [key(c) for c in cells[0]]
    if "项目名称" not in head and "项目" not in head:
        return False
    if head[0] == "序号" or not any(_is_num(c) for row in cells[1:] if "栏次" not in map(key, row) for c in row):
        return False  # a numbered subject table, or an empty table: reported as such by the caller
    paths = column_paths(cells[:1], width)
    amt = [j for j in range(width) if measure_of(t.ttype, paths[j]) is not None or (paths[j] and paths[j][-1] == "金额")]
    if len(amt) != 1:
        _issue(out, t, "header_mismatch", "error", f"{t.title}: item list without one amount column: {paths}")
        return True
    col = amt[0]
    unit = unit_of(t)
    parent = None
    for i in range(1, len(cells)):
        row = cells[i]
        labels = [key(c) for c in row[:col]]
        if not any(labels):
            if any(row):
                _issue(out, t, "unrecognised_row", "warn", f"{t.title}: row {i} has no item label: {row}",
                       srcs[i][0])
            continue
        first = next(j for j, c in enumerate(labels) if c)
        item = labels[first]
        sub = next((c for c in labels[first + 1:] if c), None)
        if first == 0:
            parent = item
            if sub and sub != "小计":
                parent_item, name = item, sub
            else:
                parent_item, name = None, item
        else:
            parent_item, name = parent, item
        a = _amount(out, t, row[col], srcs[i][col])
        if a is None:
            continue
        level = "total" if _GRAND.match(name) else "item"
        out.budget.append({
            "table_seq": t.seq, "table_type": t.type, "classification": "item", "subject_code": None,
            "subject_name": name, "subject_level": level, "side": None, "parent_item": parent_item,
            "measure": "金额", "amount": a, "amount_text": row[col], "decimals": decimals(a), "unit": unit,
            "row_idx": i, "col_idx": col, **_prov(srcs[i][col])})
    return True


_LEVEL_SUFFIX = re.compile(r"^(?P<name>.+?)[(（](?P<level>类|款|项)[)）]$")


def _row_subject(row: list[str], amount_cols: set[int] | None = None, codes: bool = True):
    """(code, name, level) of a subject row: the code alone or with its name
    in one cell; a '合计' row; or, in a table with known amount columns, a
    name without a code ('一般公共服务支出(类)', an indented name) that
    carries figures — its code stays None (roll-ups use codes only)."""
    for c in row[:3] if codes else ():
        if _CODE.match(c):
            idx = row.index(c)
            name = row[idx + 1] if idx + 1 < len(row) else ""
            if amount_cols and idx + 1 in amount_cols:
                name = ""
            return c, name, {3: "类", 5: "款", 7: "项"}[len(c)]
        m = _CODE_NAME.match(c)
        if m:
            return m.group(1), m.group(2).strip(), {3: "类", 5: "款", 7: "项"}[len(m.group(1))]
    for j, c in enumerate(row[:3]):
        if key(c) in ("合计", "总计") and any(_is_num(x) for x in row[j + 1:]):
            return None, key(c), "total"
    if amount_cols:
        names = [(j, c) for j, c in enumerate(row) if c and j not in amount_cols and not _is_num(c)]
        # a named row whose figures are all blank is a published zero row (e.g. 因公出国(境)费 with nothing spent)
        if len(names) == 1 and (any(_is_num(row[j]) for j in amount_cols if j < len(row))
                                or not any(row[j] for j in amount_cols if j < len(row))):
            name = clean(names[0][1])
            m = _LEVEL_SUFFIX.match(key(name))
            if m:
                return None, m.group("name"), m.group("level")
            return None, name, "uncoded"
    return None


def _is_num(c: str) -> bool:
    try:
        return parse_amount(c) is not None
    except NumberError:
        return False


# ---------------------------------------------------------------- pair summaries
def _pair_table(out: Parsed, t: Table):
    cells, srcs, width = _padded(t.rows)
    right_measures = [m.name for m in t.ttype.measures] or [t.ttype.pair_measure or "预算数"]
    left_measure = "金额" if t.ttype.measures else (t.ttype.pair_measure or "预算数")
    unit = unit_of(t)
    started = False
    parent = None
    for i, row in enumerate(cells):
        if not started:
            if key(row[0]) == "栏次" and _lanci_numbers_only(row):
                started = True
            continue
        left, right = row[1], row[3] if width > 3 else ""
        # left side: label + one amount
        if left:
            lk = strip_item_prefix(left)
            if lk == left and "结转" in left:
                parent = lk
            elif lk == left:
                parent = None
            a = _amount(out, t, row[2], srcs[i][2])
            if a is not None:
                out.budget.append(_pair_rec(t, "收入", lk, parent if lk != left else None, left_measure, a, row[2],
                                            unit, i, 2, srcs[i][2]))
        if right:
            rk = strip_item_prefix(right)
            for j, mname in enumerate(right_measures):
                col = 4 + j
                if col >= width:
                    break
                a = _amount(out, t, row[col], srcs[i][col])
                if a is not None:
                    out.budget.append(_pair_rec(t, "支出", rk, None, mname, a, row[col], unit, i, col, srcs[i][col]))
    if not started:
        if _pair_table_headed(out, t) or _pair_table_open(out, t):
            return
        if not any(any(r) for r in cells):
            if not t.declared_empty:
                _issue(out, t, "no_body_rows", "warn", f"{t.title}: no rows found and not declared empty")
            return
        _issue(out, t, "header_mismatch", "error", f"{t.title}: no 栏次 row; summary layout not recognised")


def _lanci_numbers_only(row: list[str]) -> bool:
    """'栏次 | 1 | 2 | 3 | 4': the column-number row of the layout _pair_table reads (label, amount,
    label, amounts); a 栏次 row of another layout ('栏次 | | 1 | 栏次 | | 2', with 行次 columns) is not."""
    rest = [key(c) for c in row[1:] if c]
    return bool(rest) and rest == [str(n) for n in range(1, len(rest) + 1)] and bool(row[1])


# published spellings of the summary tables' total rows -> the canonical item names the checks use
_PAIR_TOTALS = {"当年收入小计": "本年收入合计", "本年收入小计": "本年收入合计", "本年收入合计": "本年收入合计",
                "当年支出小计": "本年支出合计", "本年支出小计": "本年支出合计", "本年支出合计": "本年支出合计",
                "收入合计": "收入总计", "收入总计": "收入总计", "支出合计": "支出总计", "支出总计": "支出总计"}


def _pair_table_headed(out: Parsed, t: Table) -> bool:
    """收支总表 / 财政拨款收支总表 without a 栏次 row (Jiangsu 公开表): a
    multi-row header 收入 (项目名称 | 金额) | 支出 (功能分类: 功能科目名称 |
    金额 | 支出用途: 项目名称 | 金额 …).  Each (label column, amount
    column) pair is a list; its side is the top header over it.  The first
    list of a side has the side's measure, a further list is named after its
    group ("预算数(支出用途)"), so each list sums to the side's totals on
    its own.  Items: '一、…' opens a group, '1.…' under it gets it as parent."""
    cells, srcs, width = _padded(t.rows)
    cells, srcs = merge_page_split_rows(cells, srcs)
    body = next((i for i, r in enumerate(cells) if any(_is_num(c) for c in r)), None)
    if body is None or body == 0:
        return False
    paths = column_paths(cells[:body], width)
    right_measures = [m.name for m in t.ttype.measures] or ["预算数"]
    left_measure = "金额" if t.ttype.measures else "预算数"
    lists = []  # (label col, amount col, side, measure)
    j = 0
    while j < width:
        p = paths[j]
        side = "收入" if p and p[0] == "收入" else "支出" if p and p[0] == "支出" else None
        if side and p[-1] != "金额" and j + 1 < width and paths[j + 1] and paths[j + 1][-1] == "金额":
            lists.append((j, j + 1, side, p[1] if len(p) > 2 else None))
            j += 2
            continue
        j += 1
    if not lists or not any(s == "收入" for _, _, s, _ in lists) or not any(s == "支出" for _, _, s, _ in lists):
        return False
    named = []
    seen: dict[str, int] = {}
    for lc, ac, side, group in lists:
        n = seen.get(side, 0)
        seen[side] = n + 1
        base = left_measure if side == "收入" else right_measures[0]
        named.append((lc, ac, side, base if n == 0 else f"{base}({group or n + 1})"))
    unit = unit_of(t)
    labels = {key(strip_item_prefix(c)) for r in cells[body:] for c in r if c}
    if not labels & {"当年收入小计", "本年收入小计", "本年收入合计"}:
        # no separate current-year subtotal rows (财政拨款收支预算总表): 收入合计 / 支出合计 are
        # the current-year totals the items add up to
        totals = dict(_PAIR_TOTALS, 收入合计="本年收入合计", 支出合计="本年支出合计")
    else:
        totals = _PAIR_TOTALS
    groups: dict[int, str | None] = {}  # label column -> the open '一、…' item
    for i in range(body, len(cells)):
        row = cells[i]
        real = sum(1 for j, sc in enumerate(srcs[i]) if sc.col is None or sc.col == j)
        if real < width:
            # a continuation page where the grid lost columns ('收入合计 | 13,649.07 | 支出合计 | 13,649.07'):
            # label/amount pairs in order, the first for 收入, the next for 支出
            pairs = [(j, j + 1) for j in range(real - 1) if row[j] and not _is_num(row[j])
                     and (not row[j + 1] or _is_num(row[j + 1]))]
            for (lc, ac), side in zip(pairs, ("收入", "支出")):
                item = strip_item_prefix(row[lc])
                canon = totals.get(key(item))
                a = _amount(out, t, row[ac], srcs[i][ac])
                if a is None:
                    continue
                for _, _, _, m in [x for x in named if x[2] == side][: (None if canon else 1)]:
                    out.budget.append(_pair_rec(t, side, canon or item, None, m, a, row[ac], unit, i, ac,
                                                srcs[i][ac]))
            continue
        for side in ("收入", "支出"):
            side_lists = [x for x in named if x[2] == side]
            side_cols = [c for x in side_lists for c in (x[0], x[1])]
            for lc, ac, _, measure in side_lists:
                label = row[lc]
                if not label:
                    continue
                item = strip_item_prefix(label)
                canon = totals.get(key(item))
                if canon:
                    # a total row: its figure may sit under a later list of the side (merged label cells)
                    span = [c for c in side_cols if c > lc]
                    src_col = next((c for c in span if _is_num(row[c])), None)
                    if src_col is None:
                        break
                    a = _amount(out, t, row[src_col], srcs[i][src_col])
                    for _, _, _, m in side_lists:
                        out.budget.append(_pair_rec(t, side, canon, None, m, a, row[src_col], unit, i, src_col,
                                                    srcs[i][src_col]))
                    break
                if re.match(r"^\s*[一二三四五六七八九十]+[、.．]", clean(label)):
                    groups[lc], parent = item, None
                elif re.match(r"^\s*\d+[、.．]", clean(label)):
                    parent = groups.get(lc)
                else:
                    groups[lc], parent = None, None
                a = _amount(out, t, row[ac], srcs[i][ac])
                if a is None:
                    continue
                out.budget.append(_pair_rec(t, side, item, parent, measure, a, row[ac], unit, i, ac, srcs[i][ac]))
    return True




_SIDE_LABEL = (("收入", re.compile(r"收入|^收$")), ("支出", re.compile(r"支出|^支$")))
_PREFIX_LEVEL = ((re.compile(r"^\s*[一二三四五六七八九十]+[、.．]"), 1), (re.compile(r"^\s*[（(][一二三四五六七八九十]+[）)]"), 2),
                 (re.compile(r"^\s*\d+[、.．](?!\d)"), 3), (re.compile(r"^\s*[（(]\d+[）)]"), 4))
_FUNDS_WORDS = re.compile(r"财政拨款|拨款|资金")
_ROW_NUMBER_HEADS = {"行次", "行号", "序号", "栏次"}
_CARRY = re.compile(r"结转|结余")
_GLUED_FIGURE = re.compile(r"[\u4e00-\u9fff)）]\s*-?\d[\d,]*\.\d+$")


def _side_of(path: list[str]) -> str | None:
    for label in path:
        hits = [side for side, rx in _SIDE_LABEL if rx.search(label)]
        if len(hits) == 1:
            return hits[0]
    return None


def _is_text(c: str) -> bool:
    try:
        parse_amount(c)
        return False
    except NumberError:
        return bool(c)


def _pair_measure_of(t: Table, path: list[str]) -> str | None:
    """A registry measure for a summary-table amount column from its header path: the registry's
    labels, or the measure named by the leaf with 财政拨款 / 拨款 / 资金 wording folded
    ("一般公共预算" -> "一般公共预算财政拨款")."""
    m = measure_of(t.ttype, path)
    if m is not None or not path:
        return m
    leaf = _FUNDS_WORDS.sub("", path[-1])
    hits = [x.name for x in t.ttype.measures if leaf and _FUNDS_WORDS.sub("", key(x.name)) == leaf]
    return hits[0] if len(hits) == 1 else None


def _pair_table_open(out: Parsed, t: Table) -> bool:
    """收支总表 / 财政拨款收支总表 (and their 决算 forms) as they come, without a 栏次 row: a
    header of one or more rows whose top labels say the side of each column (收入 | 支出, 本年收入 |
    本年支出, 财政拨款收入 | 财政拨款支出); on each side a label column (项目) followed by one or more
    amount columns (预算数; or 合计 | 基本支出 (人员经费 | 公用经费) | 项目支出; or 合计 | 一般公共预算
    | 政府性基金预算 | 国有资本经营预算).  The first amount column of a side has the side's measure,
    each further one the registry measure its header names, else its published header path
    (with a ``pair_header_unmapped`` warning naming it).

    Items: '一、…' opens a group, '(一)…' and '1.…' under it get the nearest group above as parent;
    an item without a number under a numbered '一、' group is its child (the 款 and 项 under a 类),
    or under an unnumbered carry-over item ('年初结转和结余') the child of that item; otherwise it
    stands at the top and '1.…' items under it are its children.  A total row
    (本年收入合计, 收入总计, …) closes the groups.  Returns False (nothing recorded) when the
    layout is not this one."""
    cells, srcs, width = _padded(t.rows)
    cells, srcs = merge_page_split_rows(cells, srcs)
    if not cells or width < 4:
        return False
    body = next((i for i, r in enumerate(cells) if "栏次" not in map(key, r)
                 and any(_is_num(c) for c in r) and any(_is_text(c) for c in r)), None)
    if body is None or body == 0:
        return False
    header = [r for r in cells[:body] if "栏次" not in map(key, r)]
    paths = column_paths(header, width)
    sides: list[str | None] = []
    for j in range(width):
        sides.append(_side_of(paths[j]) or (sides[-1] if sides else None))
    if None in sides or "收入" not in sides or "支出" not in sides:
        return False
    if sides.index("支出") < len(sides) - 1 - sides[::-1].index("收入"):
        return False  # the 收入 columns do not all stand left of the 支出 columns
    rows = [r for r in range(body, len(cells)) if "栏次" not in map(key, cells[r])]
    lists: dict[str, list[tuple[int, list[int]]]] = {"收入": [], "支出": []}
    for j in range(width):
        if paths[j] and paths[j][-1] in _ROW_NUMBER_HEADS:
            continue  # 行次: the row numbers of the national 决算 template
        vals = [cells[i][j] for i in rows if cells[i][j]]
        n_text = sum(1 for c in vals if _is_text(c))
        n_num = sum(1 for c in vals if _is_num(c))
        is_label = n_text > 0 and n_text >= n_num
        if is_label:
            lists[sides[j]].append((j, []))
        elif lists[sides[j]]:
            lists[sides[j]][-1][1].append(j)
        elif vals or paths[j]:
            return False  # an amount column with no label column before it on its side
    if not all(lists[s] and all(amts for _, amts in lists[s]) for s in lists):
        return False
    # a grid that lost cells is not half read: a figure in an item column, an item label with its
    # figure glued on ('八、社会保障和就业支出1,374.63'), or a side without a single figure
    for side, side_lists in lists.items():
        for lc, amts in side_lists:
            bad = next((cells[i][lc] for i in rows if _is_num(cells[i][lc]) or _GLUED_FIGURE.search(cells[i][lc])),
                       None)
            if bad is not None:
                _issue(out, t, "header_mismatch", "error",
                       f"{t.title}: the {side} item column {lc} holds a figure ({bad!r}): the grid lost cells; "
                       f"table not normalised")
                return True
        if not any(_is_num(cells[i][ac]) for i in rows for _, amts in side_lists for ac in amts):
            _issue(out, t, "header_mismatch", "error",
                   f"{t.title}: no figure under the {side} amount columns; table not normalised")
            return True
    right_measures = [m.name for m in t.ttype.measures] or [t.ttype.pair_measure or "预算数"]
    left_measure = "金额" if t.ttype.measures else (t.ttype.pair_measure or "预算数")
    # the measure of each amount column
    named: dict[str, list[tuple[int, list[tuple[int, str]]]]] = {"收入": [], "支出": []}
    for side, side_lists in lists.items():
        base = left_measure if side == "收入" else right_measures[0]
        for n, (lc, amts) in enumerate(side_lists):
            first = paths[amts[0]]
            cols = []
            for k, ac in enumerate(amts):
                p = paths[ac]
                m = _pair_measure_of(t, p) if t.ttype.measures and side == "支出" else None
                if k == 0 and (m is None or m == right_measures[0]):
                    m = base  # the side's first amount column: its totals column
                elif m is None:
                    common = 0
                    while common < min(len(p), len(first)) and p[common] == first[common]:
                        common += 1
                    rest = [x for x in p[common:] if not x.isdigit()]
                    m = "/".join(rest) or f"{base}[{k + 1}]"
                    _issue(out, t, "pair_header_unmapped", "warn",
                           f"{t.title}: {side} amount column {ac} header {'/'.join(p) or '(blank)'!r} maps to no "
                           f"measure; kept as published ({m!r})")
                if n > 0:
                    group = next((x for x in paths[lc] if _side_of([x]) is None and x not in ("项目", "项目名称")), None)
                    m = f"{m}({group or n + 1})"
                cols.append((ac, m))
            named[side].append((lc, cols))
    for side in named:
        ms = [m for _, cols in named[side] for _, m in cols]
        if len(set(ms)) != len(ms):
            _issue(out, t, "header_mismatch", "error",
                   f"{t.title}: two {side} amount columns map to one measure: {ms}; table not normalised")
            return True
    unit = unit_of(t)
    labels = {key(strip_item_prefix(c)) for i in rows for c in cells[i] if c}
    # '一、本年收入' over '(一)一般公共预算拨款 …' is the current-year subtotal of its side
    totals = dict(_PAIR_TOTALS, 本年收入="本年收入合计", 本年支出="本年支出合计")
    if not labels & {"当年收入小计", "本年收入小计", "本年收入合计", "本年收入"}:
        totals.update(收入合计="本年收入合计", 支出合计="本年支出合计")
    stacks: dict[int, list[tuple[int, str, bool]]] = {}
    for i in rows:
        row = cells[i]
        if not any(row):
            continue
        real = sum(1 for j, sc in enumerate(srcs[i]) if sc.col is None or sc.col == j)
        if real < width:
            # a continuation page whose grid lost columns: label/amount pairs in order, 收入 then 支出
            pairs = [(j, j + 1) for j in range(real - 1) if _is_text(row[j]) and (not row[j + 1] or _is_num(row[j + 1]))]
            for (lc, ac), side in zip(pairs, ("收入", "支出")):
                item = strip_item_prefix(row[lc])
                canon = totals.get(key(item))
                a = _amount(out, t, row[ac], srcs[i][ac])
                if a is None:
                    continue
                if not canon:
                    _issue(out, t, "unrecognised_row", "warn",
                           f"{t.title}: row {i} on a page whose grid lost columns; only totals are read: {row}",
                           srcs[i][0])
                    continue
                m = named[side][0][1][0][1]
                out.budget.append(_pair_rec(t, side, canon, None, m, a, row[ac], unit, i, ac, srcs[i][ac]))
            continue
        for side in ("收入", "支出"):
            for lc, cols in named[side]:
                label = row[lc]
                figures = [(ac, m) for ac, m in cols if row[ac]]
                if not label:
                    if any(_is_num(row[ac]) for ac, _ in cols):
                        _issue(out, t, "unrecognised_row", "warn",
                               f"{t.title}: row {i} has {side} figures without an item label: {row}", srcs[i][0])
                    continue
                if _is_num(label):
                    _issue(out, t, "unrecognised_row", "warn",
                           f"{t.title}: row {i} has a figure where the {side} item label stands: {row}", srcs[i][0])
                    continue
                item = strip_item_prefix(label)
                canon = totals.get(key(item)) or (f"{side}总计" if key(item) == "总计" else None)
                stack = stacks.setdefault(lc, [])
                parent = None
                if canon:
                    stack.clear()
                    item = canon
                else:
                    level = next((lv for rx, lv in _PREFIX_LEVEL if rx.match(clean(label))), None)
                    if level is None:
                        grp = next((x for x in reversed(stack) if x[2] and x[0] <= 2), None)
                        carry = next((x for x in stack if not x[2] and _CARRY.search(x[1])), None)
                        if grp is not None:
                            parent = grp[1]
                        elif carry is not None and not _CARRY.search(item):
                            parent = carry[1]  # '年初结转和结余' over '一般公共预算财政拨款', '政府性基金…'
                        else:
                            stack[:] = [(1, item, False)]
                    else:
                        while stack and stack[-1][0] >= level:
                            stack.pop()
                        parent = stack[-1][1] if stack else None
                        stack.append((level, item, True))
                for ac, m in figures:
                    a = _amount(out, t, row[ac], srcs[i][ac])
                    if a is None:
                        continue
                    out.budget.append(_pair_rec(t, side, item, parent, m, a, row[ac], unit, i, ac, srcs[i][ac]))
    return True


def _pair_rec(t, side, item, parent, measure, a, text, unit, i, col, src):
    return {"table_seq": t.seq, "table_type": t.type, "classification": "summary", "subject_code": None,
            "subject_name": item, "subject_level": "item", "side": side, "parent_item": parent,
            "measure": measure, "amount": a, "amount_text": text, "decimals": decimals(a), "unit": unit,
            "row_idx": i, "col_idx": col, **_prov(src)}


# ---------------------------------------------------------------- label/value tables
def _label_values(out: Parsed, t: Table, row: list[str], srcs: list[Src]):
    """(label, amount, text, col, src) for each label cell followed by an amount."""
    res = []
    for j, c in enumerate(row):
        if not c:
            continue
        try:
            if parse_amount(c) is not None:
                continue
        except NumberError:
            pass
        # the next non-empty cell
        nxt = next((k for k in range(j + 1, len(row)) if row[k]), None)
        val = None
        if nxt is not None:
            try:
                val = parse_amount(row[nxt])
            except NumberError:
                val = None
        if val is not None:
            res.append((key(c), val, row[nxt], nxt, srcs[nxt]))
        else:
            res.append((key(c), None, "", j, srcs[j]))
    return res


_UNIT_BLOCK = {
    "人员经费": "人员经费", "公用经费": "公用经费", "合计": "基本支出", "项目支出": "项目支出",
    "当年财政拨款": "当年财政拨款", "上年结转资金": "上年结转", "其他资金": "其他资金",
    "收入预算合计": "收入预算合计", "支出预算合计": "支出预算合计",
}


# a row of the funding block that starts with its own label (东营: "其中:财政拨款 | 1,384.87", "上年结转 | 750.00")
_FUNDING_ROW = re.compile(r"^(其中[:：]?)?(当年)?(财政拨款|上年结转|其他资金|财政资金|专项资金)")
_FUNDING_MEASURE = {"total": "年度资金总额", "appropriation": "当年财政拨款", "carryover": "上年结转",
                    "other": "其他资金"}


def _unit_name(rows: list[list[str]]) -> str | None:
    for row in rows:
        if row and key(row[0]).startswith("部门(单位)名称"):
            return next((c for c in row[1:] if c), None)
    return None


def _perf_table(out: Parsed, t: Table, project_title: str | None, scope: str):
    cells, srcs, width = _padded(t.rows)
    unit_name = _unit_name(cells)
    project = project_title
    dept = None
    impl = None
    funding: dict[str, tuple] = {}
    in_budget = False
    header = None
    goal_parts: list[str] = []
    for i, row in enumerate(cells):
        k0 = key(row[0]) if row else ""
        nonempty = [c for c in row if c]
        if header is None and ("一级指标" in row and "三级指标" in row):
            header = (i, row)
            in_budget = False
            break
        if k0.startswith("项目名称"):
            project = next((c for c in row[1:] if c and not key(c).startswith("项目负责人")), project)
            continue
        if k0.startswith("主管部门"):
            vals = [c for c in row[1:] if c]
            for j, c in enumerate(vals):
                if key(c) == "实施单位":
                    impl = vals[j + 1] if j + 1 < len(vals) else None
                elif dept is None:
                    dept = c
            continue
        if k0.startswith("项目资金") or k0.startswith("资金情况") or (funding and not in_budget and (
                (not k0 and any(_FUNDING_ROW.match(key(c)) or "资金" in key(c) or "拨款" in key(c) for c in row))
                or _FUNDING_ROW.match(k0))):
            for lbl, val, text, col, src in _label_values(out, t, row, srcs[i]):
                slot = ("total" if "资金总额" in lbl else "appropriation" if "拨款" in lbl else
                        "carryover" if "结转" in lbl else "other" if "其他" in lbl else None)
                if slot:
                    funding[slot] = (val, text, src)
                    if val is not None:  # the project's funding is a published amount too (budget_lines)
                        out.budget.append({
                            "table_seq": t.seq, "table_type": t.type, "classification": "project_funding",
                            "subject_code": None, "subject_name": None, "subject_level": "project", "side": None,
                            "parent_item": None, "measure": _FUNDING_MEASURE[slot], "amount": val,
                            "amount_text": text, "decimals": decimals(val), "unit": "万元", "row_idx": i,
                            "col_idx": col, "_project_slot": True, **_prov(src)})
            continue
        if k0.startswith("预算情况"):
            in_budget = True
            continue
        if in_budget:
            for lbl, val, text, col, src in _label_values(out, t, row, srcs[i]):
                m = _UNIT_BLOCK.get(lbl)
                if m and val is not None:
                    out.budget.append({
                        "table_seq": t.seq, "table_type": t.type, "classification": "unit_block",
                        "subject_code": None, "subject_name": unit_name, "subject_level": "unit", "side": None,
                        "parent_item": None, "measure": m, "amount": val, "amount_text": text,
                        "decimals": decimals(val), "unit": "万元", "row_idx": i, "col_idx": col, **_prov(src)})
            continue
        if k0 in ("绩效目标", "总体目标") or (len(nonempty) == 1 and not header):
            goal_parts.extend(c for c in row[1:] if c and c != "年度绩效目标")
            continue
        if any(c in LEVEL1 for c in row[:2]):
            header = (i - 1, None)  # headerless indicator block starts here
            break
    start = header[0] + 1 if header else len(cells)
    hdr = header[1] if header else None
    if scope == "project" and project is None:
        project = unit_name
    for r in out.budget:  # the project's name is known only once its header rows are read
        if r.pop("_project_slot", False):
            r["subject_name"] = project if scope == "project" else unit_name
    if scope == "project":
        rec = {"table_seq": t.seq, "project": project, "department": dept, "implementing_unit": impl}
        for slot in ("total", "appropriation", "carryover", "other"):
            val, text, src = funding.get(slot, (None, "", None))
            rec[f"{slot}_wan"] = val
            rec[f"{slot}_text"] = text
        first = next((s for s in (funding.get(x, (None, None, None))[2] for x in ("total",)) if s), t.title_src)
        rec.update(_prov(first))
        rec["has_funding_block"] = bool(funding)
        out.projects.append(rec)
    _indicators(out, t, cells[start:], srcs[start:], start, hdr, project if scope == "project" else unit_name, scope)


def _merge_fragments(rows: list[list[str]], srcs: list[list[Src]], width: int):
    """Rows split over a page break in the export come as two or three short
    rows; join them while the joined row still fits the header width."""
    out_rows, out_srcs = [], []
    i = 0
    while i < len(rows):
        r, s = _rstrip(rows[i]), list(srcs[i][: len(_rstrip(rows[i]))])
        j = i + 1
        while len(r) < width and j < len(rows):
            nxt = _rstrip(rows[j])
            if not nxt or not nxt[0] or nxt[0] in LEVEL1 or key(nxt[0]).endswith("指标") or len(r) + len(nxt) > width:
                break
            r = r + nxt
            s = s + list(srcs[j][: len(nxt)])
            j += 1
        out_rows.append(r)
        out_srcs.append(s)
        i = j
    return out_rows, out_srcs


def _level2_parents() -> dict[str, str]:
    from .registry import vocab_rows

    return {key(r["level2"]): r["level1"].strip() for r in vocab_rows("indicator_levels.csv")}


LEVEL2_PARENT = _level2_parents()


def _level1_of(c: str) -> str | None:
    """A 一级指标 name, or the piece of one that a vertically printed merged cell leaves in a row ("出指" of
    产出指标, 福州) when the piece belongs to exactly one 一级指标."""
    if c in LEVEL1:
        return c
    hits = [x for x in LEVEL1 if x.endswith("指标") and len(c) >= 2 and c in x and c != "指标"]
    return hits[0] if len(hits) == 1 else None


def _indicators(out: Parsed, t: Table, rows, srcs, offset, hdr, project, scope):
    pos = {}
    if hdr:
        for j, c in enumerate(hdr):
            kc = key(c)
            for name in ("一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值确定依据", "指标值"):
                if kc == name and name not in pos:
                    pos[name] = j
    width = (max(pos.values()) + 1) if pos else 5
    has_desc = "绩效指标描述" in pos
    rows, srcs = _merge_fragments(rows, srcs, width)
    l1 = l2 = None
    for n, (row, src) in enumerate(zip(rows, srcs)):
        if not any(row):
            continue
        row = row + [""] * (width - len(row))
        note = None
        ok = shifted = False
        if pos and not all(x in pos for x in ("一级指标", "二级指标", "三级指标", "指标值")):
            # a header with indicator columns but not all four: the row's cells cannot be placed
            missing = [x for x in ("一级指标", "二级指标", "三级指标", "指标值") if x not in pos]
            _issue(out, t, "indicator_row_unparsed", "warn",
                   f"{t.title}: indicator header lacks {missing} (header {[c for c in hdr if c]}); row not read: "
                   f"{_rstrip(row)}", src[0] if src else None)
            continue
        if pos:
            c1, c2, c3, cv = (row[pos[x]] for x in ("一级指标", "二级指标", "三级指标", "指标值"))
            # cells start left of the 一级指标 column (a row label repeated from the header, "绩效目标指标" in every
            # row under a header that starts with it, is no shift)
            shifted = pos["一级指标"] > 0 and bool(row[0]) and key(row[0]) != key(hdr[0])
            ok = bool(c3 and cv) and (not c1 or c1 in LEVEL1) and not shifted and not any(row[len(hdr):])
        if not ok and pos and not shifted and c1 in LEVEL1 | {""} and c3 and not cv:
            # the indicator is published without a target value
            if c1:
                l1 = c1
            if c2:
                l2 = c2
            _issue(out, t, "indicator_blank", "warn", f"{project}: indicator {c3!r} has no target value",
                   src[0] if src else None)
            tg = parse_target("")
            out.targets.append({
                "table_seq": t.seq, "scope": scope, "project": project, "level1": l1, "level2": l2, "level3": c3,
                "description": row[pos["绩效指标描述"]] if has_desc else None, "target_text": "",
                "comparator": None, "target_value": None, "target_unit": None, "target_parsed": True,
                "basis": row[pos["指标值确定依据"]] if "指标值确定依据" in pos else None, "row_idx": offset + n,
                "parse_note": "blank_value", **_prov(src[0] if src else Src())})
            continue
        if ok:
            desc = row[pos["绩效指标描述"]] if has_desc else None
            basis = row[pos["指标值确定依据"]] if "指标值确定依据" in pos else None
            vcol = pos["指标值"]
            if c1:
                l1 = c1
            if c2:
                l2 = c2
                if not c1 and LEVEL2_PARENT.get(key(c2), l1) != l1:  # a merged 一级 cell printed once
                    l1 = LEVEL2_PARENT[key(c2)]
            l3, value = c3, cv
        else:
            cells = _rstrip(row)
            if has_desc:
                _issue(out, t, "indicator_row_unparsed", "warn",
                       f"{t.title}: indicator row does not fit the header: {cells}", src[0] if src else None)
                continue
            lone = [c for c in cells if c]
            if len(lone) < 2 and (not lone or lone[0] in LEVEL1 or len(cells) < 2):
                if lone and lone[0] in LEVEL1:
                    l1 = lone[0]
                _issue(out, t, "indicator_blank", "warn",
                       f"{project}: indicator row without indicator and value: {row}", src[0] if src else None)
                continue
            value, l3 = cells[-1], cells[-2]
            vcol = len(cells) - 1
            lead = [c for c in cells[:-2] if c]
            own_l1 = False
            for c in lead:
                if _level1_of(c):
                    l1 = _level1_of(c)
                    own_l1 = True
                else:
                    l2 = c
                    if not own_l1 and LEVEL2_PARENT.get(key(c), l1) != l1:  # a merged 一级 cell printed once
                        l1 = LEVEL2_PARENT[key(c)]
            desc = basis = None
            note = "realigned"
            if not l3 or l3 in LEVEL1:
                # e.g. "→服务对象满意度→干部职工满意度→→": indicator without value
                l3, value = value, ""
                note = "blank_value"
            _issue(out, t, "indicator_realigned" if note == "realigned" else "indicator_blank", "warn",
                   f"{project}: row cells do not sit under the header; read right-aligned as "
                   f"{l1}/{l2}/{l3} = {value!r}" if note == "realigned" else
                   f"{project}: indicator {l3!r} has no target value", src[0] if src else None)
        tg = parse_target(value)
        s = src[min(vcol, len(src) - 1)] if src else Src()
        out.targets.append({
            "table_seq": t.seq, "scope": scope, "project": project, "level1": l1, "level2": l2, "level3": l3,
            "description": desc, "target_text": tg.text, "comparator": tg.comparator, "target_value": tg.value,
            "target_unit": tg.unit, "target_parsed": tg.parsed, "basis": basis, "row_idx": offset + n,
            "parse_note": note, **_prov(s)})


# ---------------------------------------------------------------- simple item tables
def _fixed_assets(out: Parsed, t: Table):
    cells, srcs, width = _padded(t.rows)
    for i, row in enumerate(cells):
        if i == 0 or not row[0]:
            continue
        for j, measure in ((1, "数量"), (2, "价值")):
            if j < width:
                a = _amount(out, t, row[j], srcs[i][j])
                if a is not None or (j == 2 and key(row[0]) == "资产总额"):
                    out.budget.append({
                        "table_seq": t.seq, "table_type": t.type, "classification": "asset",
                        "subject_code": None, "subject_name": clean(row[0]), "subject_level": "item", "side": None,
                        "parent_item": None, "measure": measure, "amount": a, "amount_text": row[j],
                        "decimals": decimals(a), "unit": "万元" if measure == "价值" else None, "row_idx": i,
                        "col_idx": j, **_prov(srcs[i][j])})


def normalize(seg: Segmented) -> Parsed:
    out = Parsed()
    for t in seg.tables:
        cells, srcs, width = _padded(t.rows)
        for i, row in enumerate(cells):
            for j, c in enumerate(row):
                if c:
                    s = srcs[i][j]
                    out.cells.append({"table_seq": t.seq, "row_idx": i, "col_idx": j, "text": c,
                                      "src_table": s.table, "src_row": s.row, "src_col": s.col, **_prov(s)})
        status = "parsed"
        if t.ttype is None:
            status = "unclassified"
            _issue(out, t, "table_unclassified", "warn", f"table titled {t.title!r} is not in the registry")
        elif t.printed_empty:
            # header words and a blank 合计 line, not a digit: empty without saying so (nothing to read)
            status = "printed_empty"
            _issue(out, t, "printed_empty", "warn", f"{t.title}: printed with its header and no figures, "
                   "without an empty-table declaration (read as empty)")
        elif t.kind == "subject" or t.kind == "three_public":
            if t.kind == "three_public" and t.declared_empty:
                pass
            else:
                _subject_table(out, t)
        elif t.kind == "pair_summary":
            _pair_table(out, t)
        elif t.kind == "perf_project":
            title = clean(t.title)
            proj = None
            if not re.fullmatch(r"项目支出绩效目标表", key(title)):
                proj = re.sub(r"^\d+[、.．]\s*", "", title)
                proj = re.sub(r"(项目支出)?绩效目标表$", "", proj)
            _perf_table(out, t, proj, "project")
        elif t.kind == "perf_unit":
            _perf_table(out, t, None, "unit")
        elif t.kind == "fixed_assets":
            _fixed_assets(out, t)
        if t.declared_empty:
            status = "declared_empty"
        if any(i["table_seq"] == t.seq and i["rule"] in ("header_mismatch", "ambiguous_code") for i in out.issues):
            status = "unparsed"
        out.tables.append({
            "table_seq": t.seq, "table_type": t.type, "kind": t.kind, "title": clean(t.title),
            "first_page": t.pages[0] if t.pages else None, "pages": ",".join(map(str, t.pages)) or None,
            "line": t.title_src.line, "n_rows": len(t.rows), "declared_empty": t.declared_empty,
            "unit": unit_of(t), "status": status})
    _document_unit(out, seg)
    for r in out.budget:  # facts of fixed-measure tables: the measure is canonical
        r.setdefault("canonical_measure", r["measure"])
        r.setdefault("header_path", None)
    from .narrative import narrative_read, text_lines, toc_entries, toc_lines

    out.narrative, out.claims = narrative_read(seg.narrative)
    toc = toc_lines(seg.narrative)
    out.text_lines = text_lines(seg, toc)
    out.toc = toc_entries(seg.narrative, toc)
    return out
