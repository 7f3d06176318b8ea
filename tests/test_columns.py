"""The open column model of subject-coded tables.

Every amount column is placed: by a canonical measure from vocab/measures.csv, or by its published header
path when the vocabulary does not know it (canonical_measure None, a warning naming the header).  Codes are
read wherever they sit (own cell, with the name, split over 类 | 款 | 项 cells, printed only at their own
level); a code cell is never read as an amount.  The real-PDF tests assert values read by hand off the
pages named (tables that were dropped as header_mismatch before this model).
"""
from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from pipelines.blocks import Block, Src
from pipelines.headers import measure_of
from pipelines.normalize import Parsed, _subject_table, normalize
from pipelines.readers.pdf import read_pdf
from pipelines.registry import BY_TYPE, header_key, load_measures
from pipelines.segment import Table, segment

CITIES = Path(__file__).resolve().parents[1].parent / "shared" / "real" / "cities"


# ---------------------------------------------------------------- vocabulary and header paths
@pytest.mark.parametrize("label,want", [
    ("其中：人员经费", "人员经费"), ("一般公共预算财政拨款", "一般公共预算拨款"), ("基本支出预算数", "基本支出"),
    ("因公出国（境）费", "因公出国境费"), ("合 计", "合计"), ("合计(万元)", "合计"), ("1.事业收入", "事业收入"),
])
def test_header_key_folds_published_variants(label, want):
    assert header_key(label) == want


@pytest.mark.parametrize("ttype,path,want", [
    ("revenue", ["本年收入", "小计"], "本年收入"),
    ("revenue", ["本年收入", "一般公共预算", "3"], "一般公共预算拨款收入"),
    ("revenue", ["上年结转结余", "小计"], "上年结转"),
    ("revenue", ["上年结转结余", "一般公共预算"], None),  # not the current-year appropriation
    ("revenue", ["事业收入", "金额"], "事业收入"),  # '金额' under a label stands for the label
    ("revenue", ["事业单位经营收入"], "经营收入"),
    ("expenditure", ["支出总计"], "合计"),
    ("expenditure", ["上缴上级支出"], "上解上级支出"),
    ("expenditure", ["2026年政府采购项目", "小计"], None),  # a 小计 is never the table's 合计 on its own
    ("gpb_expenditure", ["基本支出", "其中:人员经费"], "人员经费"),
    ("three_public", ['"三公"经费合计'], "“三公”经费"),
    ("three_public", ["栏次", "1"], None),
])
def test_measure_of_header_paths(ttype, path, want):
    assert measure_of(BY_TYPE[ttype], path) == want


