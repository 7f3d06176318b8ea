"""The registry of table types: titles and aliases per template family, the
layout kind that tells the normaliser how to read rows, and for subject tables
the amount columns (canonical measure names) with their header spellings.

The measures are data: ``vocab/measures.csv`` (table_type or ``*``, canonical
measure, header spelling, role, first_seen).  Rows whose role is ``fixed`` or
``optional`` declare a table type's measures in column order (``fixed`` ones
form the last-N-columns schema of text exports); ``synonym`` rows add a header
spelling.  ``*`` rows are spellings for every table type that has that measure.
Spellings are compared after :func:`header_key` (栏次 numbers, punctuation,
其中:, width, spacing and 财政拨款 / 拨款 / 预算数 variants folded); a spelling
may be a header path (``基本支出/人员经费``).  Growing the vocabulary is an
edit to that file, never to this module.

The title patterns are vocabulary too: ``vocab/table_titles.csv``
(table_type, regex, first_seen), tried in file order, the first match wins; a
row with table_type ``-`` says a heading that looks like a title is none
(e.g. "第五部分 财政拨款“三公”经费预算情况").

A table whose title matches nothing here is kept as ``unclassified`` and
reported, never dropped.
"""
from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .text import key, strip_item_prefix


@dataclass(frozen=True)
class Measure:
    name: str  # canonical Chinese column name (the contract's `measure`)
    labels: tuple[str, ...]  # header spellings (normalised by header_key) that identify it
    # optional: a column only some templates publish (mapped from the header
    # over it; not part of the fixed last-N-columns schema of text exports)
    optional: bool = False
    # what the column holds (vocab/measures.csv `kind`): money (converted to 万元 into amount_wan), percent, or
    # quantity (a count or an area: its unit is printed in the row label, e.g. 房屋(平方米)); and its unit
    kind: str = "money"
    unit: str = ""


@dataclass(frozen=True)
class TableType:
    type: str
    name_zh: str
    kind: str  # subject | pair_summary | perf_project | perf_unit | procurement | fixed_assets | org_units | three_public
    titles: tuple[str, ...]  # regexes matched against key(title)
    classification: str | None = None  # function | economic
    measures: tuple[Measure, ...] = ()
    mandatory_budget: bool = False
    mandatory_final: bool = False  # part of the 决算 table set a final-accounts document must publish
    pair_measure: str | None = None  # the amount column of a two-list summary without a measures list
    components: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())  # (total, parts) row identities

    def match(self, title_key: str) -> bool:
        return any(re.search(p, title_key) for p in self.titles or TITLE_PATTERNS_BY_TYPE.get(self.type, ()))


VOCAB = Path(__file__).resolve().parents[1] / "vocab"
TITLES: tuple[str, ...] = ()  # a table type's title patterns come from vocab/table_titles.csv


def vocab_rows(name: str) -> list[dict[str, str]]:
    """The rows of a vocabulary file under ``vocab/`` (CSV with a header; lines starting with '#' skipped)."""
    with open(VOCAB / name, encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(line for line in fh if not line.startswith("#"))]


