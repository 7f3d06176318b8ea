"""Known-answer tool: plant discrepancies of every rule type into consistent forged documents.

``cnbudget plant --out DIR`` forges consistent budget documents (known tables, they reconcile), then writes,
for each kind of discrepancy, one copy with exactly that discrepancy planted, plus ``planted.json``: the
list of what was planted where and which rule must find it.  The untouched documents must raise no
finding at all.
"""
from __future__ import annotations

import copy
import json
import random
import re
from decimal import Decimal
from pathlib import Path

from .blocks import Block
from .forge import DEPARTMENTS, budget_blocks, forge_budget, pick_counties

# kind -> (what is done, the rule that must find it)
PLANTS = {
    "changed_cell": ("一个项级科目基本支出 +1.00 in 部门预算支出总表", "row_components"),
    "changed_subtotal": ("a 款 合计 +1.00 in 部门预算一般公共预算财政拨款支出表", "rollup_kuan_xiang"),
    "dropped_row": ("a 项 row dropped from 部门预算收入总表", "rollup_kuan_xiang"),
    "missing_table": ("部门预算一般公共预算财政拨款基本支出表 removed", "completeness_mandatory_table"),
    "wrong_narrative": ("人员经费 in the 情况说明 +10.00", "narrative_vs_table"),
    "swapped_code": ("a 项 code replaced by one whose 款 is absent", "dim_parent_present"),
    "summary_unbalanced": ("支出总计 in 部门预算收支总表 +1.00", "summary_balance"),
    "cross_table": ("一般公共预算财政拨款 of the first 类 in 财政拨款收支总表 +1.00", "cross_fiscal_gpb_lei"),
    # the text rules (issue 14): the narrative's words against its own numbers, the year, the template, the TOC
    "wrong_year": ("截至<last year>年12月31日 in the 情况说明 becomes three years earlier", "text_year"),
    "placeholder_name": ("the 情况说明's heading names the department \"XX局\" (template placeholder)", "text_placeholder"),
    "contradicting_comparison": ("决算数大于年初预算数 becomes 决算数小于年初预算数", "narrative_direction"),
    "wrong_share": ("基本支出 … 占p% +1.00 percentage points", "narrative_share"),
    "wrong_rate": ("完成年初预算的Z% +2.00 percentage points", "narrative_rate"),
    "wrong_change": ("比上年增加D万元，增长p% +1.00 percentage points", "narrative_change"),
    "toc_without_table": ("the table of contents lists 部门预算政府采购预算表, which the document lacks", "toc_table_missing"),
    "unit_slip": ("人员经费X万元 in the 情况说明 written as X元", "narrative_unit"),
    "department_mismatch": ("one table's 编制单位 names another department (某县财政局)", "text_department_name"),
    "code_wrong_name": ("a 项 code in 部门预算支出总表 printed with another subject's name", "dim_name_matches_dictionary"),
}


def _tables(blocks: list[Block]) -> dict[str, tuple[int, int]]:
    """title -> (index of the title block, index after the table's last row)."""
    out = {}
    i = 0
    while i < len(blocks):
        b = blocks[i]
        if b.kind == "text" and b.cells[0].endswith("表"):
            j = i + 1
            while j < len(blocks) and blocks[j].kind == "row":
                j += 1
            out[b.cells[0]] = (i, j)
            i = j
        else:
            i += 1
    return out


def _bump(text: str, by: Decimal) -> str:
    v = Decimal(text.replace(",", "") or "0") + by
    return f"{v:.2f}"


def _rows_with_code(blocks, span, length):
    return [k for k in range(*span) if blocks[k].kind == "row" and len(blocks[k].cells) > 1
            and re.fullmatch(r"\d{%d}" % length, blocks[k].cells[1])]


