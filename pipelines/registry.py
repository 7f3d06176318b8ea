"""The registry of table types: titles and aliases per template family, the
layout kind that tells the normaliser how to read rows, and for subject tables
the amount columns (canonical measure names) with the header labels that must
be present before the columns are trusted.

The title patterns are vocabulary, kept as data: ``vocab/table_titles.csv``
(table_type, regex, first_seen), tried in file order, the first match wins; a
row with table_type ``-`` says a heading that looks like a title is none
(e.g. "第五部分 财政拨款“三公”经费预算情况").

A table whose title matches nothing here is kept as ``unclassified`` and
reported, never dropped.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from .text import key


@dataclass(frozen=True)
class Measure:
    name: str  # canonical Chinese column name (the contract's `measure`)
    labels: tuple[str, ...]  # header spellings (matching keys) that identify it
    # optional: a column only some templates publish (mapped from the header
    # over it; not part of the fixed last-N-columns schema of text exports)
    optional: bool = False


def O(name: str, *labels: str) -> Measure:
    return Measure(name, tuple(key(x) for x in (labels or (name,))), True)


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


def M(name: str, *labels: str) -> Measure:
    return Measure(name, tuple(key(x) for x in (labels or (name,))))


_FGB = (M("合计", "合计", "金额"), M("基本支出"), M("项目支出"))

# Order matters: the first match wins, so the more specific titles come first.
# 决算 (final accounts) tables come first: their titles contain the budget tables' words.
FINAL: tuple[TableType, ...] = (
    TableType("final_fiscal_summary", "财政拨款收入支出决算总表", "pair_summary",
              TITLES, mandatory_final=False, pair_measure="决算数"),
    TableType("final_revenue", "收入决算表", "subject", TITLES, classification="function",
              measures=(M("合计", "本年收入合计", "合计"), O("财政拨款收入"), O("事业收入"), O("经营收入"),
                        O("其他收入"))),
    TableType("final_gpb_basic", "一般公共预算财政拨款基本支出决算表", "subject",
              TITLES, classification="economic", mandatory_final=True,
              measures=(M("合计", "合计", "决算数"), M("人员经费"), M("公用经费")),
              components=(("合计", ("人员经费", "公用经费")),)),
    TableType("final_gpb_expenditure", "一般公共预算财政拨款支出决算表", "subject",
              TITLES, classification="function", mandatory_final=True,
              measures=(M("年初预算数"), O("调整预算数"), M("决算数"), M("完成预算%", "完成预算%", "完成预算"))),
    TableType("final_gov_fund", "政府性基金预算财政拨款收入支出决算表", "subject",
              TITLES, classification="function", mandatory_final=True,
              measures=(M("合计", "合计", "决算数"), O("基本支出"), O("项目支出"))),
    TableType("final_soe", "国有资本经营预算财政拨款支出决算表", "subject",
              TITLES, classification="function",
              measures=(M("合计", "合计", "决算数"), O("基本支出"), O("项目支出"))),
    TableType("final_summary", "收入支出决算总表", "pair_summary", TITLES,
              mandatory_final=True, pair_measure="决算数"),
    TableType("final_expenditure", "支出决算表", "subject", TITLES, classification="function",
              mandatory_final=True,
              measures=(M("合计", "本年支出合计", "合计"), M("基本支出"), M("项目支出"), O("上缴上级支出"),
                        O("经营支出"), O("对附属单位补助支出")),
              components=(("合计", ("基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出")),)),
    TableType("final_three_public", "财政拨款“三公”经费支出决算表", "three_public", TITLES,
              mandatory_final=True, measures=(M("预算数"), M("决算数"))),
    TableType("final_admin_cost", "机关运行经费支出决算表", "subject", TITLES,
              classification="economic", measures=(M("合计", "合计", "决算数"),)),
)

REGISTRY: tuple[TableType, ...] = FINAL + (
    TableType("fiscal_summary", "财政拨款收支总表", "pair_summary",
              TITLES, mandatory_budget=True,
              measures=(M("合计"), M("一般公共预算财政拨款"), M("政府性基金预算财政拨款", "政府性基金预算财政拨款"),
                        M("国有资本经营预算财政拨款"))),
    TableType("income_expense_summary", "收支总表", "pair_summary",
              TITLES, mandatory_budget=True),
    TableType("revenue", "收入总表", "subject", TITLES,
              classification="function", mandatory_budget=True,
              measures=(M("合计"), M("本年收入", "小计", "本年收入"), M("财政拨款收入"), M("财政专户收入"),
                        M("事业收入"), M("经营收入"), M("上级补助收入"), M("附属单位上缴收入"), M("其他收入"),
                        M("上年结转")),
              components=(("合计", ("本年收入", "上年结转")),
                          ("本年收入", ("财政拨款收入", "财政专户收入", "事业收入", "经营收入", "上级补助收入",
                                        "附属单位上缴收入", "其他收入")))),
    TableType("gpb_basic", "一般公共预算财政拨款基本支出表", "subject",
              TITLES, classification="economic", mandatory_budget=True,
              measures=(M("合计", "合计", "金额"), M("人员经费"), M("公用经费")),
              components=(("合计", ("人员经费", "公用经费")),)),
    TableType("gpb_admin_cost", "一般公共预算机关运行经费支出预算表", "subject",
              TITLES, classification="economic",
              measures=(M("合计", "合计", "金额", "机关运行经费支出", "机关运行经费"),)),
    # Jiangsu 公开表: 财政拨款 (一般公共预算 + 政府性基金) by function / basic expenditure by economic class
    TableType("fiscal_basic", "财政拨款基本支出预算表", "subject",
              TITLES, classification="economic",
              measures=(M("合计", "合计", "金额"), M("人员经费"), M("公用经费"))),
    TableType("gpb_economic", "一般公共预算支出表(按经济分类)", "subject", TITLES, classification="economic",
              measures=_FGB, components=(("合计", ("基本支出", "项目支出")),)),
    TableType("gpb_expenditure", "一般公共预算财政拨款支出表", "subject",
              TITLES, classification="function", mandatory_budget=True,
              measures=_FGB, components=(("合计", ("基本支出", "项目支出")),)),
    TableType("gov_fund_expenditure", "政府性基金预算财政拨款支出表", "subject",
              TITLES,
              classification="function", mandatory_budget=True,
              measures=_FGB, components=(("合计", ("基本支出", "项目支出")),)),
    TableType("fiscal_expenditure", "财政拨款支出预算表", "subject",
              TITLES, classification="function",
              measures=_FGB),
    TableType("soe_expenditure", "国有资本经营预算财政拨款支出表", "subject",
              TITLES, classification="function", mandatory_budget=False,
              measures=_FGB, components=(("合计", ("基本支出", "项目支出")),)),
    # all funds (财政拨款 and 单位资金) by economic class / by project: columns by source of funds
    TableType("basic_expenditure", "基本支出总表", "subject", TITLES, classification="economic"),
    TableType("project_expenditure", "项目支出总表", "subject", TITLES, classification="project"),
    TableType("expenditure", "支出总表", "subject", TITLES,
              classification="function", mandatory_budget=True,
              measures=(M("合计"), M("基本支出"), M("项目支出"), M("经营支出"), M("上解上级支出"),
                        M("对附属单位补助支出"), O("单位预留机动经费"), O("结转下年资金")),
              components=(("合计", ("基本支出", "项目支出", "经营支出", "上解上级支出", "对附属单位补助支出",
                                    "单位预留机动经费", "结转下年资金")),)),
    TableType("three_public", "财政拨款“三公”经费支出表", "three_public", TITLES, mandatory_budget=True,
              measures=(M("合计"), M("一般公共预算财政拨款"), M("政府性基金预算拨款"), M("国有资本经营预算财政拨款"),
                        # Jiangsu "三公"经费、会议费、培训费 table: one column per expense
                        O("“三公”经费", '"三公"经费'), O("因公出国(境)费"), O("公务用车购置及运行维护费"),
                        O("公务用车购置费"), O("公务用车运行维护费"), O("公务接待费"), O("会议费"), O("培训费")),
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
