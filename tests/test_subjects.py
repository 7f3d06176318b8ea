"""The subject dictionary (vocab/subjects.csv): names read by hand off the documents, the code resolution of
name-only and own-level rows, and the finding on a code printed with another name.

The name-only rows are the real 基本支出总表 of 2026年深圳市生态环境局部门预算 (../shared/real/cities/深圳, PDF
pages 124 and 127, printed page 121 and 124): economic subjects printed by name under each unit, no code. The
parser does not hand that table over yet, so the test stages its rows as the normaliser hands name-only rows
(subject_level 'uncoded', see pipelines/normalize.py _row_subject) and builds a warehouse from them with the
real build (load SQL, checks, marts). The misprinted names are the real 一般公共预算基本支出表 of
2026年长春市信访局部门预算 (../shared/real/cities/长春, page 11): '30208 物业管理费' (30208 is 取暖费, printed on
the line above it) and '30213 维护（护）费'. The own-level rows ('05' under 208) are constructed: no document
in ../shared prints them."""
from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import subjects as S

ROOT = Path(__file__).resolve().parents[1]
CITIES = ROOT.parent / "shared" / "real" / "cities"


def _dict_rows(cls: str, code: str) -> list[dict]:
    return [r for r in S.read_csv() if r["classification"] == cls and r["code"] == code]


def _preferred(cls: str, code: str) -> str:
    names = [r["name"] for r in _dict_rows(cls, code) if r["status"] == "preferred"]
    assert len(names) == 1, (code, names)
    return names[0]


# ---------------------------------------------------------------- the shipped dictionary

def test_dictionary_names_codes_read_by_hand():
    # seeds/001 支出总表 row 4: 2080101 行政运行; 江苏省人大办公厅2017年度预算公开.pdf p.13: 30101 基本工资;
    # 2026年苏州市交通运输局部门预算.pdf p.14: 2140112 公路运输管理; 长春市信访局 p.11: 30213 维修（护）费 elsewhere
    assert _preferred("function", "2080101") == "行政运行"
    assert _preferred("economic", "30101") == "基本工资"
    assert _preferred("function", "2140112") == "公路运输管理"
    assert _preferred("function", "208") == "社会保障和就业支出"
    assert _preferred("economic", "30213") == "维修(护)费"
    row = _dict_rows("function", "2080101")[0]
    assert (row["level"], row["parent_code"], row["scheme"]) == ("项", "20801", "function")
    row = _dict_rows("economic", "30101")[0]
    assert (row["level"], row["parent_code"], row["first_seen"]) == (
        "款", "301", "real/jiangsu/江苏省人大办公厅/江苏省人大办公厅2017年度预算公开.pdf p.13")


def test_dictionary_keeps_names_by_year():
    # 30311 is 住房公积金 in the 2017 Jiangsu tables (江苏省人大办公厅2017年度预算公开.pdf p.14) and
    # 代缴社会保险费 in the 2026 Shenzhen ones: two names in different years are no conflict
    rows = {r["name"]: r for r in _dict_rows("economic", "30311")}
    assert (rows["住房公积金"]["first_year"], rows["住房公积金"]["last_year"]) == ("2017", "2017")
    assert rows["代缴社会保险费"]["first_year"] == "2026"
    assert {r["conflict"] for r in rows.values()} == {"false"}


def test_dictionary_marks_a_conflict_and_keeps_both_names():
    # 长春市信访局 2026 p.11 prints 30208 twice: 取暖费 23.37 and 物业管理费 36.18 (物业管理费 is 30209)
    rows = {r["name"]: r for r in _dict_rows("economic", "30208")}
    assert set(rows) == {"取暖费", "物业管理费"}
    assert rows["取暖费"]["status"] == "preferred" and rows["物业管理费"]["status"] == "variant"
    assert rows["取暖费"]["conflict"] == rows["物业管理费"]["conflict"] == "true"
    assert rows["物业管理费"]["first_seen"] == "real/cities/长春/2026年长春市信访局部门预算.pdf p.11"
    assert _preferred("economic", "30209") == "物业管理费"


