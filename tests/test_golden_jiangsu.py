"""Golden files: the real published Jiangsu PDFs (read in place from
../shared/real/jiangsu, never copied) through reader -> segmenter ->
normaliser -> document metadata.  Every expected figure below was typed in by
hand from the rendered page named next to it; values are compared exactly
(Decimal), with subject codes, measures and page numbers.

One table of every table type present in the PDFs is covered (most from the
2019 人大常委会办公厅 公开表 set, 公开表一…十二), plus the layouts the
other files add: tables continued over pages with and without a repeated
title/header, a row cut by a page break, amounts without thousands
separators, off-page text, a wrapped title.
"""
from __future__ import annotations

from decimal import Decimal as D
from functools import lru_cache
from pathlib import Path

import pytest

from pipelines.extract import Discovered, document_metadata, sha256_of
from pipelines.normalize import Parsed, normalize
from pipelines.readers.pdf import read_pdf
from pipelines.segment import Segmented, segment

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real" / "jiangsu"

RD19 = "江苏省人大办公厅/江苏省人大常委会办公厅2019年部门预算公开表.pdf"
RD17 = "江苏省人大办公厅/江苏省人大办公厅2017年度预算公开.pdf"
RD18 = "江苏省人大办公厅/省人大办公厅2018预算公开.pdf"
SW17 = "江苏省委办公厅/江苏省委办公厅2017年预算公开表格.pdf"
SW19 = "江苏省委办公厅/江苏省委办公厅2019年度部门预算公开表格.pdf"
ZX17 = "江苏省政协办公厅/2017年度部门预算公开表.pdf"


@lru_cache(maxsize=None)
def _doc(rel: str) -> tuple[Segmented, Parsed]:
    res = read_pdf(REAL / rel)
    seg = segment(res.blocks)
    return seg, normalize(seg)


def _table(rel: str, table_type: str) -> dict:
    _, p = _doc(rel)
    found = [t for t in p.tables if t["table_type"] == table_type]
    assert len(found) == 1, (table_type, [t["table_type"] for t in p.tables])
    return found[0]


def _facts(rel: str, table_type: str) -> list[dict]:
    t = _table(rel, table_type)
    _, p = _doc(rel)
    return [r for r in p.budget if r["table_seq"] == t["table_seq"]]


def _subject_facts(rel: str, table_type: str) -> set[tuple]:
    return {(r["subject_code"], r["subject_name"], r["subject_level"], r["measure"], r["amount"], r["page"])
            for r in _facts(rel, table_type)}


# ------------------------------------------------------------------ metadata, all 16 documents
META = {
    "江苏省人大办公厅/江苏省人大办公厅2017年度预算公开.pdf": ("江苏省人大常委会办公厅", 2017),
    "江苏省人大办公厅/江苏省人大常委会2019年度部门预算公开.pdf": ("江苏省人大常委会办公厅", 2019),
    "江苏省人大办公厅/江苏省人大常委会办公厅2019年部门预算公开表.pdf": ("江苏省人大常委会办公厅", 2019),
    "江苏省人大办公厅/省人大办公厅2018预算公开.pdf": ("江苏省人大常委会办公厅", 2018),
    "江苏省委办公厅/江苏省委办公厅2017年部门预算.pdf": ("江苏省委办公厅", 2017),
    "江苏省委办公厅/江苏省委办公厅2017年预算公开表格.pdf": ("江苏省委办公厅", 2017),
    "江苏省委办公厅/江苏省委办公厅2018年度部门预算公开文件.pdf": ("江苏省委办公厅", 2018),
    "江苏省委办公厅/江苏省委办公厅2018年度部门预算公开表.pdf": ("江苏省委办公厅", 2018),
    "江苏省委办公厅/江苏省委办公厅2019年度部门预算公开文件.pdf": ("江苏省委办公厅", 2019),
    "江苏省委办公厅/江苏省委办公厅2019年度部门预算公开表格.pdf": ("江苏省委办公厅", 2019),
    "江苏省政协办公厅/2017年度部门预算公开表.pdf": ("江苏省政协办公厅", 2017),
    "江苏省政协办公厅/江苏省政协办公厅2017年度部门预算.pdf": ("江苏省政协办公厅", 2017),
    "江苏省政协办公厅/江苏省政协办公厅2018年度部门预算.pdf": ("江苏省政协办公厅", 2018),
    "江苏省政协办公厅/江苏省政协办公厅2018度部门预算公开表.pdf": ("江苏省政协办公厅", 2018),
    "江苏省政协办公厅/江苏省政协办公厅2019年度部门预算.pdf": ("江苏省政协办公厅", 2019),
    "江苏省政协办公厅/江苏省政协办公厅2019年预算公开表.pdf": ("江苏省政协办公厅", 2019),
}


