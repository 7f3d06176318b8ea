"""Every check rule, broken on purpose, fires; on consistent documents nothing fires.

Each mutant is a copy of a seed text export with one published cell changed
(line numbers are the seed file's own).  All mutants are loaded into one
warehouse by the real refresh; each must show its rule among its findings.
"""
from __future__ import annotations

from decimal import Decimal as D

import duckdb
import pytest

from pipelines.checks import load_rules

# name: (seed, [(line, old cell, new cell)], rule that must fire)
P, H = "001", "000"
# rules that no edit of one document can break: each is made to fire by the test named here
TESTED_ELSEWHERE = {
    "version_order_undecided": "tests/test_publications.py::test_equal_dates_keep_both_versions_with_a_finding",
    # the narrative's claims about its own figures and the text rules: planted into forged documents whose
    # narrative makes every such claim (tests/test_known_answers.py, pipelines/plant.py)
    **{r: "tests/test_known_answers.py::test_planted_discrepancy_is_found_by_its_rule" for r in (
        "narrative_rate", "narrative_share", "narrative_change", "narrative_direction", "text_year", "text_department_name",
        "toc_table_missing")},
    "ocr_low_confidence": "tests/test_ocr.py::test_low_confidence_rule_fires_below_the_floor_only",
}
MUTANTS = {
    "kuan_xiang": (P, [(794, "1325.51", "1325.00")], "rollup_kuan_xiang"),
    "lei_kuan": (P, [(784, "11230.07", "11230.00")], "rollup_lei_kuan"),
    "total_lei": (P, [(774, "15415.77", "15415.00")], "rollup_total_lei"),
    "row_components": (P, [(805, "1160.54", "1160.00")], "row_components"),
    "summary_balance": (P, [(218, "15415.77", "15416.77")], "summary_balance"),
    "summary_items": (P, [(68, "11230.07", "11200.07")], "summary_items_sum"),
    "summary_grand": (P, [(210, "7.79", "7.00")], "summary_grand_total"),
    "cross_fiscal": (P, [(1207, "11230.07", "11000.07")], "cross_fiscal_gpb_lei"),
    "cross_basic": (P, [(1754, "1594.59", "1590.59")], "cross_basic_vs_gpb"),
    "cross_rev_fiscal": (P, [(265, "15407.98", "15400.98")], "cross_revenue_vs_fiscal"),
    "cross_summary_rev": (P, [(216, "15415.77", "15400.77")], "cross_summary_revenue_total"),
    "cross_summary_exp": (P, [(206, "15415.77", "15410.77")], "cross_summary_expenditure_total"),
    "cross_summary_lei": (P, [(68, "11230.07", "11200.07")], "cross_summary_expenditure_lei"),
    "cross_rev_exp": (P, [(305, "1163.09", "1163.00")], "cross_revenue_vs_expenditure"),
    "narrative": (P, [(2075, "人员经费1526.48万元", "人员经费1500.48万元")], "narrative_vs_table"),
    "narrative_unit": (P, [(2075, "人员经费1526.48万元", "人员经费1526.48元")], "narrative_unit"),
    # 0.01 off a narrative figure published to 2 decimals: a rounding difference, recorded as a note
    "narrative_rounding": (P, [(2075, "人员经费1526.48万元", "人员经费1526.49万元")], "narrative_vs_table"),
    "placeholder": (P, [(2073, "二、部门预算安排的总体情况", "二、XX局部门预算安排的总体情况")], "text_placeholder"),
    "completeness": (P, [(2002, "部门预算财政拨款“三公”经费支出表", "部门预算财政拨款经费支出说明")],
                     "completeness_mandatory_table"),
    "unclassified": (P, [(2002, "部门预算财政拨款“三公”经费支出表", "部门预算财政拨款经费支出说明")],
                     "parse_warning"),
    "families": (P, [(2172, "满意度指标", "效益指标"), (2173, "服务对象满意度指标", "社会效益指标")],
                 "perf_indicator_families"),
    "target_parse": (P, [(2127, "6812人", "")], "perf_target_parse"),
    "code_shape": (P, [(1766, "30101", "3010101")], "dim_code_shape"),
    "parent": (P, [(802, "2080101", "2089901")], "dim_parent_present"),
    "one_name": (P, [(803, "行政运行", "行政运行费")], "dim_one_name_per_code"),
    "dictionary_name": (P, [(1767, "基本工资", "基础工资")], "dim_name_matches_dictionary"),
    "header": (P, [(1473, "项目支出", "其他")], "parse_error"),
    "unit_block": (H, [(11, "56.7", "50.7")], "unit_block_sum"),
    "project_funding": (H, [(32, "130", "120")], "project_funding_sum"),
}
# the document made consistent: its three published discrepancies corrected
CONSISTENT_PINGXIANG = [
    (2075, "部门全年预算数15385.49万元", "部门全年预算数15415.77万元"),
    (2077, "办公费16.4万元", "办公费15.45万元"),
    (4762, "", "57.61"),
]