def test_name_key_folds_width_brackets_and_level_suffix():
    assert S.name_key("维护（护）费") == S.name_key("维护(护)费") == "维护护费"
    assert S.name_key("一般公共服务支出（类）") == S.name_key("一般公共服务支出")
    assert S.printed_form("其中：基本工资") == "基本工资"
    assert S.name_key("维修(护)费") != S.name_key("维护(护)费")


def test_pairs_from_row_layouts():
    assert S.pairs_from_row([0, 1, 2], ["2140112", "公路运输管理", "120.00"]) == ("2140112", "公路运输管理")
    assert S.pairs_from_row([0, 1], ["30101基本工资", "639.95"]) == ("30101", "基本工资")
    assert S.pairs_from_row([0, 1, 2, 3, 4], ["214", "01", "12", "公路运输管理", "1.00"]) == ("2140112", "公路运输管理")
    assert S.pairs_from_row([0, 1], ["合计", "7,666.68"]) is None
    assert S.pairs_from_row([0, 1, 2], ["123", "4,56", "7.00"]) is None


# ---------------------------------------------------------------- resolution and the finding, through a build

SHENZHEN = "2026年深圳市生态环境局部门预算.pdf"
# (page, printed name, 总计 as printed) in the order printed; the code the dictionary gives (None: a unit's name)
SHENZHEN_ROWS = [
    (124, "深圳市生态环境局（本级）", "8,357.40", None),
    (124, "工资福利支出", "6,192.08", "301"),
    (124, "基本工资", "894.05", "30101"),
    (124, "津贴补贴", "2,925.00", "30102"),
    (124, "奖金", "623.61", "30103"),
    (124, "机关事业单位基本养老保险缴费", "456.30", "30108"),
    (124, "职业年金缴费", "228.15", "30109"),
    (124, "职工基本医疗保险缴费", "187.20", "30110"),
    (124, "其他社会保障缴费", "5.85", "30112"),   # 30104 in 2017: the year decides
    (124, "住房公积金", "492.90", "30113"),       # 30311 in 2017, function 2210201: classification and year
    (124, "其他工资福利支出", "379.02", "30199"),
    (124, "商品和服务支出", "1,387.62", "302"),
    (124, "办公费", "38.32", "30201"),
    (127, "对个人和家庭的补助", "142.08", "303"),
    (127, "退休费", "142.08", "30302"),
    (127, "资本性支出", "1.00", "310"),
    (127, "办公设备购置", "1.00", "31002"),       # 30902 under 309: the parent row decides
    (127, "广东省深圳生态环境监测中心站", "6,410.19", None),
    (127, "工资福利支出", "4,941.41", "301"),
    (127, "基本工资", "782.45", "30101"),
]
# 长春市信访局 p.11 (一般公共预算基本支出表, 合计 column)
CHANGCHUN = [("302", "商品和服务支出", "211.00"), ("30201", "办公费", "34.82"), ("30208", "取暖费", "23.37"),
             ("30208", "物业管理费", "36.18"), ("30213", "维护（护）费", "12.61")]
# constructed: own-level codes under a printed 类 (the level given, or left to the context and the dictionary)
OWN_LEVEL = [("208", "社会保障和就业支出", "类", "100.00", "208", "printed"),
             ("05", "行政事业单位养老支出", "款", "100.00", "20805", "dictionary"),
             ("05", "机关事业单位基本养老保险缴费支出", "项", "60.00", "2080505", "dictionary"),
             ("06", "机关事业单位职业年金缴费支出", None, "40.00", "2080506", "dictionary"),
             ("07", "对机关事业单位基本养老保险基金的补助", "项", "0.00", "2080507", "dictionary"),
             ("09", "某某新增项目支出", "项", "0.00", "2080509", "context")]


