"""Values read off the seed documents by hand, asserted through the analyst marts."""
from decimal import Decimal as D


def one(con, sql, params=None):
    rows = con.execute(sql, params or []).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_documents_metadata_from_headings(con):
    rows = con.execute("SELECT county, region_code, department, department_code, fiscal_year, phase "
                       "FROM marts.documents ORDER BY region_code").fetchall()
    assert rows == [
        ("平乡县", "130532", "平乡县人力资源和社会保障局", "316", 2022, "budget"),
        ("和政县", "622925", "和政县人力资源和社会保障局", "111001", 2024, "budget"),
    ]


def test_pingxiang_expenditure_row(con):
    # 部门预算支出总表, row 4: 2080101 行政运行 1163.09 = 1160.54 + 2.55
    rows = dict(con.execute(
        "SELECT measure, amount_wan FROM marts.budget_lines_all WHERE county = '平乡县' "
        "AND table_type = 'expenditure' AND subject_code = '2080101'").fetchall())
    assert rows == {"合计": D("1163.09"), "基本支出": D("1160.54"), "项目支出": D("2.55")}
    assert rows["基本支出"] + rows["项目支出"] == rows["合计"]


def test_pingxiang_subject_dimension(con):
    assert one(con, "SELECT subject_name, level, parent_code FROM core.dim_subject "
                    "WHERE classification = 'function' AND subject_code = '2080101'") == ("行政运行", "项", "20801")
    assert one(con, "SELECT subject_name, level FROM core.dim_subject "
                    "WHERE classification = 'economic' AND subject_code = '30239'") == ("其他交通费用", "款")


def test_pingxiang_every_table(con):
    got = dict(con.execute("SELECT t.table_type, count(*) FROM core.dim_table t JOIN core.dim_document d "
                           "USING (document_id) WHERE d.county = '平乡县' GROUP BY 1").fetchall())
    assert got == {"income_expense_summary": 1, "revenue": 1, "expenditure": 1, "fiscal_summary": 1,
                   "gpb_expenditure": 1, "gpb_basic": 1, "gov_fund_expenditure": 1, "soe_expenditure": 1,
                   "three_public": 1, "org_units": 1, "perf_project": 35, "procurement": 1, "fixed_assets": 1}
    empty = {r[0] for r in con.execute(
        "SELECT table_type FROM core.dim_table JOIN core.dim_document USING (document_id) "
        "WHERE county = '平乡县' AND declared_empty").fetchall()}
    assert empty == {"gov_fund_expenditure", "soe_expenditure", "three_public", "procurement"}


def test_pingxiang_summary_and_basic_tables(con):
    assert one(con, "SELECT amount_wan FROM marts.budget_lines_all WHERE county='平乡县' "
                    "AND table_type='income_expense_summary' AND subject_name='收入总计'") == (D("15415.77"),)
    assert one(con, "SELECT amount_wan FROM marts.budget_lines_all WHERE county='平乡县' AND table_type='gpb_basic' "
                    "AND subject_code='30113' AND measure='人员经费'") == (D("120.38"),)
    assert one(con, "SELECT amount_wan FROM marts.budget_lines_all WHERE county='平乡县' AND table_type='revenue' "
                    "AND subject_code='2080799' AND measure='上年结转'") == (D("4.37"),)


def test_pingxiang_performance_targets(con):
    n = one(con, "SELECT count(DISTINCT project) FROM marts.performance_targets_all WHERE county='平乡县'")[0]
    # 35 tables, 33 names: tables 17 and 18, and 23 and 35, are published under the same title
    assert n == 33
    assert one(con, "SELECT count(*) FROM marts.projects WHERE county='平乡县'")[0] == 35
    row = one(con, "SELECT level1, level2, target_text, comparator, target_value, target_unit, basis "
                   "FROM marts.performance_targets_all WHERE project = '2018年底前职业年金个人账户财政贴息资金' "
                   "AND level3 = '人均贴息标准'")
    assert row == ("产出指标", "成本指标", "≤1000元", "≤", D("1000"), "元", "冀人社发【2020】16号")
    # a row split over a page break in the export is joined: 参保人群满意度 ≥95% 调查问卷
    row = one(con, "SELECT target_text, basis FROM marts.performance_targets_all "
                   "WHERE project = '2018年底前职业年金个人账户财政贴息资金' AND level3 = '参保人群满意度'")
    assert row == ("≥95%", "调查问卷")