def plant(blocks: list[Block], kind: str, rng: random.Random) -> tuple[list[Block], str]:
    b = copy.deepcopy(blocks)
    t = _tables(b)
    if kind == "changed_cell":
        k = rng.choice([k for k in _rows_with_code(b, t["部门预算支出总表"], 7) if b[k].cells[4]])
        b[k].cells[4] = _bump(b[k].cells[4], Decimal("1.00"))
        return b, f"部门预算支出总表 {b[k].cells[1]} 基本支出"
    if kind == "changed_subtotal":
        k = rng.choice(_rows_with_code(b, t["部门预算一般公共预算财政拨款支出表"], 5))
        b[k].cells[3] = _bump(b[k].cells[3], Decimal("1.00"))
        return b, f"部门预算一般公共预算财政拨款支出表 {b[k].cells[1]} 合计"
    if kind == "dropped_row":
        span = t["部门预算收入总表"]
        cands = [k for k in _rows_with_code(b, span, 7)
                 if sum(1 for j in _rows_with_code(b, span, 7) if b[j].cells[1][:5] == b[k].cells[1][:5]) > 1]
        k = rng.choice(cands)
        code = b[k].cells[1]
        del b[k]
        return b, f"部门预算收入总表 row {code}"
    if kind == "missing_table":
        i, j = t["部门预算一般公共预算财政拨款基本支出表"]
        del b[i:j]
        return b, "部门预算一般公共预算财政拨款基本支出表"
    if kind == "wrong_narrative":
        for blk in b:
            if blk.kind == "text" and "人员经费" in blk.cells[0] and "万元" in blk.cells[0]:
                blk.cells[0] = re.sub(r"人员经费([\d.]+)万元",
                                      lambda m: f"人员经费{_bump(m.group(1), Decimal('10.00'))}万元", blk.cells[0])
                return b, "情况说明 人员经费"
    if kind == "swapped_code":
        k = rng.choice(_rows_with_code(b, t["部门预算支出总表"], 7))
        old = b[k].cells[1]
        b[k].cells[1] = old[:3] + "98" + old[5:]
        return b, f"部门预算支出总表 {old} -> {b[k].cells[1]}"
    if kind == "summary_unbalanced":
        i, j = t["部门预算收支总表"]
        for k in range(i, j):
            if b[k].kind == "row" and "支出总计" in b[k].cells:
                c = b[k].cells.index("支出总计") + 1
                b[k].cells[c] = _bump(b[k].cells[c], Decimal("1.00"))
                return b, "部门预算收支总表 支出总计"
    if kind == "cross_table":
        i, j = t["部门预算财政拨款收支总表"]
        for k in range(i, j):
            if b[k].kind == "row" and b[k].cells[0] == "1":
                b[k].cells[5] = _bump(b[k].cells[5], Decimal("1.00"))
                return b, f"部门预算财政拨款收支总表 {b[k].cells[3]} 一般公共预算财政拨款"
    text_edits = {
        "wrong_year": (r"截至(\d{4})年12月31日", lambda m: f"截至{int(m.group(1)) - 3}年12月31日"),
        "placeholder_name": (r"^.+?(\d{4}年部门预算信息公开情况说明)$", lambda m: f"XX局{m.group(1)}"),
        "contradicting_comparison": (r"决算数大于年初预算数", lambda m: "决算数小于年初预算数"),
        "wrong_share": (r"(基本支出[\d.]+万元，占)([\d.]+)%", lambda m: f"{m.group(1)}{_bump(m.group(2), Decimal('1.00'))}%"),
        "wrong_rate": (r"(完成年初预算的)([\d.]+)%", lambda m: f"{m.group(1)}{_bump(m.group(2), Decimal('2.00'))}%"),
        "wrong_change": (r"(增长)([\d.]+)%", lambda m: f"{m.group(1)}{_bump(m.group(2), Decimal('1.00'))}%"),
        "unit_slip": (r"人员经费([\d.]+)万元", lambda m: f"人员经费{m.group(1)}元"),
    }
    if kind in text_edits:
        rx, fn = text_edits[kind]
        for blk in b:
            if blk.kind == "text" and re.search(rx, blk.cells[0]):
                blk.cells[0] = re.sub(rx, fn, blk.cells[0], count=1)
                return b, f"情况说明: {blk.cells[0][:40]}"
    if kind == "department_mismatch":
        i, _ = t["部门预算支出总表"]
        k = next(j for j in range(i, len(b)) if b[j].cells[0].startswith("编制单位："))
        b[k] = Block("row", ["编制单位：某县财政局", *b[k].cells[1:]])  # the head row is shared: replace, not edit
        return b, "部门预算支出总表 编制单位"
    if kind == "toc_without_table":
        k = max(i for i, blk in enumerate(b) if blk.kind == "text" and re.match(r"^[一二三四五六七八九十]+、部门预算", blk.cells[0]))
        b.insert(k + 1, Block("text", ["九、部门预算政府采购预算表"]))
        return b, "目录 九、部门预算政府采购预算表"
    if kind == "code_wrong_name":
        k = rng.choice([k for k in _rows_with_code(b, t["部门预算支出总表"], 7) if b[k].cells[2] != "一般行政管理事务"])
        old = b[k].cells[2]
        b[k].cells[2] = "一般行政管理事务"
        return b, f"部门预算支出总表 {b[k].cells[1]} {old} -> 一般行政管理事务"
    raise ValueError(f"cannot plant {kind}")


def plant_corpus(out: Path, seed: int = 11, clean: int = 2) -> list[dict]:
    """Write ``clean`` untouched documents and one planted copy per discrepancy kind (PDF, 'hebei'
    template), and planted.json.  Returns the plan."""
    from .pdfgen import render_blocks

    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    counties = pick_counties(rng, 1 + len(PLANTS) + clean)
    plan = []
    for n, county in enumerate(counties):
        fb = forge_budget(rng, county, DEPARTMENTS[0], 2022, "hebei")
        blocks = budget_blocks(fb, full_narrative=True)
        kind = list(PLANTS)[n] if n < len(PLANTS) else None
        target = None
        if kind:
            blocks, target = plant(blocks, kind, rng)
        name = f"{'planted_' + kind if kind else 'clean_' + str(n)}.pdf"
        render_blocks(blocks, out / name)
        plan.append({"file": name, "county": fb.county, "region_code": fb.region_code, "kind": kind,
                     "what": PLANTS[kind][0] if kind else None, "target": target,
                     "rule": PLANTS[kind][1] if kind else None})
    (out / "planted.json").write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")
    return plan