def test_shenzhen_rows_are_printed_as_staged():
    """The staged rows are the document's: each name and figure is on its page (the PDF's text layer, pdfium)."""
    import re

    import pypdfium2 as pdfium

    path = CITIES / "深圳" / SHENZHEN
    pdf = pdfium.PdfDocument(str(path))
    try:
        texts = {p: re.sub(r"\s+", "", pdf[p - 1].get_textpage().get_text_range())
                 for p in {r[0] for r in SHENZHEN_ROWS}}
    finally:
        pdf.close()
    for page, name, amount, _ in SHENZHEN_ROWS:
        # a name wrapped over two lines (机关事业单位基本养老保 / 险缴费) is checked by its first line
        assert name[:11] in texts[page] and amount in texts[page], (page, name, amount)


def _stage(root: Path) -> Path:
    doc = "5e1ec7ab1e000001"
    d = root / f"{doc}-v1+test"
    d.mkdir(parents=True)
    (d / "document.json").write_text(json.dumps({
        "document_id": doc, "source_path": "subjects-test.txt", "sha256": doc * 4, "bytes": 1, "file_type": "text",
        "parser_version": "1+test", "status": "loaded", "department": "测试部门", "fiscal_year": 2026,
        "phase": "budget", "region_code": "440300", "county": "深圳市", "region_level": "prefecture",
        "province": "广东省", "prefecture": "深圳市", "unit": "万元", "n_tables": 3}, ensure_ascii=False))
    tables, budget = [], []

    def row(seq, tt, cls, code, name, level, amount, i, page):
        budget.append({"table_seq": seq, "table_type": tt, "classification": cls, "subject_code": code,
                       "subject_name": name, "subject_level": level, "measure": "合计",
                       "amount": D(amount.replace(",", "")), "amount_text": amount, "decimals": 2, "unit": "万元",
                       "row_idx": i, "col_idx": 2, "page": page, "line": None, "src_ref": f"r{i}"})

    tables.append((1, "gpb_basic", "基本支出总表", "124,127"))
    for i, (page, name, amount, _) in enumerate(SHENZHEN_ROWS, start=3):
        row(1, "gpb_basic", "economic", None, name, "uncoded", amount, i, page)
    tables.append((2, "gpb_basic", "一般公共预算基本支出表", "11"))
    for i, (code, name, amount) in enumerate(CHANGCHUN, start=3):
        row(2, "gpb_basic", "economic", code, name, {3: "类", 5: "款"}[len(code)], amount, i, 11)
    tables.append((3, "gpb_expenditure", "一般公共预算支出表", "1"))
    for i, (code, name, level, amount, _, _) in enumerate(OWN_LEVEL, start=3):
        row(3, "gpb_expenditure", "function", code, name, level, amount, i, 1)
    pl.DataFrame([{"table_seq": s, "table_type": t, "kind": "subject", "title": title,
                   "first_page": int(p.split(",")[0]),
                   "pages": p, "line": None, "n_rows": 10, "declared_empty": False, "unit": "万元", "status": "parsed",
                   "document_id": doc} for s, t, title, p in tables]).write_parquet(d / "tables.parquet")
    pl.DataFrame([{**b, "document_id": doc} for b in budget],
                 schema_overrides={"amount": pl.Decimal(20, 6), "page": pl.Int64, "line": pl.Int64,
                                   "subject_code": pl.Utf8}).write_parquet(d / "budget.parquet")
    return d


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from pipelines.warehouse import build

    root = tmp_path_factory.mktemp("subjects")
    staged = _stage(root / "staging")
    wh = root / "budget.duckdb"
    build([staged], wh)
    _BUILT["path"] = wh
    con = duckdb.connect(str(wh), read_only=True)
    yield con
    con.close()


_BUILT: dict = {}


def _lines(con, seq):
    return con.execute("SELECT row_idx, subject_code, subject_name, subject_code_resolved, code_source "
                       "FROM marts.budget_lines_all WHERE table_seq = ? ORDER BY row_idx", [seq]).fetchall()