# Order matters: the first match wins, so the more specific titles come first.
# 决算 (final accounts) tables come first: their titles contain the budget tables' words.
FINAL: tuple[TableType, ...] = (
    TableType("final_fiscal_summary", "财政拨款收入支出决算总表", "pair_summary",
              TITLES, mandatory_final=False, pair_measure="决算数"),
    TableType("final_revenue", "收入决算表", "subject", TITLES, classification="function"),
    TableType("final_gpb_basic", "一般公共预算财政拨款基本支出决算表", "subject",
              TITLES, classification="economic", mandatory_final=True,
              components=(("合计", ("人员经费", "公用经费")),)),
    TableType("final_gpb_expenditure", "一般公共预算财政拨款支出决算表", "subject",
              TITLES, classification="function", mandatory_final=True),
    TableType("final_gov_fund", "政府性基金预算财政拨款收入支出决算表", "subject",
              TITLES, classification="function", mandatory_final=True),
    TableType("final_soe", "国有资本经营预算财政拨款支出决算表", "subject",
              TITLES, classification="function"),
    TableType("final_summary", "收入支出决算总表", "pair_summary", TITLES,
              mandatory_final=True, pair_measure="决算数"),
    TableType("final_expenditure", "支出决算表", "subject", TITLES, classification="function",
              mandatory_final=True,
              components=(("合计", ("基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出")),)),
    TableType("final_three_public", "财政拨款“三公”经费支出决算表", "three_public", TITLES,
              mandatory_final=True,
              # the national template prints the items as columns, a 预算数 and a 决算数 row
              components=(("合计", ("“三公”经费", "会议费", "培训费")),
                          ("“三公”经费", ("因公出国(境)费", "公务用车购置及运行维护费", "公务接待费")),
                          ("公务用车购置及运行维护费", ("公务用车购置费", "公务用车运行维护费")))),
    TableType("final_admin_cost", "机关运行经费支出决算表", "subject", TITLES,
              classification="economic"),
)

REGISTRY: tuple[TableType, ...] = FINAL + (
    TableType("fiscal_summary", "财政拨款收支总表", "pair_summary",
              TITLES, mandatory_budget=True),
    TableType("income_expense_summary", "收支总表", "pair_summary",
              TITLES, mandatory_budget=True),
    TableType("revenue", "收入总表", "subject", TITLES,
              classification="function", mandatory_budget=True,
              components=(("合计", ("本年收入", "上年结转")),
                          ("本年收入", ("财政拨款收入", "一般公共预算拨款收入", "政府性基金预算拨款收入",
                                        "国有资本经营预算拨款收入", "财政专户收入", "事业收入", "经营收入",
                                        "上级补助收入", "附属单位上缴收入", "其他收入")))),
    TableType("gpb_basic", "一般公共预算财政拨款基本支出表", "subject",
              TITLES, classification="economic", mandatory_budget=True,
              components=(("合计", ("人员经费", "公用经费")),)),
    TableType("gpb_admin_cost", "一般公共预算机关运行经费支出预算表", "subject",
              TITLES, classification="economic"),
    # Jiangsu 公开表: 财政拨款 (一般公共预算 + 政府性基金) by function / basic expenditure by economic class
    TableType("fiscal_basic", "财政拨款基本支出预算表", "subject",
              TITLES, classification="economic"),
    TableType("gpb_economic", "一般公共预算支出表(按经济分类)", "subject", TITLES, classification="economic",
              components=(("合计", ("基本支出", "项目支出")),)),
    TableType("gpb_expenditure", "一般公共预算财政拨款支出表", "subject",
              TITLES, classification="function", mandatory_budget=True,
              components=(("合计", ("基本支出", "项目支出")), ("基本支出", ("人员经费", "公用经费")))),
    TableType("gov_fund_expenditure", "政府性基金预算财政拨款支出表", "subject",
              TITLES,
              classification="function", mandatory_budget=True,
              components=(("合计", ("基本支出", "项目支出")),)),
    TableType("fiscal_expenditure", "财政拨款支出预算表", "subject",
              TITLES, classification="function",
              components=(("基本支出", ("人员经费", "公用经费")),)),
    TableType("soe_expenditure", "国有资本经营预算财政拨款支出表", "subject",
              TITLES, classification="function", mandatory_budget=False,
              components=(("合计", ("基本支出", "项目支出")),)),
    # all funds (财政拨款 and 单位资金) by economic class / by project: columns by source of funds
    TableType("basic_expenditure", "基本支出总表", "subject", TITLES, classification="economic"),
    TableType("project_expenditure", "项目支出总表", "subject", TITLES, classification="project"),
    TableType("expenditure", "支出总表", "subject", TITLES,
              classification="function", mandatory_budget=True,
              components=(("合计", ("基本支出", "项目支出", "经营支出", "上解上级支出", "对附属单位补助支出",
                                    "单位预留机动经费", "结转下年资金")),)),
    TableType("three_public", "财政拨款“三公”经费支出表", "three_public", TITLES, mandatory_budget=True,
              components=(("合计", ("“三公”经费", "会议费", "培训费")),
                          ("“三公”经费", ("因公出国(境)费", "公务用车购置及运行维护费", "公务接待费")),
                          ("公务用车购置及运行维护费", ("公务用车购置费", "公务用车运行维护费")))),
    TableType("perf_unit", "单位整体支出绩效目标表", "perf_unit", TITLES),
    TableType("perf_project", "项目支出绩效目标表", "perf_project", TITLES),
    TableType("procurement", "政府采购预算表", "procurement",
              TITLES),
    TableType("fixed_assets", "固定资产占用情况表", "fixed_assets", TITLES),
    TableType("org_units", "部门机构设置情况", "org_units", TITLES),
)