def _apply(text: str, edits, tag: str) -> str:
    lines = text.split("\n")
    for n, old, new in edits:
        line = lines[n - 1]
        cell = line[1:] if line.startswith("\t") else line
        if line.startswith("\t") and cell == old:
            lines[n - 1] = "\t" + new
        else:
            assert old and old in line, f"line {n} of the seed does not hold {old!r}: {line[:60]!r}"
            lines[n - 1] = line.replace(old, new, 1)
    return "\n".join(lines) + f"\n\n{tag}\n"  # a trailing narrative line keeps every file's bytes distinct


@pytest.fixture(scope="module")
def mutant_warehouse(tmp_path_factory, pingxiang, hezheng):
    from pipelines.refresh import refresh

    seeds = {P: pingxiang.read_text(encoding="utf-8"), H: hezheng.read_text(encoding="utf-8")}
    raw = tmp_path_factory.mktemp("mutants")
    names = {}
    for name, (s, edits, _) in MUTANTS.items():
        text = _apply(seeds[s], edits, f"mutant {name}")
        if name == "one_name":  # another year, so the renamed code does not meet the other mutants' names
            text = text.replace("预算年度：2022", "预算年度：2023")
        (raw / f"{name}.txt").write_text(text, encoding="utf-8")
        names[name] = raw / f"{name}.txt"
    (raw / "consistent.txt").write_text(_apply(seeds[P], CONSISTENT_PINGXIANG, "consistent"), encoding="utf-8")
    wh = tmp_path_factory.mktemp("mwh") / "budget.duckdb"
    refresh(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    ids = dict(con.execute("SELECT regexp_extract(source_path, '([a-z_]+)\\.txt$', 1), document_id "
                           "FROM core.dim_document").fetchall())
    yield con, ids
    con.close()


def _fired(con, doc_id) -> set[str]:
    return {r[0] for r in con.execute("SELECT DISTINCT rule FROM dq.findings WHERE document_id = ?", [doc_id]).fetchall()}


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_broken_rule_fires(mutant_warehouse, name):
    con, ids = mutant_warehouse
    assert name in ids, f"mutant {name} was not loaded"
    rule = MUTANTS[name][2]
    assert rule in _fired(con, ids[name]), f"{rule} did not fire on mutant {name}"


def test_every_rule_has_a_mutant():
    from test_final_accounts import FINAL_PLANTS

    tested = {m[2] for m in MUTANTS.values()} | {p[1] for p in FINAL_PLANTS.values()} | set(TESTED_ELSEWHERE)
    assert set(load_rules()) - tested == set()


def test_consistent_document_raises_no_finding(mutant_warehouse):
    con, ids = mutant_warehouse
    assert _fired(con, ids["consistent"]) == set()
    assert con.execute("SELECT dq_status FROM marts.documents WHERE document_id = ?",
                       [ids["consistent"]]).fetchone() == ("pass",)


def test_finding_carries_expected_actual_and_cells(mutant_warehouse):
    con, ids = mutant_warehouse
    row = con.execute("SELECT expected, actual, difference, cells FROM dq.findings WHERE document_id = ? "
                      "AND rule = 'rollup_kuan_xiang' AND measure = '合计'", [ids["kuan_xiang"]]).fetchone()
    # 20801 合计 changed to 1325.00; its 项 rows still add up to 1325.51
    assert row[:3] == (D("1325.00"), D("1325.51"), D("0.51"))
    assert "L794" in row[3]


def test_rounding_is_tolerated_but_nothing_more(mutant_warehouse):
    """0.01 off on a figure published to 2 decimals is beyond rounding of one figure but a sum of several
    rounded figures may be off by n×0.005: tolerance follows the published precision."""
    con, ids = mutant_warehouse
    tol = con.execute("SELECT tolerance FROM dq.findings WHERE document_id = ? AND rule = 'row_components'",
                      [ids["row_components"]]).fetchall()
    assert tol and all(t[0] <= D("0.015") for t in tol)


def test_narrative_rounding_difference_is_a_note(mutant_warehouse):
    """GovBudgetChecker's practice: a narrative figure off by at most 0.01 beyond its published precision is a
    note (not a warning, not in dq_status); 10.00 off is a warning."""
    con, ids = mutant_warehouse
    rows = con.execute("SELECT severity, expected, actual, message FROM dq.findings WHERE document_id = ? "
                       "AND rule = 'narrative_vs_table' AND subject LIKE '人员经费%'", [ids["narrative_rounding"]]).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("note", D("1526.49"), D("1526.48"))]
    assert rows[0][3].startswith("rounding difference")
    assert con.execute("SELECT severity FROM dq.findings WHERE document_id = ? AND rule = 'narrative_vs_table' "
                       "AND subject LIKE '人员经费%'", [ids["narrative"]]).fetchall() == [("warn",)]


def test_findings_rows_follow_the_columns_of_dq_findings(con):
    """run_checks inserts each finding as a row in FINDING_COLUMNS' order into a table of dq.findings' columns (by
    position): the two orders must stay the same."""
    from pipelines.checks import FINDING_COLUMNS

    assert [r[0] for r in con.execute("DESCRIBE dq.findings").fetchall()] == FINDING_COLUMNS