def test_name_only_rows_resolved_through_the_dictionary(built):
    got = _lines(built, 1)
    assert [(r[2], r[3]) for r in got] == [(n, c) for _, n, _, c in SHENZHEN_ROWS]
    assert {r[1] for r in got} == {None}  # what was printed stays: no code
    assert {r[4] for r in got if r[3]} == {"dictionary"}
    assert {r[4] for r in got if not r[3]} == {None}
    note = built.execute("SELECT resolution_note FROM core.subject_resolution WHERE subject_name = '办公设备购置'"
                         ).fetchone()[0]
    assert note == "name resolved under its parent row"
    # the resolved codes are named in core.dim_subject
    assert built.execute("SELECT subject_name, name_source FROM core.dim_subject WHERE classification = 'economic' "
                         "AND subject_code = '31002' AND fiscal_year = 2026").fetchone() == ("办公设备购置", "dictionary")


def test_own_level_rows_completed_from_the_parent_row(built):
    got = _lines(built, 3)
    assert [(r[1], r[3], r[4]) for r in got] == [(c, res, src) for c, _, _, _, res, src in OWN_LEVEL]
    note = built.execute("SELECT resolution_note FROM core.subject_resolution WHERE subject_code = '09'").fetchone()[0]
    assert note == "own-level code completed from the parent row; code not in the dictionary"
    # a completed own-level code is well formed and is judged by its completed code ('05' twice is no conflict);
    # the one code printed under two names is 长春's 30208
    assert built.execute("SELECT count(*) FROM dq.findings WHERE rule = 'dim_code_shape'").fetchone() == (0,)
    assert built.execute("SELECT evaluated FROM dq.rule_results WHERE rule = 'dim_code_shape'").fetchone()[0] == \
        len(CHANGCHUN) + len(OWN_LEVEL)
    assert built.execute("SELECT subject FROM dq.findings WHERE rule = 'dim_one_name_per_code'").fetchall() == \
        [("30208",)]


def test_printed_name_that_disagrees_with_the_dictionary_is_a_finding(built):
    got = built.execute("SELECT subject, page, message FROM dq.findings WHERE rule = 'dim_name_matches_dictionary' "
                        "ORDER BY subject").fetchall()
    assert [(s, p) for s, p, _ in got] == [("30208 物业管理费", 11), ("30213 维护(护)费", 11)]
    assert got[0][2] == "code 30208 is printed as 物业管理费; the subject dictionary names it 取暖费"
    # the rows printed with the dictionary's own names raise nothing; the resolved rows are not judged
    evaluated = built.execute("SELECT evaluated, failed FROM dq.rule_results "
                              "WHERE rule = 'dim_name_matches_dictionary'").fetchone()
    assert evaluated == (len(CHANGCHUN) + 1, 2)  # 长春's pairs and the printed 208; own-level codes are no pairs


def test_pure_resolver_needs_a_unique_name_under_the_parent():
    d = S._Dictionary(S.read_csv())
    # 行政运行 is the 01 项 of many 款: without a parent row it stays unresolved, under 20801 it is 2080101
    alone = S.resolve_table([(1, "function", None, "行政运行", "uncoded", 2026)], d)
    assert alone[0][3] is None and alone[0][5].startswith("name matches")
    under = S.resolve_table([(1, "function", "20801", "人力资源和社会保障管理事务", "款", 2026),
                             (2, "function", None, "行政运行", "uncoded", 2026)], d)
    assert under[1][3:5] == ("2080101", "dictionary")