def test_all_real_files_covered():
    assert sorted(str(p.relative_to(REAL)) for p in REAL.rglob("*.pdf")) == sorted(META)


@pytest.mark.parametrize("rel", sorted(META))
def test_document_metadata(rel):
    """Department (published as 中国共产党江苏省委员会办公厅 / 中共江苏省委办公厅 / 江苏省委办公厅:
    one department), year from the document, phase, province 320000."""
    seg, _ = _doc(rel)
    path = REAL / rel
    meta, problems = document_metadata(seg, Discovered(path, sha256_of(path), path.stat().st_size, "pdf"))
    assert (meta["department"], meta["fiscal_year"], meta["phase"], meta["region_code"], meta["region_level"]) == \
        (*META[rel], "budget", "320000", "province")
    assert problems == []


# ------------------------------------------------------------------ classification
SET_2019_RD = ["income_expense_summary", "revenue", "expenditure", "fiscal_summary", "fiscal_expenditure",
               "fiscal_basic", "gpb_expenditure", "gpb_basic", "three_public", "gov_fund_expenditure",
               "gpb_admin_cost", "procurement"]
SET_2017 = ["income_expense_summary", "revenue", "expenditure", "fiscal_summary", "fiscal_expenditure",
            "fiscal_basic", "gov_fund_expenditure", "gpb_expenditure", "gpb_basic", "gpb_admin_cost",
            "three_public", "procurement"]


@pytest.mark.parametrize("rel", sorted(META))
def test_every_table_classified(rel):
    """Table-set documents: twelve tables, every one classified; narrative-only documents: none
    (their table-of-contents lines '一、收支预算总表' do not open tables)."""
    _, p = _doc(rel)
    types = [t["table_type"] for t in p.tables]
    assert "unclassified" not in types
    assert not [i for i in p.issues if i["rule"] == "table_unclassified"]
    if rel in (RD19,):
        assert types == SET_2019_RD
    elif rel == RD17:  # 财政拨款支出预算表 (p11) is printed before 财政拨款收支预算总表 (p12)
        assert types == ["income_expense_summary", "revenue", "expenditure", "fiscal_expenditure", "fiscal_summary",
                         *SET_2017[5:]]
    elif rel in (SW17, ZX17):
        assert types == SET_2017
    elif len(types):
        assert len(types) == 12 and set(types) == set(SET_2017)