def test_vocabulary_rejects_one_spelling_for_two_measures(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("table_type,measure,spelling,role,first_seen,kind,unit\n"
                 "revenue,事业收入,事业收入,fixed,x,money,\nrevenue,其他收入,其他收入,fixed,x,money,\n"
                 "revenue,其他收入,事业收入,synonym,x,,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="names both"):
        load_measures(p)


def test_vocabulary_requires_the_kind_of_a_declared_measure(tmp_path):
    """money / percent / quantity on the declaring row (what goes into amount_wan); never on a synonym."""
    p = tmp_path / "m.csv"
    p.write_text("table_type,measure,spelling,role,first_seen,kind,unit\nrevenue,事业收入,事业收入,fixed,x,,\n",
                 encoding="utf-8")
    with pytest.raises(ValueError, match="kind must be one of"):
        load_measures(p)
    p.write_text("table_type,measure,spelling,role,first_seen,kind,unit\nrevenue,事业收入,事业收入,fixed,x,money,\n"
                 "revenue,事业收入,事业收,synonym,x,percent,%\n", encoding="utf-8")
    with pytest.raises(ValueError, match="kind and unit belong"):
        load_measures(p)
    ms, _ = load_measures(_ok_vocab(tmp_path))
    assert [(m.name, m.kind, m.unit) for m in ms["final_gpb_expenditure"]] == [("完成预算%", "percent", "%")]


def _ok_vocab(tmp_path):
    p = tmp_path / "ok.csv"
    p.write_text("table_type,measure,spelling,role,first_seen,kind,unit\n"
                 "final_gpb_expenditure,完成预算%,完成预算%,fixed,x,percent,%\n", encoding="utf-8")
    return p


def test_every_vocabulary_row_names_where_it_was_first_seen():
    import csv

    from pipelines.registry import MEASURES_CSV
    rows = list(csv.DictReader(open(MEASURES_CSV, encoding="utf-8")))
    assert rows and all(r["first_seen"].strip() for r in rows)
    assert {r["role"] for r in rows} <= {"fixed", "optional", "synonym"}


# ---------------------------------------------------------------- synthetic grids (cells as a PDF grid gives them)
def _table(ttype: str, rows: list[list[str]], title="表") -> Table:
    blocks = [Block("row", list(r), [Src(page=1, table=0, row=i, col=j) for j in range(len(r))])
              for i, r in enumerate(rows)]
    return Table(seq=1, ttype=BY_TYPE[ttype], title=title, title_src=Src(page=1), rows=blocks)


def _facts(out: Parsed):
    return {(r["subject_code"], r["measure"]): r["amount"] for r in out.budget}


def test_codes_split_over_lei_kuan_xiang_cells_are_codes_not_amounts():
    t = _table("gpb_expenditure", [
        ["功能分类科目编码", "", "", "科目名称", "合计", "基本支出", "项目支出"],
        ["类", "款", "项", "", "", "", ""],
        ["201", "", "", "一般公共服务支出", "30.00", "20.00", "10.00"],
        ["201", "06", "", "财政事务", "30.00", "20.00", "10.00"],
        ["201", "06", "01", "行政运行", "20.00", "20.00", ""],
        ["", "", "02", "一般行政管理事务", "10.00", "", "10.00"],
        ["合计", "", "", "", "30.00", "20.00", "10.00"],
    ])
    out = Parsed()
    _subject_table(out, t)
    f = _facts(out)
    assert f[("2010601", "合计")] == D("20.00") and f[("2010602", "项目支出")] == D("10.00")
    assert f[("20106", "基本支出")] == D("20.00") and f[(None, "合计")] == D("30.00")
    assert {r["col_idx"] for r in out.budget} == {4, 5, 6}  # no code cell became an amount
    assert not [i for i in out.issues if i["severity"] == "error"]


def test_rows_printing_only_their_own_level_of_the_code():
    t = _table("gpb_expenditure", [
        ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
        ["201", "一般公共服务支出", "30", "20", "10"],
        ["01", "人大事务", "30", "20", "10"],
        ["01", "行政运行", "20", "20", ""],
        ["02", "一般行政管理事务", "10", "", "10"],
        ["02", "政协事务", "0", "", ""],
    ])
    out = Parsed()
    _subject_table(out, t)
    codes = [r["subject_code"] for r in out.budget if r["measure"] == "合计"]
    assert codes == ["201", "20101", "2010101", "2010102", "20102"]


def test_code_and_name_in_one_cell_with_brackets():
    t = _table("gpb_basic", [
        ["科目", "合计", "人员经费", "公用经费"],
        ["[301]工资福利支出", "5.00", "5.00", ""],
        ["[30101]基本工资", "5.00", "5.00", ""],
        ["合计", "5.00", "5.00", ""],
    ])
    out = Parsed()
    _subject_table(out, t)
    assert _facts(out)[("30101", "人员经费")] == D("5.00")
    assert {r["subject_name"] for r in out.budget} == {"工资福利支出", "基本工资", "合计"}


def test_unknown_header_keeps_the_table_with_its_published_path():
    t = _table("expenditure", [
        ["科目编码", "科目名称", "支出总计", "基本支出", "项目支出", "某新口径支出"],
        ["201", "一般公共服务支出", "12.00", "10.00", "2.00", "1.50"],
    ])
    out = Parsed()
    _subject_table(out, t)
    by = {r["col_idx"]: r for r in out.budget}
    assert by[2]["measure"] == "合计" and by[2]["canonical_measure"] == "合计"
    assert by[5]["measure"] == "某新口径支出" and by[5]["canonical_measure"] is None and by[5]["amount"] == D("1.50")
    warn = [i for i in out.issues if i["rule"] == "unknown_header"]
    assert len(warn) == 1 and "某新口径支出" in warn[0]["message"] and warn[0]["severity"] == "warn"


def test_column_without_a_header_leaves_the_table_unread():
    t = _table("expenditure", [
        ["科目编码", "科目名称", "合计", "", "项目支出"],
        ["201", "一般公共服务支出", "12.00", "10.00", "2.00"],
    ])
    out = Parsed()
    _subject_table(out, t)
    assert out.budget == []
    assert [i["rule"] for i in out.issues] == ["header_mismatch"]


def test_unit_codes_are_not_subject_codes():
    t = _table("revenue", [
        ["部门代码", "部门名称", "合计", "本年收入", "", "上年结转结余"],
        ["", "", "", "小计", "一般公共预算", "小计"],
        ["合计", "", "10.00", "8.00", "8.00", "2.00"],
        ["113", "某局", "10.00", "8.00", "8.00", "2.00"],
    ])
    out = Parsed()
    _subject_table(out, t)
    assert {r["subject_code"] for r in out.budget} == {None}
    assert {(r["subject_name"], r["subject_level"]) for r in out.budget} == {("合计", "total"), ("某局", "unit")}
    assert {r["measure"] for r in out.budget} == {"合计", "本年收入", "一般公共预算拨款收入", "上年结转"}


def test_two_columns_naming_one_measure_keep_their_published_paths():
    t = _table("gpb_expenditure", [
        ["科目编码", "科目名称", "合计", "金额", "基本支出", "项目支出"],
        ["201", "一般公共服务支出", "12.00", "12.00", "10.00", "2.00"],
    ])
    out = Parsed()
    _subject_table(out, t)
    canon = {r["col_idx"]: r["canonical_measure"] for r in out.budget}
    assert canon == {2: None, 3: None, 4: "基本支出", 5: "项目支出"}


# ---------------------------------------------------------------- real PDFs, values read by hand
_cache: dict[str, object] = {}


def _read(rel: str):
    if rel not in _cache:
        p = CITIES / rel
        assert p.is_file(), f"{p} missing: ../shared must sit beside the checkout"
        seg = segment(read_pdf(p).blocks)
        _cache[rel] = (seg, normalize(seg))
    return _cache[rel]


def _table_facts(rel: str, page: int, ttype: str):
    seg, parsed = _read(rel)
    seqs = [t["table_seq"] for t in parsed.tables if t["table_type"] == ttype and t["first_page"] == page]
    assert len(seqs) == 1, (page, ttype, [(t["table_type"], t["first_page"]) for t in parsed.tables])
    st = next(t["status"] for t in parsed.tables if t["table_seq"] == seqs[0])
    return st, [r for r in parsed.budget if r["table_seq"] == seqs[0]]


def _val(facts, name, measure, code=None):
    got = [r["amount"] for r in facts if r["subject_name"] == name and r["measure"] == measure
           and (code is None or r["subject_code"] == code)]
    assert len(got) == 1, (name, measure, code, got)
    return got[0]


def test_shanghai_split_codes_revenue_table_p8():
    """上海 民政局 file, p8 '2026年预算单位收入预算总表' (上海市福利彩票发行中心, 单位：元): codes in 类 | 款 | 项
    cells ('229' '08' '04').  Read by hand: 229 其他支出 合计 216,801,570; 2290804 福利彩票销售机构的业务费支出
    财政拨款收入 215,020,000; 2299999 其他支出 其他收入 1,781,570; 合计 row 216,801,570."""
    st, f = _table_facts("上海/2026年上海市民政局_部门预算.pdf", 8, "revenue")
    assert st == "parsed"
    assert _val(f, "其他支出", "合计", "229") == D("216801570")
    assert _val(f, "福利彩票销售机构的业务费支出", "财政拨款收入", "2290804") == D("215020000")
    assert _val(f, "其他支出", "其他收入", "2299999") == D("1781570")
    assert _val(f, "合计", "合计") == D("216801570")
    assert {r["unit"] for r in f} == {"元"}
    assert {r["subject_code"] for r in f} == {"229", "22908", "2290804", "22999", "2299999", None}


def test_wuxi_revenue_table_with_18_columns_p11():
    """无锡 信访局 file, p11 收入总表 (部门代码 | 部门名称 | 合计 | 本年收入 (小计, 一般公共预算, …) | 上年结转结余 (…)).
    Read by hand: 合计 2,867.94; 本年收入 小计 2,867.94; 一般公共预算 2,723.94; 其他收入 144.00;
    无锡市人民来访接待中心 合计 563.15."""
    st, f = _table_facts("无锡/信访局_2026年部门预算.pdf", 11, "revenue")
    assert st == "parsed"
    assert _val(f, "合计", "合计") == D("2867.94")
    assert _val(f, "合计", "本年收入") == D("2867.94")
    assert _val(f, "合计", "一般公共预算拨款收入") == D("2723.94")
    assert _val(f, "合计", "其他收入") == D("144.00")
    assert _val(f, "无锡市人民来访接待中心", "合计") == D("563.15")
    assert {r["subject_code"] for r in f} == {None}  # 113 / 113001 are department codes, not subjects
    assert all(r["canonical_measure"] == r["measure"] for r in f)


def test_fuzhou_unit_revenue_table_and_three_public_list():
    """福州 民政局 file.  p13 '2026 年度收入预算总表' (单位名称 | 合计 | 一般公共预算拨款收入 | … | 上年结转结余):
    合计 2249.92, 一般公共预算拨款收入 2144.92, 政府性基金预算拨款收入 75.00, 上年结转结余 30.00.
    p23 '2026 年度一般公共预算“三公”经费支出预算表' (项目 | 预算数): 合计 25.05, 1、因公出国（境）费用 7.05,
    2、公务接待费 8.00, （2）公务用车运行费 10.00 (a part of 3、公务用车购置及运行费)."""
    rel = "福州/2026年福州市民政局部门预算.pdf"
    st, f = _table_facts(rel, 13, "revenue")
    assert st == "parsed"
    assert _val(f, "合计", "合计") == D("2249.92")
    assert _val(f, "合计", "一般公共预算拨款收入") == D("2144.92")
    assert _val(f, "合计", "政府性基金预算拨款收入") == D("75.00")
    assert _val(f, "合计", "上年结转") == D("30.00")
    st, f = _table_facts(rel, 23, "three_public")
    assert st == "parsed"
    assert _val(f, "合计", "合计") == D("25.05")
    assert _val(f, "1、因公出国(境)费用", "合计") == D("7.05")
    assert _val(f, "2、公务接待费", "合计") == D("8.00")
    sub = [r for r in f if r["subject_name"] == "(2)公务用车运行费"]
    assert [(r["amount"], r["parent_item"]) for r in sub] == [(D("10.00"), "公务用车购置及运行费")]


def test_shenzhen_expenditure_table_keeps_unknown_columns_p18():
    """深圳 信访局 file, p18 支出总表 (预算单位 | 科目编码 | 科目名称 | 支出总计 | 基本支出 | 项目支出 | 事业单位经营支出
    | 对附属单位补助支出 | 上缴上级支出 | 2026年政府采购项目 (小计, 其中 …)).  Read by hand: 201 一般公共服务支出
    支出总计 3,459.13, 基本支出 1,866.84; 2014004 信访业务 项目支出 1,592.29; 2026年政府采购项目 小计 on 201:
    1,100.30 (a column the vocabulary does not know: kept under its published header)."""
    st, f = _table_facts("深圳/2026年深圳市信访局部门预算.pdf", 18, "expenditure")
    assert st == "parsed"
    assert _val(f, "一般公共服务支出", "合计", "201") == D("3459.13")
    assert _val(f, "一般公共服务支出", "基本支出", "201") == D("1866.84")
    assert _val(f, "信访业务", "项目支出", "2014004") == D("1592.29")
    proc = [r for r in f if r["subject_code"] == "201" and r["canonical_measure"] is None
            and r["measure"].startswith("2026年政府采购项目") and r["measure"].endswith("小计")]
    assert [r["amount"] for r in proc] == [D("1100.30")]
    _, parsed = _read("深圳/2026年深圳市信访局部门预算.pdf")
    assert any(i["rule"] == "unknown_header" and "2026年政府采购项目" in i["message"] for i in parsed.issues)


def test_one_block_of_rows_per_unit_names_the_unit():
    """预算单位 | 科目编码 | 科目名称 | figures: the department row, then each unit's row and its coded rows."""
    t = _table("expenditure", [
        ["预算单位", "科目编码", "科目名称", "支出总计", "基本支出", "项目支出"],
        ["某局", "", "", "30.00", "20.00", "10.00"],
        ["某局(本级)", "", "", "20.00", "20.00", ""],
        ["", "201", "一般公共服务支出", "20.00", "20.00", ""],
        ["", "20101", "人大事务", "20.00", "20.00", ""],
        ["某中心", "", "", "10.00", "", "10.00"],
        ["", "201", "一般公共服务支出", "10.00", "", "10.00"],
        ["", "20101", "人大事务", "10.00", "", "10.00"],
    ])
    out = Parsed()
    _subject_table(out, t)
    rows = [(r["subject_name"], r["parent_item"], r["subject_code"], r["amount"]) for r in out.budget
            if r["measure"] == "合计"]
    assert rows == [("某局", None, None, D("30.00")), ("某局(本级)", None, None, D("20.00")),
                    ("一般公共服务支出", "某局(本级)", "201", D("20.00")), ("人大事务", "某局(本级)", "20101", D("20.00")),
                    ("某中心", None, None, D("10.00")), ("一般公共服务支出", "某中心", "201", D("10.00")),
                    ("人大事务", "某中心", "20101", D("10.00"))]
    units = [r["subject_name"] for r in out.budget if r["subject_level"] == "unit" and r["measure"] == "合计"]
    assert units == ["某局", "某局(本级)", "某中心"]
    assert {r["parent_item"] for r in out.budget if r["subject_code"] == "201"} == {"某局(本级)", "某中心"}


def test_wuxi_basic_expenditure_split_is_not_read_as_the_last_three_columns_p20():
    """无锡 教育局 file (2026年无锡市教育局部门预算.pdf), p20 '财政拨款支出表（功能科目）': 合计 | 基本支出 (小计, 人员经费,
    公用经费) | 项目支出.  Read by hand: 205 教育支出 合计 60,964.23, 基本支出 1,631.11, 人员经费 1,495.82, 公用经费
    135.29, 项目支出 59,333.12; 合计 row 合计 105,814.60.  (The fixed last-three-columns schema read 1,495.82 as
    the 合计 and 135.29 as the 基本支出 before.)"""
    st, f = _table_facts("无锡/2026年无锡市教育局部门预算.pdf", 20, "fiscal_expenditure")
    assert st == "parsed"
    assert _val(f, "教育支出", "合计", "205") == D("60964.23")
    assert _val(f, "教育支出", "基本支出", "205") == D("1631.11")
    assert _val(f, "教育支出", "人员经费", "205") == D("1495.82")
    assert _val(f, "教育支出", "公用经费", "205") == D("135.29")
    assert _val(f, "教育支出", "项目支出", "205") == D("59333.12")
    assert _val(f, "合计", "合计") == D("105814.60")


def test_shenzhen_unit_rows_without_codes_p17_p31():
    """深圳 信访局 file.  p17 收入总表 (预算单位 | 收入总计 | 本年收入 / 财政拨款 / 一般公共预算拨款 … | 上年结余、结转), one
    row per unit, no code, no 合计 row: 深圳市信访局 收入总计 4,684.30, 一般公共预算拨款 4,676.96, 上年结余、结转 7.34.
    p31 财政拨款“三公”经费支出表 (预算单位 | 年度 | 总计 / 一般公共预算 …), rows per year: 2026 年 总计 一般公共预算
    5.58, 公务接待费 一般公共预算 2.98 (columns split by fund source: kept under their published headers)."""
    rel = "深圳/2026年深圳市信访局部门预算.pdf"
    st, f = _table_facts(rel, 17, "revenue")
    assert st == "parsed"
    assert _val(f, "深圳市信访局", "合计") == D("4684.30")
    assert _val(f, "深圳市信访局", "一般公共预算拨款收入") == D("4676.96")
    assert _val(f, "深圳市信访局", "上年结转") == D("7.34")
    st, f = _table_facts(rel, 31, "three_public")
    assert st == "parsed"
    row26 = {r["measure"]: r["amount"] for r in f if r["subject_name"] == "2026年" and r["parent_item"] == "深圳市信访局"}
    assert row26["总计/一般公共预算"] == D("5.58") and row26["公务接待费/一般公共预算"] == D("2.98")
    assert all(r["canonical_measure"] is None for r in f if r["measure"].startswith("总计/"))


def test_a_label_over_every_amount_column_is_a_banner_unless_it_is_a_measure():
    banner = _table("revenue", [
        ["科目编码", "科目名称", "收入预算", "", ""],
        ["", "", "合计", "财政拨款收入", "其他收入"],
        ["201", "一般公共服务支出", "3.00", "2.00", "1.00"],
    ])
    out = Parsed()
    _subject_table(out, banner)
    assert {r["col_idx"]: r["canonical_measure"] for r in out.budget} == {2: "合计", 3: "财政拨款收入", 4: "其他收入"}
    measure = _table("revenue", [
        ["科目编码", "科目名称", "本年收入", "", ""],
        ["", "", "小计", "财政拨款收入", "其他收入"],
        ["201", "一般公共服务支出", "3.00", "2.00", "1.00"],
    ])
    out = Parsed()
    _subject_table(out, measure)
    assert {r["col_idx"]: r["canonical_measure"] for r in out.budget} == {2: "本年收入", 3: "财政拨款收入", 4: "其他收入"}


def test_table_without_a_unit_takes_the_unit_of_the_tables_next_to_it():
    """上海 政务服务和数据管理局 file (编制单位：上海市数据局): p8 '2026年预算单位收入预算总表' prints no unit; the tables
    before and after it print '单位：元'.  Read by hand: 201 一般公共服务支出 合计 463,892,324 (元)."""
    rel = "上海/2026年上海市政务服务和数据管理局_部门预算.pdf"
    st, f = _table_facts(rel, 8, "revenue")
    assert st == "parsed"
    assert _val(f, "一般公共服务支出", "合计", "201") == D("463892324")
    assert {r["unit"] for r in f} == {"元"}
    _, parsed = _read(rel)
    assert [i["rule"] for i in parsed.issues if i["rule"].startswith("unit_")] == ["unit_inferred"]
