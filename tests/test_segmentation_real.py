"""Segmentation and two-sided summary tables on real city budgets (read in place from
../shared/real/cities, never copied).  Every expected value was read by hand off the page
(page numbers are the PDF's own, 1-based)."""
from __future__ import annotations

from decimal import Decimal as D
from functools import lru_cache
from pathlib import Path

from pipelines.blocks import Src
from pipelines.normalize import Parsed, _indicators, normalize
from pipelines.readers.pdf import read_pdf
from pipelines.registry import BY_TYPE, TITLE_PATTERNS, classify_title, vocab_rows
from pipelines.segment import Segmented, Table, declares_empty, segment

CITIES = Path(__file__).resolve().parents[1].parent / "shared" / "real" / "cities"
SZ = "深圳/2026年深圳市信访局部门预算.pdf"            # 表1…表11, no 栏次, titles numbered "表N" above the grid
FZ = "福州/2026年福州市公安局部门预算.pdf"            # 收支预算总表 without 栏次, 26 类 rows printed blank
SH = "上海/2026年上海市交通运输局_部门预算.pdf"       # 财务收支预算总表: 4 amount columns on the 支出 side, in 元
CC = "长春/2026年长春市信访局部门预算.pdf"            # titles printed inside the ruled grid ("收支总表(预算表1)")
SUZ = "苏州/2026年苏州市审计局部门预算.pdf"           # continuation page under a running page header only
FZP = FZ                                              # project tables: each title printed inside its own grid


@lru_cache(maxsize=None)
def _doc(rel: str) -> tuple[Segmented, Parsed]:
    path = CITIES / rel
    assert path.is_file(), f"{path} missing: ../shared must sit beside the checkout"
    seg = segment(read_pdf(path).blocks)
    return seg, normalize(seg)


def _summary(rel: str, table_type: str) -> dict[tuple, tuple]:
    """{(side, item, measure): (amount, parent, page)} of the one table of that type."""
    _, p = _doc(rel)
    seqs = [t["table_seq"] for t in p.tables if t["table_type"] == table_type]
    assert len(seqs) == 1, [(t["table_type"], t["title"]) for t in p.tables]
    return {(r["side"], r["subject_name"], r["measure"]): (r["amount"], r["parent_item"], r["page"])
            for r in p.budget if r["table_seq"] == seqs[0]}


def _status(rel: str, table_type: str) -> str:
    _, p = _doc(rel)
    return next(t["status"] for t in p.tables if t["table_type"] == table_type)


# ------------------------------------------------------------------ 收支总表 without a 栏次 row
def test_summary_without_lanci_shenzhen():
    """深圳 信访局 表1 收支总表, p15-16 (收入 | 支出, 项目 | 2026年预算数, continued on p16 under a repeated header)."""
    s = _summary(SZ, "income_expense_summary")
    assert s[("收入", "收入总计", "预算数")] == (D("4684.30"), None, 16)
    assert s[("支出", "支出总计", "预算数")] == (D("4684.30"), None, 16)
    assert s[("支出", "行政运行", "预算数")] == (D("1866.84"), "一般公共服务支出", 15)  # a 项 under its 类
    assert s[("收入", "一般公共预算拨款", "预算数")] == (D("4676.96"), "财政拨款", 15)
    assert s[("收入", "上年结余、结转", "预算数")] == (D("7.34"), None, 16)
    assert _status(SZ, "income_expense_summary") == "parsed"


def test_fiscal_summary_without_lanci_shenzhen():
    """表6 财政拨款收支总表, p24-25."""
    s = _summary(SZ, "fiscal_summary")
    assert s[("收入", "收入总计", "金额")] == (D("4684.30"), None, 25)
    assert s[("支出", "支出总计", "合计")] == (D("4684.30"), None, 25)
    assert s[("支出", "本年支出合计", "合计")] == (D("4684.30"), None, 25)
    assert s[("收入", "一般公共预算拨款结余、结转", "金额")] == (D("7.34"), "上年结余、结转", 25)
    assert s[("支出", "购房补贴", "合计")] == (D("553.33"), "住房保障支出", 25)


def test_summary_without_lanci_fuzhou():
    """福州 公安局 一、收支预算总表, p8: the 类 printed with blank amounts are no facts."""
    s = _summary(FZ, "income_expense_summary")
    assert s[("收入", "收入总计", "预算数")] == (D("2796.14"), None, 8)
    assert s[("支出", "支出总计", "预算数")] == (D("2796.14"), None, 8)
    assert s[("支出", "公共安全支出", "预算数")] == (D("1994.64"), None, 8)
    assert s[("收入", "一般公共预算拨款收入", "预算数")] == (D("2796.14"), None, 8)
    assert not [k for k in s if k[1] == "外交支出"]