# ------------------------------------------------------------------ 公开表一 收支预算总表 (RD19 p1)
def test_income_expense_summary_rd19_p1():
    got = {(r["side"], r["subject_name"], r["parent_item"], r["measure"], r["amount"], r["page"])
           for r in _facts(RD19, "income_expense_summary")}
    assert got == {
        ("收入", "财政拨款", None, "预算数", D("18330.37"), 1),
        ("收入", "一般公共预算", "财政拨款", "预算数", D("18330.37"), 1),
        ("支出", "一般公共服务支出", None, "预算数", D("13907.78"), 1),
        ("支出", "社会保障和就业支出", None, "预算数", D("1121.39"), 1),
        ("支出", "住房保障支出", None, "预算数", D("3301.20"), 1),
        ("支出", "基本支出", None, "预算数(支出用途)", D("9312.90"), 1),
        ("支出", "项目支出", None, "预算数(支出用途)", D("6459.58"), 1),
        ("支出", "单位预留机动经费", None, "预算数(支出用途)", D("2557.89"), 1),
        ("收入", "本年收入合计", None, "预算数", D("18330.37"), 1),
        ("支出", "本年支出合计", None, "预算数", D("18330.37"), 1),
        ("支出", "本年支出合计", None, "预算数(支出用途)", D("18330.37"), 1),
        ("收入", "收入总计", None, "预算数", D("18330.37"), 1),
        ("支出", "支出总计", None, "预算数", D("18330.37"), 1),
        ("支出", "支出总计", None, "预算数(支出用途)", D("18330.37"), 1),
    }
    t = _table(RD19, "income_expense_summary")
    assert (t["status"], t["pages"], t["unit"]) == ("parsed", "1", "万元")


# ------------------------------------------------------------------ 公开表二 收入预算总表 (RD19 p2)
def test_revenue_item_list_rd19_p2():
    got = {(r["subject_name"], r["subject_level"], r["parent_item"], r["measure"], r["amount"], r["page"],
            r["classification"]) for r in _facts(RD19, "revenue")}
    assert got == {
        ("收入总计", "total", None, "金额", D("18330.37"), 2, "item"),
        ("一般公共预算资金", "item", None, "金额", D("18330.37"), 2, "item"),
        ("公共财政拨款(补助)资金", "item", "一般公共预算资金", "金额", D("18330.37"), 2, "item"),
    }


def test_revenue_with_other_sources_sw17_p2():
    """委办 2017 公开表二: 财政专户管理资金 147.20 under its 小计; the department line is cut by
    the unit ('部门:中国共产党江苏省委员会办' + '单位:万元公厅')."""
    got = {(r["subject_name"], r["parent_item"], r["amount"]) for r in _facts(SW17, "revenue")}
    assert got == {("收入总计", None, D("20849.45")), ("一般公共预算资金", None, D("20702.25")),
                   ("公共财政拨款(补助)资金", "一般公共预算资金", D("20702.25")),
                   ("财政专户管理资金", None, D("147.20")), ("其他非税收入", "财政专户管理资金", D("147.20"))}


# ------------------------------------------------------------------ 公开表三 支出预算总表 (RD19 p3)
def test_expenditure_total_row_rd19_p3():
    got = {(r["subject_name"], r["subject_level"], r["measure"], r["amount"], r["page"], r["col_idx"])
           for r in _facts(RD19, "expenditure")}
    assert got == {("合计", "table_total", "合计", D("18330.37"), 3, 0),
                   ("合计", "table_total", "基本支出", D("9312.90"), 3, 1),
                   ("合计", "table_total", "项目支出", D("6459.58"), 3, 2),
                   ("合计", "table_total", "单位预留机动经费", D("2557.89"), 3, 3)}


# ------------------------------------------------------------------ 公开表四 财政拨款收支预算总表 (RD19 p4)
def test_fiscal_summary_rd19_p4():
    got = {(r["side"], r["subject_name"], r["measure"], r["amount"], r["page"]) for r in _facts(RD19, "fiscal_summary")}
    assert got == {("收入", "一般公共预算", "金额", D("18330.37"), 4),
                   ("支出", "基本支出", "合计", D("9312.90"), 4),
                   ("支出", "项目支出", "合计", D("6459.58"), 4),
                   ("支出", "单位预留机动经费", "合计", D("2557.89"), 4),
                   ("收入", "本年收入合计", "金额", D("18330.37"), 4),
                   ("支出", "本年支出合计", "合计", D("18330.37"), 4)}