def test_pingxiang_narrative_figures(con):
    figs = dict(con.execute("SELECT label, value FROM core.fact_narrative_figure f JOIN core.dim_document d "
                            "USING (document_id) WHERE d.county='平乡县'").fetchall())
    assert figs["部门全年预算数"] == D("15385.49")
    assert figs["人员经费"] == D("1526.48")
    assert figs["办公费"] == D("16.4")


def test_hezheng_project_and_indicator(con):
    assert one(con, "SELECT total_wan, appropriation_wan, carryover_wan, other_wan FROM marts.projects "
                    "WHERE project = '全县一般干部考核优秀奖励金'") == (D("130"), D("130"), None, None)
    assert one(con, "SELECT level1, level2, comparator, target_value, target_unit FROM marts.performance_targets_all "
                    "WHERE project = '全县一般干部考核优秀奖励金' AND level3 = '受益干部数'") == \
        ("成本指标", "社会成本", "≥", D("700"), "人")


def test_hezheng_target_shapes(con):
    q = ("SELECT target_text, comparator, target_value, target_unit FROM marts.performance_targets_all "
         "WHERE project = ? AND level3 = ?")
    assert one(con, q, ["创业担保贷款县级贴息资金", "创业担保贷款发放额"]) == ("7.58亿元", "=", D("7.58"), "亿元")
    assert one(con, q, ["城乡居民基本养老保险县级补贴资金", "服务对象数"]) == ("预计145000人", "≈", D("145000"), "人")
    assert one(con, q, ["长期临聘人员工资", "长期临聘人员工资人均标准"]) == ("1670元/月", "=", D("1670"), "元/月")
    assert one(con, "SELECT count(*) FROM marts.projects WHERE county = '和政县'")[0] == 12


def test_hezheng_unit_blocks_exact(con):
    rows = dict(con.execute(
        "SELECT measure, amount_wan FROM marts.budget_lines_all WHERE classification = 'unit_block' "
        "AND subject_name = '和政县劳务工作办公室'").fetchall())
    assert rows["人员经费"] == D("163.031826")
    assert str(rows["人员经费"]).rstrip("0") == "163.031826"
    assert rows["公用经费"] == D("3.6")
    units = {r[0] for r in con.execute("SELECT DISTINCT project FROM marts.performance_targets_all "
                                       "WHERE scope = 'unit'").fetchall()}
    assert units == {"和政县人力资源和社会保障局", "和政县就业服务中心", "和政县劳务工作办公室"}


def test_findings_on_seeds_are_the_published_discrepancies(con):
    f = {(r[0], r[1], r[2], r[3]) for r in con.execute(
        "SELECT rule, subject, expected, actual FROM marts.dq_findings "
        "WHERE rule IN ('unit_block_sum', 'narrative_vs_table')").fetchall()}
    assert f == {
        # 就业服务中心: 人员经费 268.06 + 公用经费 6.4 = 274.46, but 合计 says 268.06
        ("unit_block_sum", "和政县就业服务中心", D("268.06"), D("274.46")),
        # 人社局: 支出预算合计 15522.48, but 基本支出 1433.9 + 项目支出 12763.68 = 14197.58
        ("unit_block_sum", "和政县人力资源和社会保障局", D("15522.48"), D("14197.58")),
        # 劳务办: 收入/支出预算合计 printed 0 while 当年财政拨款 166.631826 and 基本支出 166.631826
        ("unit_block_sum", "和政县劳务工作办公室", D("0"), D("166.631826")),
        # Pingxiang narrative: 部门全年预算数 15385.49 vs 支出总表 合计 15415.77; 办公费 16.4 vs 30201 15.45
        ("narrative_vs_table", "部门全年预算数 → 合计", D("15385.49"), D("15415.77")),
        ("narrative_vs_table", "办公费 → 办公费", D("16.4"), D("15.45")),
    }
    # blank is not zero: "上年末固定资产金额为57.61万元" against the fixed-asset table whose 资产总额 cell is
    # blank (only 其他固定资产 shows 57.61) is not compared — counted as not evaluated, never a finding
    row = one(con, "SELECT amount_wan, amount_text FROM marts.budget_lines WHERE county = '平乡县' "
                   "AND table_type = 'fixed_assets' AND subject_name = '资产总额' AND measure = '价值'")
    assert row[0] is None
    assert one(con, "SELECT not_evaluated FROM dq.document_rule_results r JOIN marts.documents d USING (document_id) "
                    "WHERE d.county = '平乡县' AND r.rule = 'narrative_vs_table'")[0] >= 1
    status = dict(con.execute("SELECT county, dq_status FROM marts.documents").fetchall())
    assert status == {"平乡县": "warn", "和政县": "fail"}