def test_summary_four_expenditure_columns_shanghai():
    """上海 交通运输局 2026年预算单位财务收支预算总表, p7, in 元: 本年支出 / 预算数 / 合计 | 基本支出
    (人员经费 | 公用经费) | 项目支出 — a header of two rows over the 支出 side."""
    s = _summary(SH, "income_expense_summary")
    assert s[("收入", "收入总计", "预算数")] == (D("408696000"), None, 7)
    assert s[("支出", "支出总计", "预算数")] == (D("408696000"), None, 7)
    assert s[("支出", "教育支出", "基本支出/人员经费")] == (D("150119030"), None, 7)
    assert s[("支出", "教育支出", "项目支出")] == (D("72385470"), None, 7)
    assert s[("收入", "事业收入", "预算数")] == (D("50000000"), None, 7)
    _, p = _doc(SH)
    assert next(t["unit"] for t in p.tables if t["table_type"] == "income_expense_summary") == "元"
    # the published headers without a registry measure are named in a warning
    assert any(i["rule"] == "pair_header_unmapped" and "基本支出/人员经费" in i["message"] for i in p.issues)


def test_fiscal_summary_measures_by_header_shanghai():
    """p12 财政拨款收支预算总表: 合计 | 一般公共预算 | 政府性基金预算 | 国有资本经营预算."""
    s = _summary(SH, "fiscal_summary")
    assert s[("收入", "收入总计", "金额")] == (D("304413900"), None, 12)
    assert s[("支出", "教育支出", "合计")] == (D("236893390"), None, 12)
    assert s[("支出", "教育支出", "一般公共预算财政拨款")] == (D("236893390"), None, 12)


def test_titles_inside_the_grid_changchun():
    """长春 信访局: '收支总表(预算表1)' is the first row of the ruled grid, p6."""
    seg, p = _doc(CC)
    assert [t.type for t in seg.tables][:4] == ["income_expense_summary", "revenue", "expenditure", "fiscal_summary"]
    s = _summary(CC, "income_expense_summary")
    assert s[("收入", "收入总计", "预算数")] == (D("1682.76"), None, 6)
    assert s[("支出", "支出总计", "预算数")] == (D("1682.76"), None, 6)
    assert s[("支出", "一般公共服务支出", "预算数")] == (D("1378.41"), None, 6)
    # the later grids are tables of their own, not rows of the 政府性基金 table before them
    assert {"project_expenditure", "soe_expenditure", "perf_project"} <= {t.type for t in seg.tables}


def test_continuation_under_running_header_suzhou():
    """苏州 审计局 公开04表 财政拨款收支总表: p12, continued on p13 with only the running header
    '苏州市审计局 2026 年度部门预算公开' above the rows."""
    s = _summary(SUZ, "fiscal_summary")
    assert s[("支出", "住房保障支出", "合计")] == (D("1302.95"), None, 13)
    # '一、本年收入' / '一、本年支出' are the sides' current-year subtotals
    assert s[("收入", "本年收入合计", "金额")] == (D("4651.67"), None, 12)
    assert s[("支出", "本年支出合计", "合计")] == (D("4651.67"), None, 12)
    assert s[("收入", "收入总计", "金额")] == (D("4651.67"), None, 13)
    assert s[("支出", "支出总计", "合计")] == (D("4651.67"), None, 13)
    seg, _ = _doc(SUZ)
    assert "unclassified" not in [t.type for t in seg.tables]


def test_project_tables_each_under_its_own_title_fuzhou():
    """福州 公安局 1.项目支出绩效目标表, p29-30: one grid per project, its title the grid's first row
    ('民警法定工作日之外加班补贴项目绩效目标表', p30): the second project's rows are its own, not
    indicators of the first."""
    _, p = _doc(FZP)
    got = {(r["project"], r["level3"], r["target_text"], r["page"]) for r in p.targets}
    assert ("民警法定工作日之外加班补贴", "发放的民警人数", "≥64人", 30) in got
    assert ("警务辅助人员经费", "聘用人员数量", "≤10人", 29) in got
    assert len(got) == 12 and not [r for r in p.targets if r["parse_note"]]
    assert {r["project"] for r in p.projects} == {"警务辅助人员经费", "民警法定工作日之外加班补贴"}