VOCAB_DIR = Path(os.environ.get("CNBUDGET_VOCAB_DIR", Path(__file__).resolve().parent.parent / "vocab"))
MEASURES_CSV = VOCAB_DIR / "measures.csv"

_HK_PUNCT = re.compile(r"[\s、,，.。:：;；\"'“”‘’()（）\[\]【】《》<>〈〉·_—–\-~～*＊#%％]")
_HK_UNIT = re.compile(r"[(（](万元|元|亿元|千元)[)）]$")
_HK_WHICH = re.compile(r"^(其中|含)[:：]?")


def header_key(label: str) -> str:
    """The matching key of one header label: '其中：人员经费' -> '人员经费',
    '一般公共预算财政拨款' -> '一般公共预算拨款', '基本支出预算数' -> '基本支出',
    '因公出国（境）费' -> '因公出国境费', '完成预算%' -> '完成预算'."""
    k = key(label)
    k = _HK_UNIT.sub("", k)
    k = strip_item_prefix(k)
    k = _HK_WHICH.sub("", k)
    k = _HK_PUNCT.sub("", k)
    k = k.replace("财政拨款", "拨款")
    if k.endswith("预算数") and len(k) > 3:
        k = k[:-3]
    return k


def path_key(labels) -> str:
    """The matching key of a header path ('本年收入/小计'), each label by :func:`header_key`."""
    return "/".join(x for x in (header_key(p) for p in labels) if x)


MEASURE_KINDS = ("money", "percent", "quantity")


def load_measures(path: Path = MEASURES_CSV) -> tuple[dict[str, tuple[Measure, ...]], dict[str, str]]:
    """-> ({table_type: measures in column order}, {spelling key: measure} for '*' rows).
    A spelling that names two measures of one table type is an error in the vocabulary."""
    decl: dict[str, list[tuple[str, bool, str, str]]] = {}
    spell: dict[str, dict[str, list[str]]] = {}
    generic: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for n, r in enumerate(csv.DictReader(f), start=2):
            tt, name, sp, role = (r["table_type"].strip(), r["measure"].strip(), r["spelling"].strip(),
                                  r["role"].strip())
            if role not in ("fixed", "optional", "synonym") or not name or not sp:
                raise ValueError(f"{path}:{n}: bad vocabulary row {r}")
            kind, unit = (r.get("kind") or "").strip(), (r.get("unit") or "").strip()
            if role == "synonym" and (kind or unit):
                raise ValueError(f"{path}:{n}: kind and unit belong on the row declaring the measure: {r}")
            if role != "synonym" and kind not in MEASURE_KINDS:
                raise ValueError(f"{path}:{n}: kind must be one of {MEASURE_KINDS}: {r}")
            k = path_key(sp.split("/"))
            if tt == "*":
                if role != "synonym" or generic.get(k, name) != name:
                    raise ValueError(f"{path}:{n}: '*' rows are synonyms, one measure per spelling: {r}")
                generic[k] = name
                continue
            if role != "synonym":
                decl.setdefault(tt, []).append((name, role == "optional", kind, unit))
            s = spell.setdefault(tt, {})
            s.setdefault(name, [])
            for other, labels in s.items():
                if other != name and k in labels:
                    raise ValueError(f"{path}:{n}: spelling {sp!r} names both {other} and {name} in {tt}")
            s[name].append(k)
    out = {}
    for tt, ms in decl.items():
        out[tt] = tuple(Measure(name, tuple(dict.fromkeys([path_key([name])] + spell[tt][name])), opt, kind, unit)
                        for name, opt, kind, unit in ms)
        undeclared = set(spell[tt]) - {m[0] for m in ms}
        if undeclared:
            raise ValueError(f"{path}: synonyms for measures {sorted(undeclared)} not declared for {tt}")
    return out, generic