# ------------------------------------------------------------------ 公开表五 / 七: function classification
FUNCTION_RD19 = [
    ("201", "一般公共服务支出", "类", "13907.78"), ("20101", "人大事务", "款", "13907.78"),
    ("2010101", "行政运行", "项", "7448.20"), ("2010102", "一般行政管理事务", "项", "2464.02"),
    ("2010104", "人大会议", "项", "1469.73"), ("2010105", "人大立法", "项", "729.00"),
    ("2010106", "人大监督", "项", "376.88"), ("2010107", "人大代表履职能力提升", "项", "363.38"),
    ("2010108", "代表工作", "项", "385.52"), ("2010109", "人大信访工作", "项", "42.75"),
    ("2010199", "其他人大事务支出", "项", "628.30"),
    ("208", "社会保障和就业支出", "类", "1121.39"), ("20805", "行政事业单位离退休", "款", "1121.39"),
    ("2080504", "未归口管理的行政单位离退休", "项", "271.45"),
    ("2080505", "机关事业单位基本养老保险缴费支出", "项", "607.10"),
    ("2080506", "机关事业单位职业年金缴费支出", "项", "242.84"),
    ("221", "住房保障支出", "类", "3301.20"), ("22102", "住房改革支出", "款", "3301.20"),
    ("2210201", "住房公积金", "项", "752.90"), ("2210202", "提租补贴", "项", "2548.30"),
]


@pytest.mark.parametrize("table_type,page", [("fiscal_expenditure", 5), ("gpb_expenditure", 7)])
def test_function_tables_rd19(table_type, page):
    want = {(c, n, lv, "合计", D(a), page) for c, n, lv, a in FUNCTION_RD19}
    want.add((None, "合计", "total", "合计", D("18330.37"), page))
    assert _subject_facts(RD19, table_type) == want
    assert {r["classification"] for r in _facts(RD19, table_type)} == {"function"}


# ------------------------------------------------------------------ 公开表六 / 八: economic classification
ECONOMIC_RD19 = [
    ("301", "工资福利支出", "类", "6481.41"), ("30101", "基本工资", "款", "1258.23"),
    ("30102", "津贴补贴", "款", "3468.54"), ("30103", "奖金", "款", "104.85"),
    ("30108", "机关事业单位基本养老保险缴费", "款", "607.10"), ("30109", "职业年金缴费", "款", "242.84"),
    ("30112", "其他社会保障缴费", "款", "14.79"), ("30113", "住房公积金", "款", "752.90"),
    ("30114", "医疗费", "款", "32.16"),
    ("302", "商品和服务支出", "类", "1642.08"), ("30201", "办公费", "款", "570.00"), ("30205", "水费", "款", "50.00"),
    ("30206", "电费", "款", "100.00"), ("30207", "邮电费", "款", "80.00"), ("30211", "差旅费", "款", "235.00"),
    ("30228", "工会经费", "款", "82.00"), ("30229", "福利费", "款", "50.00"),
    ("30231", "公务用车运行维护费", "款", "183.60"), ("30239", "其他交通费用", "款", "268.58"),
    ("30299", "其他商品和服务支出", "款", "22.90"),
    ("303", "对个人和家庭的补助", "类", "1189.41"), ("30301", "离休费", "款", "302.49"),
    ("30302", "退休费", "款", "886.13"), ("30309", "奖励金", "款", "0.79"),
]


@pytest.mark.parametrize("table_type,page", [("fiscal_basic", 6), ("gpb_basic", 8)])
def test_economic_tables_rd19(table_type, page):
    want = {(c, n, lv, "合计", D(a), page) for c, n, lv, a in ECONOMIC_RD19}
    want.add((None, "合计", "total", "合计", D("9312.90"), page))
    assert _subject_facts(RD19, table_type) == want