# ------------------------------------------------------------------ a 深圳 document's tables
def test_shenzhen_table_types():
    """深圳 信访局: the eleven tables of its 表格部分 (p15-33), each once; the contents list ((一)收支总表 …)
    and the section headings (第五部分 财政拨款“三公”经费预算情况) open no table."""
    seg, p = _doc(SZ)
    assert [t.type for t in seg.tables if t.type != "unclassified"] == [
        "income_expense_summary", "revenue", "expenditure", "basic_expenditure", "project_expenditure",
        "fiscal_summary", "gpb_expenditure", "gpb_economic", "three_public", "gov_fund_expenditure",
        "soe_expenditure"]
    gf = next(t for t in seg.tables if t.type == "gov_fund_expenditure")
    assert gf.declared_empty and gf.pages == [32]  # 注：本表本年无发生额。
    assert next(t for t in seg.tables if t.type == "gpb_economic").pages == [28, 29, 30]
    # one value each from two tables
    assert _summary(SZ, "income_expense_summary")[("支出", "信访业务", "预算数")] == \
        (D("1592.29"), "一般公共服务支出", 15)
    assert _summary(SZ, "fiscal_summary")[("收入", "财政拨款", "金额")] == (D("4676.96"), None, 24)


# ------------------------------------------------------------------ vocabulary
def test_title_vocabulary_is_data():
    rows = vocab_rows("table_titles.csv")
    assert rows and all(r["first_seen"] for r in rows)
    assert {r["table_type"] for r in rows} - {"-"} <= set(BY_TYPE)
    assert len(TITLE_PATTERNS) == len(rows)
    assert classify_title("一般公共预算支出表（按经济分类）").type == "gpb_economic"
    assert classify_title("一般公共预算支出表（按功能分类）").type == "gpb_expenditure"
    assert classify_title("第五部分 财政拨款“三公”经费预算情况") is None
    assert classify_title("基本支出总表").type == "basic_expenditure"
    # 上海 商务局 单位预算05表 / 单位预算表10 (p11, p17), the table numbers beside them are no titles
    assert classify_title("2026年预算单位财政拨款支出预算表").type == "fiscal_expenditure"
    assert classify_title("2026年预算单位财政拨款项目支出预算表").type == "project_expenditure"
    assert classify_title("单位预算表10") is None and classify_title("单位预算05表") is None


def test_empty_table_wordings():
    assert all(r["first_seen"] for r in vocab_rows("empty_declarations.csv"))
    assert declares_empty("注：本表本年无发生额。", after_table=True)  # 深圳 表10, p32
    assert declares_empty("注：无政府性基金预算财政拨款预算，空表列示。", after_table=False)
    assert declares_empty("本单位无国有资本经营预算支出，故本表为空。", after_table=True)
    assert declares_empty("本表无数据", after_table=True)
    assert declares_empty("无此项支出", after_table=True)
    # a sentence of the narrative that is no declaration
    assert not declares_empty("本部门无独立核算下属单位，部门预算为本级预算。", after_table=True)
    assert not declares_empty("本表无数据", after_table=False)


# ------------------------------------------------------------------ indicator rows that cannot be placed
def test_indicator_header_without_value_column_is_not_read():
    """西安 卫生健康委员会 项目绩效自评表 (p55): the header says 年度指标值, not 指标值; the rows are
    recorded as not read (they used to raise UnboundLocalError: c1)."""
    hdr = ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
           "偏差原因分析及改进措施"]
    row = ["", "产出指标(50分)", "数量指标", "指标1:消杀覆盖区县(开发区)数量", "16个", "16个", "12.5", "12.5", ""]
    t = Table(1, BY_TYPE["perf_project"], "西安市级2022年病媒生物防制项目绩效自评表", Src(page=55))
    out = Parsed()
    _indicators(out, t, [row], [[Src(page=55, row=1, col=j) for j in range(len(row))]], 1, hdr,
                "2022年病媒生物防制", "project")
    assert out.targets == []
    assert [(i["rule"], i["page"]) for i in out.issues] == [("indicator_row_unparsed", 55)]
    assert "指标值" in out.issues[0]["message"] and "16个" in out.issues[0]["message"]


# ------------------------------------------------------------------ the national 决算 template (reader + layout)
XA = "西安/卫生健康委员会_2026年部门预算.pdf"  # a 2022 决算 under a budget's file name; tables p146-161