_MEASURES, GENERIC_MEASURES = load_measures()
_unknown_types = set(_MEASURES) - {t.type for t in REGISTRY}
if _unknown_types:
    raise ValueError(f"{MEASURES_CSV}: unknown table types {sorted(_unknown_types)}")
REGISTRY = tuple(replace(t, measures=_MEASURES.get(t.type, ())) for t in REGISTRY)
BY_TYPE = {t.type: t for t in REGISTRY}

def _title_patterns() -> list[tuple[str, re.Pattern]]:
    out = []
    for r in vocab_rows("table_titles.csv"):
        tt = r["table_type"].strip()
        if tt != "-" and tt not in BY_TYPE:
            raise ValueError(f"vocab/table_titles.csv: unknown table_type {tt!r} (regex {r['regex']!r})")
        out.append((tt, re.compile(r["regex"])))
    return out


# (table type or '-', compiled title regex) in file order: the first match wins
TITLE_PATTERNS: list[tuple[str, re.Pattern]] = _title_patterns()
TITLE_PATTERNS_BY_TYPE: dict[str, tuple[re.Pattern, ...]] = {
    t: tuple(rx for tt, rx in TITLE_PATTERNS if tt == t) for t in BY_TYPE}

# A title line is short and ends like a table title; narrative sentences that
# merely mention a table ("具体内容见下表。") must not open one.  A trailing
# qualifier in brackets ("(功能科目)", "(经济科目)", "(一般公共预算)") is part
# of the title.
_TITLE_TAIL = re.compile(r"(表|表格|情况|政府采购预算)$")
_TITLE_QUALIFIER = re.compile(r"[(（][^()（）]{1,12}[)）]$")
# table-number labels that sit next to a title: "公开表一", "表十二", "公开01表", "附表3", "单位预算08表"
TABLE_NUMBER = re.compile(r"^(公开|附|(单位|部门)?预算)?表[一二三四五六七八九十\d]{1,3}$|^(公开|(单位|部门)?预算)\d{1,2}表$")


def _title_key(text: str) -> tuple[str, str] | None:
    """(key with its bracketed qualifier, key without it) of a line shaped like a table title, else None."""
    k = qualified = key(text)
    if k and not TABLE_NUMBER.match(k):
        k = _TITLE_QUALIFIER.sub("", k)
    if not k or len(k) > 120 or not _TITLE_TAIL.search(k) or "。" in k:
        return None
    return qualified, k


def looks_like_title(text: str) -> bool:
    """A line shaped like a table title (known to the vocabulary or not)."""
    return _title_key(text) is not None


def classify_title(text: str) -> TableType | None:
    tk = _title_key(text)
    if tk is None:
        return None
    qualified, k = tk
    # a qualifier in brackets may tell two tables apart ("一般公共预算支出表(按经济分类)"): each
    # pattern is tried on the title with it and without it
    for tt, rx in TITLE_PATTERNS:
        if rx.search(qualified) or rx.search(k):
            return BY_TYPE.get(tt)  # None for a '-' row: a heading, not a table title
    return None


MANDATORY_BUDGET_TABLES = tuple(t.type for t in REGISTRY if t.mandatory_budget)
MANDATORY_FINAL_TABLES = tuple(t.type for t in REGISTRY if t.mandatory_final)