def test_admin_cost_table_rd19_p11():
    """公开表十一 一般公共预算机关运行经费支出预算表: header '机关运行经费支出' -> measure 合计."""
    want = {(c, n, lv, "合计", D(a), 11) for c, n, lv, a in ECONOMIC_RD19 if c.startswith("302")}
    want.add((None, "合计", "total", "合计", D("1642.08"), 11))
    assert _subject_facts(RD19, "gpb_admin_cost") == want


# ------------------------------------------------------------------ 公开表九 "三公"经费 (RD19 p9)
def test_three_public_multirow_header_rd19_p9():
    got = {(r["measure"], r["amount"], r["page"], r["col_idx"]) for r in _facts(RD19, "three_public")}
    assert got == {("合计", D("2600.71"), 9, 0), ("“三公”经费", D("767.60"), 9, 1),
                   ("因公出国(境)费", D("199.25"), 9, 2), ("公务用车购置及运行维护费", D("183.60"), 9, 3),
                   ("公务用车运行维护费", D("183.60"), 9, 5), ("公务接待费", D("384.75"), 9, 6),
                   ("会议费", D("1469.73"), 9, 7), ("培训费", D("363.38"), 9, 8)}


# ------------------------------------------------------------------ 公开表十 政府性基金 (empty)
def test_gov_fund_empty_tables():
    """RD19 公开表十 is printed empty without a note: no facts, a warning; 委办 2018/2019 declare it
    ('注:本部门无相关收支项目') and 人大 2017 with '(无政府性基金支出)'."""
    assert _facts(RD19, "gov_fund_expenditure") == []
    t = _table(RD19, "gov_fund_expenditure")
    _, p = _doc(RD19)
    assert [i["rule"] for i in p.issues if i["table_seq"] == t["table_seq"]] == ["no_body_rows"]
    assert _table(RD17, "gov_fund_expenditure")["status"] == "declared_empty"
    assert _table(SW19, "gov_fund_expenditure")["status"] == "declared_empty"


# ------------------------------------------------------------------ 公开表十二 政府采购 (stitched)
def test_procurement_stitched_over_pages():
    """RD19 p12-13: continued without a repeated header; 政协 2017 p12-13: title, department, unit
    and header repeated on p13 -> one table, the repeated header row dropped."""
    assert _table(RD19, "procurement")["pages"] == "12,13"
    seg, _ = _doc(ZX17)
    t = [t for t in seg.tables if t.type == "procurement"]
    assert len(t) == 1 and t[0].pages == [12, 13]
    assert sum(1 for b in t[0].rows if b.cells[0] == "采购品目大类") == 1
    assert t[0].rows[-1].cells[-3:] == ["交通运输和仓储服务", "分散自行组织", "6.00"]  # last row of p13, by hand


# ------------------------------------------------------------------ stitching and page breaks (人大 2017)
def test_summary_continued_over_three_pages_rd17():
    """收支预算总表 p7-9: the row '八、社会保障和就|业支出' is cut by the page break (p7/p8), the
    '当年收入|小计' label too (p8/p9); p9 has four grid columns."""
    t = _table(RD17, "income_expense_summary")
    assert (t["pages"], t["status"]) == ("7,8,9", "parsed")
    got = {(r["side"], r["subject_name"], r["measure"], r["amount"], r["page"]) for r in _facts(RD17, "income_expense_summary")}
    assert ("支出", "社会保障和就业支出", "预算数", D("1608.51"), 7) in got
    assert ("支出", "住房保障支出", "预算数", D("1512.23"), 8) in got
    assert ("收入", "本年收入合计", "预算数", D("13649.07"), 8) in got
    assert ("收入", "收入总计", "预算数", D("13649.07"), 9) in got
    assert ("支出", "支出总计", "预算数", D("13649.07"), 9) in got