def test_final_summary_with_row_numbers_xian():
    """西安 卫生健康委员会 公开01表 收入支出决算总表, p146: 项目 | 行次 | 决算数 on each side and a
    '栏次 | | 1 | 栏次 | | 2' row.  The page's rules defeat camelot's vector engine (no table), the
    reader reads it again with the combined engine; the 行次 columns are no amounts."""
    r = read_pdf(CITIES / XA)
    p146 = next(p for p in r.pages if p.number == 146)
    assert (p146.engine, p146.tables) == ("combined", 1)
    seg = segment(r.blocks)
    p = normalize(seg)
    seq = next(t["table_seq"] for t in p.tables if t["table_type"] == "final_summary" and t["first_page"] == 146)
    got = {(x["side"], x["subject_name"], x["measure"]): (x["amount"], x["parent_item"], x["page"])
           for x in p.budget if x["table_seq"] == seq}
    assert got[("收入", "收入总计", "决算数")] == (D("2480372.70"), None, 146)
    assert got[("支出", "支出总计", "决算数")] == (D("2480372.70"), None, 146)
    assert got[("支出", "本年支出合计", "决算数")] == (D("2074962.01"), None, 146)
    assert got[("支出", "卫生健康支出", "决算数")] == (D("1474833.23"), None, 146)
    assert not [k for k in got if k[1].isdigit()]  # no 行次 number read as an item or an amount
    fs = next(t["table_seq"] for t in p.tables if t["table_type"] == "final_fiscal_summary")
    got = {(x["side"], x["subject_name"], x["parent_item"], x["measure"]): x["amount"]
           for x in p.budget if x["table_seq"] == fs}
    # p153 公开04表: 年初结转和结余 58,926.37, under it 政府性基金预算财政拨款 58,830.98
    assert got[("收入", "年初结转和结余", None, "决算数")] == D("58926.37")
    assert got[("收入", "政府性基金预算财政拨款", "年初结转和结余", "决算数")] == D("58830.98")
    assert got[("支出", "本年支出合计", None, "政府性基金预算财政拨款")] == D("568051.63")


def test_title_spellings_fuzhou_shanghai():
    """Title spellings of other templates: 福州 '2026年度一般公共预算支出经济分类情况表' (p17),
    '…政府性基金预算拨款支出预算表' (拨款 without 财政, p14, declared empty by '备注：本单位 2026 年没有
    使用政府性基金预算拨款安排的支出。'); 上海 '2026年预算单位一般公共预算支出功能分类预算表' (p13) and
    the table numbers '单位预算05表' beside them."""
    seg, p = _doc(FZ)
    assert [t.type for t in seg.tables if t.type != "unclassified"] == [
        "income_expense_summary", "revenue", "expenditure", "fiscal_summary", "gpb_expenditure",
        "gov_fund_expenditure", "soe_expenditure", "gpb_economic", "gpb_basic", "three_public",
        "perf_project", "perf_project"]
    assert next(t for t in seg.tables if t.type == "gov_fund_expenditure").declared_empty
    econ = next(t["table_seq"] for t in p.tables if t["table_type"] == "gpb_economic")
    got = {(r["subject_code"], r["measure"]): (r["amount"], r["page"]) for r in p.budget if r["table_seq"] == econ}
    assert got[("302", "合计")] == (D("441.22"), 17)
    seg, _ = _doc(SH)
    assert [t.type for t in seg.tables] == [
        "income_expense_summary", "revenue", "expenditure", "fiscal_summary", "gpb_expenditure",
        "gov_fund_expenditure", "soe_expenditure", "gpb_basic", "three_public"]
    assert next(t for t in seg.tables if t.type == "gpb_expenditure").pages == [13, 14]


def test_split_codes_are_read_as_one_code_shanghai():
    """上海 交通运输局 p13 一般公共预算支出功能分类预算表 prints codes over 类 | 款 | 项 cells
    ('205' '03' '' '职业教育'): read as the 款 20503, never as 类 205 named '03'."""
    _, p = _doc(SH)
    t = next(t for t in p.tables if t["table_type"] == "gpb_expenditure")
    assert t["status"] == "parsed"
    facts = [r for r in p.budget if r["table_seq"] == t["table_seq"]]
    assert not [r for r in facts if r["subject_name"] in ("03", "01")]
    row = {r["measure"]: r["amount"] for r in facts if r["subject_code"] == "20503" and r["page"] == 13}
    assert row == {"合计": D("236893390"), "基本支出": D("215477090"), "项目支出": D("21416300")}


def test_a_grid_printed_without_figures_is_read_as_empty():
    """上海 审计局 p15 '2026年预算单位政府性基金预算支出功能分类预算表' prints its header and a blank 合计 line
    and no figure (no 空表 declaration): the table is printed_empty, not 'not read'."""
    seg, p = _doc("上海/2026年上海市审计局_部门预算.pdf")
    t = next(t for t in p.tables if t["table_type"] == "gov_fund_expenditure")
    assert (t["status"], t["first_page"]) == ("printed_empty", 15)
    assert [i["rule"] for i in p.issues if i["table_seq"] == t["table_seq"]] == ["printed_empty"]


def test_a_missed_grid_with_digits_is_never_printed_empty():
    """The same shape with a figure among the loose lines (a grid the reader missed) stays not read."""
    from pipelines.blocks import Block

    def line(text):
        return Block("text", [text], [Src(page=3, line=1)])

    blocks = [line("一般公共预算财政拨款支出表"), line("单位:万元"), line("科目编码"), line("合计"), line("1,234.56")]
    seg = segment(blocks)
    assert len(seg.tables) == 1 and not seg.tables[0].printed_empty
    seg = segment(blocks[:-1])
    assert seg.tables[0].printed_empty