def test_subjects_command_rebuilds_the_dictionary_from_a_warehouse(built, tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    out = tmp_path / "subjects.csv"
    res = CliRunner().invoke(app, ["subjects", "--warehouse", str(_BUILT["path"]), "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = {(r["code"], r["name"]): r for r in S.read_csv(out)}
    # the printed pairs only (the name-only and own-level rows print no code + name pair)
    assert set(rows) == {(c, S.printed_form(n)) for c, n, _ in CHANGCHUN} | {("208", "社会保障和就业支出")}
    assert rows[("30208", "取暖费")]["conflict"] == rows[("30208", "物业管理费")]["conflict"] == "true"
    assert {rows[("30208", n)]["status"] for n in ("取暖费", "物业管理费")} == {"preferred", "variant"}
    assert rows[("302", "商品和服务支出")]["first_seen"] == "subjects-test.txt p.11"
    assert rows[("302", "商品和服务支出")]["n_documents"] == "1"


def test_pure_resolver_does_not_cross_a_parent_row():
    d = S._Dictionary(S.read_csv())
    # 退休费 is 30302 (under 303): unique, so resolved with no parent row above it, but not under 301
    assert S.resolve_table([(1, "economic", None, "退休费", "uncoded", 2026)], d)[0][3:5] == ("30302", "dictionary")
    under_301 = S.resolve_table([(1, "economic", "301", "工资福利支出", "类", 2026),
                                 (2, "economic", None, "退休费", "uncoded", 2026)], d)
    assert under_301[1][3] is None


def test_each_distinct_printed_row_is_parsed_once_and_sighted_in_every_document():
    """Two documents print the same 长春市信访局 p.11 rows (一般公共预算基本支出表: '30201 办公费 34.82', '30208 取暖费
    23.37'; the second document's amounts and its remark column constructed). A row's cells are cut after its first
    name, so each code + name row is one distinct row whatever its amounts and remarks: parsed once, sighted in both
    documents on their own pages; the total row and a row whose name cell is blank give no pair."""
    from pipelines.config import SQL_DIR
    from pipelines.sqlfiles import register_frame, run_sql_file, sql_text

    con = duckdb.connect()
    for f in sorted((SQL_DIR / "ddl").glob("*.sql")):
        run_sql_file(con, f)
    register_frame(con, "docs", pl.DataFrame({"document_id": ["a" * 16, "b" * 16], "source_path": ["a.pdf", "b.pdf"],
                                              "sha256": ["a" * 64, "b" * 64], "fiscal_year": [2026, 2026]}))
    con.execute("INSERT INTO core.dim_document BY NAME SELECT * FROM docs")
    register_frame(con, "tabs", pl.DataFrame({"document_id": ["a" * 16, "b" * 16], "table_seq": [7, 3],
                                              "table_type": ["gpb_basic", "gpb_basic"]}))
    con.execute("INSERT INTO core.dim_table BY NAME SELECT * FROM tabs")
    cells = []  # (document, table, row, [cells]), page
    for doc, seq, page, rows in (("a" * 16, 7, 11, [["合计", "7,666.68"], ["30201", "办公费", "34.82"],
                                                      ["30208", "取暖费", "23.37"]]),
                                 ("b" * 16, 3, 40, [["30201", "办公费", "10.00", "含印刷费"],
                                                    ["30208", "取暖费", "5.00"], ["30213", "", "1.00", "说明"]])):
        for r, texts in enumerate(rows):
            cells += [(doc, seq, r, c, t, page) for c, t in enumerate(texts)]
    register_frame(con, "cells", pl.DataFrame(cells, orient="row", schema=["document_id", "table_seq", "row_idx",
                                                                           "col_idx", "text", "page"]))
    con.execute("INSERT INTO core.fact_table_cell BY NAME SELECT * FROM cells")
    con.execute(sql_text("loaded_all.sql", "subjects"))
    got = S.sighting_frame(con).sort("document_id", "code")
    assert got.select("document_id", "classification", "code", "name", "page").rows() == [
        ("a" * 16, "economic", "30201", "办公费", 11), ("a" * 16, "economic", "30208", "取暖费", 11),
        ("b" * 16, "economic", "30201", "办公费", 40), ("b" * 16, "economic", "30208", "取暖费", 40)]
    # parsed: 合计 7,666.68 | 30201 办公费 | 30208 取暖费 | 30213 1.00 说明 (whole: its first CJK cell is the last)
    assert sorted(con.execute("SELECT texts FROM cell_row_text").fetchall()) == [
        (["30201", "办公费"],), (["30208", "取暖费"],), (["30213", "1.00", "说明"],), (["合计"],)]