def test_title_block_above_table_on_previous_page_rd17():
    """财政拨款基本支出预算表: title/部门/单位 at the foot of p12, the table on p13-15; the same
    table's text drawn below the page on p11 (invisible) is not read."""
    t = _table(RD17, "fiscal_basic")
    assert t["pages"] == "12,13,14,15" and t["first_page"] == 12
    facts = _subject_facts(RD17, "fiscal_basic")
    assert (None, "合计", "total", "合计", D("7666.68"), 13) in facts
    assert ("30312", "提租补贴", "款", "合计", D("1018.01"), 15) in facts or \
           ("30312", "提租补贴", "款", "合计", D("1018.01"), 14) in facts
    seg, _ = _doc(RD17)
    assert not [b for b in seg.narrative if b.src.page == 11 and "财政拨款基本支出预算表" in b.cells[0]]


def test_wrapped_title_rd17_p20():
    t = _table(RD17, "three_public")
    assert t["title"] == "“三公”经费、会议费、培训费支出预算表"
    got = {(r["measure"], r["amount"]) for r in _facts(RD17, "three_public")}
    assert ("合计", D("2542.60")) in got and ("公务用车购置费", D("0")) in got


def test_amounts_without_separators_rd18():
    """人大 2018 公开01表 prints '15897.44' (no separator): an amount, not code 15897 + name '.44'."""
    got = {(r["side"], r["subject_name"], r["measure"], r["amount"], r["page"]) for r in _facts(RD18, "income_expense_summary")}
    assert ("收入", "财政拨款", "预算数", D("15897.44"), 8) in got
    assert ("支出", "单位预留机动经费", "预算数(支出用途)", D("1685.72"), 8) in got
    got = {(r["subject_name"], r["amount"]) for r in _facts(RD18, "revenue")}
    assert ("收入总计", D("15897.44")) in got


def test_garbled_grid_is_reported_not_guessed_sw19_p1():
    """委办 2019 公开表 p1: the lattice grid loses the label cells of the first row (camelot puts
    '22,395.50' where '一、一般公共服务支出' belongs); the table is unparsed with an error."""
    t = _table(SW19, "income_expense_summary")
    assert t["status"] == "unparsed"
    _, p = _doc(SW19)
    assert [(i["rule"], i["severity"]) for i in p.issues if i["table_seq"] == t["table_seq"]] == \
        [("header_mismatch", "error")]


# ------------------------------------------------------------------ the documents' own arithmetic
@pytest.mark.parametrize("rel", [r for r in sorted(META) if r not in (
    "江苏省人大办公厅/江苏省人大常委会2019年度部门预算公开.pdf", "江苏省委办公厅/江苏省委办公厅2017年部门预算.pdf",
    "江苏省委办公厅/江苏省委办公厅2018年度部门预算公开文件.pdf", "江苏省委办公厅/江苏省委办公厅2019年度部门预算公开文件.pdf",
    "江苏省政协办公厅/江苏省政协办公厅2017年度部门预算.pdf", "江苏省政协办公厅/江苏省政协办公厅2018年度部门预算.pdf",
    "江苏省政协办公厅/江苏省政协办公厅2019年度部门预算.pdf")])
def test_subject_tables_roll_up(rel):
    """Every subject-coded table: 合计 = Σ类, 类 = Σ款, 款 = Σ项 (the published documents reconcile)."""
    _, p = _doc(rel)
    by_table: dict[int, dict] = {}
    for r in p.budget:
        if r["classification"] in ("function", "economic") and r["measure"] == "合计" and \
                (r["subject_code"] or r["subject_level"] == "total"):
            by_table.setdefault(r["table_seq"], {})[r["subject_code"] or "total"] = r["amount"]
    assert len(by_table) >= 5
    for seq, vals in by_table.items():
        codes = [c for c in vals if c != "total"]
        if "total" in vals and codes:
            assert vals["total"] == sum(vals[c] for c in codes if len(c) == 3), (rel, seq)
        for c in codes:
            kids = [k for k in codes if len(k) == len(c) + 2 and k.startswith(c)]
            if kids:
                assert vals[c] == sum(vals[k] for k in kids), (rel, seq, c)