def test_gate_keeps_published_lines_in_with_their_findings(con):
    """A source finding (the publisher's own figures disagree) keeps the document's lines in marts.budget_lines,
    each flagged with the ids of the findings that point at its cell; dq_status stays on the document."""
    assert one(con, "SELECT count(*) FROM marts.budget_lines WHERE county = '和政县'")[0] == \
        one(con, "SELECT count(*) FROM marts.budget_lines_all WHERE county = '和政县'")[0] == 26 + 41
    # the twelve projects' funding (年度资金总额 …) and the three unit blocks are in the default view
    assert one(con, "SELECT count(DISTINCT subject_name) FROM marts.budget_lines WHERE county = '和政县' "
                    "AND classification = 'project_funding'")[0] == 12
    assert one(con, "SELECT amount_wan FROM marts.budget_lines WHERE county = '和政县' AND classification = "
                    "'unit_block' AND subject_name = '和政县就业服务中心' AND measure = '公用经费'")[0] == D("6.4")
    flagged = {(r[0], r[1]): r[2] for r in con.execute(
        "SELECT subject_name, measure, finding_ids FROM marts.budget_lines WHERE county = '和政县' "
        "AND len(finding_ids) > 0").fetchall()}
    # 就业服务中心: 人员经费 268.06 + 公用经费 6.4 ≠ 合计 268.06 — the three cells carry that finding's id
    (fid,) = one(con, "SELECT finding_id FROM marts.dq_findings WHERE rule = 'unit_block_sum' "
                      "AND subject = '和政县就业服务中心'")
    assert {k for k, v in flagged.items() if fid in v} == {
        ("和政县就业服务中心", m) for m in ("人员经费", "公用经费", "基本支出")}
    # a project's funding agrees with itself: no flag
    assert not any(k[1] == "年度资金总额" for k in flagged)
    # the narrative's wrong 部门全年预算数 flags the 支出总表 合计 cell it was compared with
    (nid,) = one(con, "SELECT finding_id FROM marts.dq_findings WHERE subject = '部门全年预算数 → 合计'")
    assert one(con, "SELECT amount_wan FROM marts.budget_lines WHERE list_contains(finding_ids, ?)", [nid])[0] == \
        D("15415.77")
    # performance tables: kept out only on a parse doubt, so the unit tables stay in
    assert one(con, "SELECT count(DISTINCT project) FROM marts.performance_targets WHERE county = '和政县' "
                    "AND scope = 'unit'")[0] == 3
    assert one(con, "SELECT count(*) FROM marts.projects WHERE county = '和政县'")[0] == 12


def test_findings_have_provenance(con):
    rows = con.execute("SELECT line, cells, message FROM marts.dq_findings WHERE rule = 'unit_block_sum'").fetchall()
    assert rows and all(r[0] is not None and r[1] and r[2] for r in rows)


def test_findings_history_and_runs(con):
    assert one(con, "SELECT count(*) FROM dq.runs")[0] >= 1
    assert one(con, "SELECT count(*) FROM dq.findings_history")[0] >= one(con, "SELECT count(*) FROM dq.findings")[0]
