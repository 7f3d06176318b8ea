"""The analyst contract (issue 17): a comment on every mart column, a dictionary of every coded value that the
README's contract is generated from, money only in amount_wan, one row per publication in
marts.department_totals reproducing the published 支出总计, "三公" items that never mix with totals, current-version
counts, and exports that open with their Chinese and their exact decimals."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, SHARED

JIANGSU = SHARED / "real" / "jiangsu"
# 支出总计 of every Jiangsu table document, read by hand from the bottom row of its 收支预算总表 (printed 支出合计)
JIANGSU_TOTALS = {
    ("江苏省人大常委会办公厅", 2017): Decimal("13649.07"),  # 江苏省人大办公厅2017年度预算公开.pdf p9
    ("江苏省人大常委会办公厅", 2018): Decimal("15897.44"),  # 省人大办公厅2018预算公开.pdf p8
    ("江苏省人大常委会办公厅", 2019): Decimal("18330.37"),  # 江苏省人大常委会办公厅2019年部门预算公开表.pdf p1
    ("江苏省委办公厅", 2017): Decimal("20849.45"),  # 江苏省委办公厅2017年预算公开表格.pdf p1
    ("江苏省委办公厅", 2018): Decimal("24458.43"),  # 江苏省委办公厅2018年度部门预算公开表.pdf p3
    ("江苏省委办公厅", 2019): Decimal("27664.22"),  # 江苏省委办公厅2019年度部门预算公开表格.pdf p1 (that grid is not read: 支出总表 p3)
    ("江苏省政协办公厅", 2017): Decimal("9146.79"),  # 2017年度部门预算公开表.pdf p1
    ("江苏省政协办公厅", 2018): Decimal("10150.48"),  # 江苏省政协办公厅2018度部门预算公开表.pdf p1
    ("江苏省政协办公厅", 2019): Decimal("13377.11"),  # 江苏省政协办公厅2019年预算公开表.pdf p1
}


@pytest.fixture(scope="module")
def analyst_wh(tmp_path_factory, pingxiang, hezheng):
    """seeds (text exports) + the 20 forged PDFs + the 16 real Jiangsu PDFs, built by the real refresh."""
    from pipelines.refresh import refresh

    raw = tmp_path_factory.mktemp("analyst_raw")
    for p in (pingxiang, hezheng):
        shutil.copy(p, raw / p.name)
    shutil.copytree(ROOT / "data" / "raw" / "forged", raw / "forged")
    shutil.copytree(JIANGSU, raw / "jiangsu")
    wh = tmp_path_factory.mktemp("analyst_wh") / "budget.duckdb"
    stats = refresh(raw, wh)
    return wh, stats


@pytest.fixture()
def acon(analyst_wh):
    c = duckdb.connect(str(analyst_wh[0]), read_only=True)
    yield c
    c.close()


def test_every_mart_view_and_column_has_a_comment(acon):
    cols = acon.execute("SELECT table_name, column_name, comment FROM duckdb_columns() "
                        "WHERE schema_name = 'marts'").fetchall()
    assert len(cols) > 300
    missing = [(t, c) for t, c, cm in cols if not cm or " — " not in cm]
    assert missing == [], f"mart columns without a 'Chinese — English' comment: {missing}"
    views = acon.execute("SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'marts' "
                         "AND NOT internal").fetchall()
    assert [v for v, cm in views if not cm] == []


def test_readme_contract_is_generated_from_the_warehouse(acon):
    from pipelines.contract import markdown, section

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert section(readme) == markdown(acon), "README contract drifted: run `cnbudget dictionary --readme README.md`"


def test_every_coded_value_in_the_warehouse_is_in_the_dictionary(acon):
    allowed = {}
    for f, v in acon.execute("SELECT field, value FROM marts.dictionary").fetchall():
        allowed.setdefault(f, set()).add(v)
    checks = {
        "table_type": "SELECT DISTINCT table_type FROM marts.budget_lines_history",
        "classification": "SELECT DISTINCT classification FROM marts.budget_lines_history WHERE classification IS NOT NULL",
        "subject_level": "SELECT DISTINCT subject_level FROM marts.budget_lines_history WHERE subject_level IS NOT NULL",
        "side": "SELECT DISTINCT side FROM marts.budget_lines_history WHERE side IS NOT NULL",
        "value_kind": "SELECT DISTINCT value_kind FROM marts.budget_lines_history",
        "code_source": "SELECT DISTINCT code_source FROM marts.budget_lines_history WHERE code_source IS NOT NULL",
        "canonical_measure": "SELECT DISTINCT canonical_measure FROM marts.budget_lines_history "
                             "WHERE canonical_measure IS NOT NULL",
        "severity": "SELECT DISTINCT severity FROM marts.dq_findings",
        "rule": "SELECT DISTINCT rule FROM marts.dq_findings",
        "dq_status": "SELECT DISTINCT dq_status FROM marts.documents",
        "figure_state": "SELECT DISTINCT state FROM marts.department_figures",
        "three_public_item": "SELECT DISTINCT item FROM marts.three_public",
        "three_public_measure": "SELECT DISTINCT measure FROM marts.three_public",
        "figure": "SELECT DISTINCT figure FROM marts.department_figures",
    }
    for field, q in checks.items():
        seen = {r[0] for r in acon.execute(q).fetchall()}
        assert seen, field
        assert seen <= allowed[field], f"{field}: not in marts.dictionary: {seen - allowed[field]}"
    # every measure the vocabulary declares has its meaning
    from pipelines.registry import REGISTRY

    assert {m.name for t in REGISTRY for m in t.measures} <= allowed["canonical_measure"]


def test_amount_wan_holds_money_only(acon):
    """No percentage, count or area in amount_wan: the measures whose kind is not money, and (independently)
    every column whose header prints % or whose row label prints a unit of area or count."""
    kinds = dict(acon.execute("SELECT value_kind, count(*) FROM marts.budget_lines_history GROUP BY 1").fetchall())
    assert kinds.get("percent", 0) > 0 and kinds.get("quantity", 0) > 0
    leaks = acon.execute("""
        SELECT table_type, measure, subject_name, amount_wan FROM marts.budget_lines_history
        WHERE amount_wan IS NOT NULL AND (value_kind IN ('percent', 'quantity') OR measure LIKE '%\\%%' ESCAPE '\\'
              OR coalesce(header_path, '') LIKE '%\\%%' ESCAPE '\\' OR measure IN ('数量')
              OR subject_name LIKE '%平方米%' OR subject_name LIKE '%台、辆%')""").fetchall()
    assert leaks == []
    # the values themselves are kept, with their unit: Pingxiang 房屋 1298 平方米, 其他固定资产 474 (no unit printed)
    got = acon.execute("""SELECT subject_name, value, value_unit FROM marts.budget_lines
        WHERE county = '平乡县' AND table_type = 'fixed_assets' AND value_kind = 'quantity' ORDER BY row_idx""").fetchall()
    assert got == [("1、房屋(平方米)", Decimal("1298"), "平方米"), ("其中:办公用房(平方米)", Decimal("1208"), "平方米"),
                   ("4、其他固定资产", Decimal("474"), None)]
    # 炎陵县教育局 2021 决算: 完成预算% of the 合计 row is 84.3 (6952.71 / 8252.38), in value, unit %
    row = acon.execute("""SELECT amount_wan, value, value_unit FROM marts.budget_lines
        WHERE department = '炎陵县教育局' AND fiscal_year = 2021 AND phase = 'final'
          AND canonical_measure = '完成预算%' AND subject_level = 'total'""").fetchall()
    assert row == [(None, Decimal("84.3"), "%")]


def test_department_totals_reproduce_published_totals(acon):
    rows = acon.execute("""SELECT publication_key, department, fiscal_year, phase, region_code, expenditure_total_wan,
                                  revenue_total_wan, basic_expenditure_wan, project_expenditure_wan, synthetic
                           FROM marts.department_totals""").fetchall()
    keys = [r[0] for r in rows]
    assert len(keys) == len(set(keys))  # one row per publication
    by = {(r[1], r[2], r[3]): r for r in rows}
    # seeds: Pingxiang prints 支出总计 15415.77 (收支总表, line 218); Hezheng publishes performance tables only
    assert by[("平乡县人力资源和社会保障局", 2022, "budget")][5] == Decimal("15415.77")
    hz = acon.execute("SELECT state FROM marts.department_figures WHERE department = '和政县人力资源和社会保障局' "
                      "AND figure = 'expenditure_total'").fetchall()
    assert hz == [("not_published",)] and by[("和政县人力资源和社会保障局", 2024, "budget")][5] is None
    for (dept, year), total in JIANGSU_TOTALS.items():
        assert by[(dept, year, "budget")][5] == total, (dept, year)
    # forged documents against their ground truth
    truths = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "data" / "forged_truth").glob("*.json"))]
    budgets = {(t["department"], t["fiscal_year"]): t for t in truths if t["phase"] == "budget"}
    assert len(truths) == 20
    for t in truths:
        r = by[(t["department"], t["fiscal_year"], t["phase"])]
        b = budgets[(t["department"], t["fiscal_year"])]["totals"]
        if t["phase"] == "budget":
            assert r[5] == Decimal(b["合计"]) and r[7] == Decimal(b["基本支出"]), t["source"]
            assert (r[8] or Decimal(0)) == Decimal(b["项目支出"]), t["source"]
        else:  # 决算 支出总计 = 本年支出 + 年末结转 = the budget's 收入总计; 基本/项目 = Σ 类 outturn
            assert r[5] == Decimal(b["合计"]), t["source"]
            lei = [e for e in t["execution"] if len(e["subject_code"]) == 3]
            assert r[7] == sum(Decimal(e["final_wan"]) for e in lei if e["measure"] == "基本支出"), t["source"]
            proj = sum(Decimal(e["final_wan"]) for e in lei if e["measure"] == "项目支出")
            assert (r[8] or Decimal(0)) == proj, t["source"]
    # summing by county-year equals the sum of the published totals (nothing counted twice)
    sums = dict(((rc, y, ph), v) for rc, y, ph, v in acon.execute(
        "SELECT region_code, fiscal_year, phase, sum(expenditure_total_wan) FROM marts.department_totals "
        "WHERE synthetic GROUP BY ALL").fetchall())
    expect = {}
    for t in truths:
        k = (t["region_code"], t["fiscal_year"], t["phase"])
        expect[k] = expect.get(k, Decimal(0)) + Decimal(budgets[(t["department"], t["fiscal_year"])]["totals"]["合计"])
    assert sums == expect
    js = acon.execute("SELECT sum(expenditure_total_wan) FROM marts.department_totals WHERE region_code = '320000'"
                      ).fetchone()[0]
    assert js == sum(JIANGSU_TOTALS.values())


def test_department_totals_say_where_and_whether_tables_agree(acon):
    r = acon.execute("""SELECT expenditure_total_source, expenditure_total_agrees, three_public_wan, three_public_source,
                               admin_cost_wan FROM marts.department_totals
                        WHERE department = '江苏省政协办公厅' AND fiscal_year = 2019""").fetchone()
    assert r == ("收支预算总表 p1", True, Decimal("660.10"), "“三公”经费、会议费、培训费支出预算表 p9", Decimal("1130.74"))
    # a declared-empty 三公 table gives no figure, not 0
    st = acon.execute("""SELECT state, amount_wan FROM marts.department_figures
        WHERE department = '平乡县人力资源和社会保障局' AND figure = 'three_public'""").fetchall()
    assert st == [("declared_empty", None)]


def test_three_public_items_and_totals_never_mix(acon):
    rows = acon.execute("""SELECT item, parent_item, item_level, measure, amount_wan FROM marts.three_public
        WHERE department = '江苏省政协办公厅' AND fiscal_year = 2019 AND funding_source IS NULL ORDER BY item_level, item""").fetchall()
    got = {r[0]: r for r in rows}
    assert got["合计"][4] == Decimal("2224.43") and got["合计"][2] == 0
    assert got["“三公”经费"][1:] == ("合计", 1, "预算数", Decimal("660.10"))
    items = sum(r[4] for r in rows if r[2] == 2)
    assert items == Decimal("660.10")  # 106.00 + 156.60 + 397.50
    # 决算 tables: items are rows; the 合计 row is the 三公 total; 预算数 and 决算数 kept apart
    fin = acon.execute("""SELECT item, item_level, measure, amount_wan FROM marts.three_public
        WHERE department = '炎陵县教育局' AND fiscal_year = 2021 AND phase = 'final' ORDER BY measure, item_level, item""").fetchall()
    assert ("“三公”经费", 1, "决算数", Decimal("6.90")) in fin and ("“三公”经费", 1, "预算数", Decimal("9.01")) in fin
    lvl2 = sum(a for i, lv, m, a in fin if lv == 2 and m == "决算数")
    lvl3 = sum(a for i, lv, m, a in fin if lv == 3 and m == "决算数")
    assert lvl2 + lvl3 == Decimal("6.90")  # 公务用车运行维护费 6.31 (level 3) + 公务接待费 0.59 (level 2)


def test_export_parquet_csv_xlsx(analyst_wh, tmp_path):
    import polars as pl
    from typer.testing import CliRunner

    from pipelines.cli import app

    wh = str(analyst_wh[0])
    r = CliRunner().invoke(app, ["export", "--warehouse", wh, "--out", str(tmp_path / "pq"), "--format", "parquet",
                                 "--views", "department_totals,budget_lines"])
    assert r.exit_code == 0, r.output
    df = pl.read_parquet(tmp_path / "pq" / "department_totals.parquet")
    assert df.schema["expenditure_total_wan"] == pl.Decimal(20, 6)
    got = df.filter(pl.col("department") == "平乡县人力资源和社会保障局")["expenditure_total_wan"].to_list()
    assert got == [Decimal("15415.770000")]
    back = duckdb.connect().execute("SELECT sum(amount_wan) FROM read_parquet(?)",
                                    [str(tmp_path / "pq" / "budget_lines.parquet")]).fetchone()[0]
    con = duckdb.connect(wh, read_only=True)
    assert back == con.execute("SELECT sum(amount_wan) FROM marts.budget_lines").fetchone()[0]
    con.close()
    r = CliRunner().invoke(app, ["export", "--warehouse", wh, "--out", str(tmp_path / "csv"), "--format", "csv", "--bom",
                                 "--views", "department_totals"])
    assert r.exit_code == 0, r.output
    raw = (tmp_path / "csv" / "department_totals.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "15415.770000" in raw.decode("utf-8-sig")
    r = CliRunner().invoke(app, ["export", "--warehouse", wh, "--out", str(tmp_path / "x"), "--format", "xlsx",
                                 "--views", "department_totals", "--views", "three_public"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, ["export", "--warehouse", wh, "--out", str(tmp_path / "y"), "--views", "nope"])
    assert r.exit_code == 2 and "not a marts view" in r.output


def test_exported_csv_and_xlsx_open_in_libreoffice_with_their_chinese(analyst_wh, tmp_path):
    """`soffice --headless --convert-to` reads the BOM CSV (as UTF-8) and the xlsx; the Chinese survives."""
    from openpyxl import load_workbook

    from pipelines.export import export

    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is missing: `make office` installs it (make test depends on it)"
    export(analyst_wh[0], tmp_path, "csv", ["department_totals"], bom=True)
    export(analyst_wh[0], tmp_path, "xlsx", ["department_totals"])
    prof = f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}"
    subprocess.run([soffice, prof, "--headless", "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir",
                    str(tmp_path / "from_csv"), str(tmp_path / "department_totals.csv")], check=True, timeout=180,
                   capture_output=True)
    subprocess.run([soffice, prof, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(tmp_path / "from_xlsx"),
                    str(tmp_path / "marts.xlsx")], check=True, timeout=180, capture_output=True)
    ws = load_workbook(tmp_path / "from_csv" / "department_totals.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "publication_key"  # the byte-order mark is not read as part of the first header
    px = [r for r in rows if r[3] == "平乡县人力资源和社会保障局"]
    assert len(px) == 1 and Decimal(str(px[0][rows[0].index("expenditure_total_wan")])) == Decimal("15415.77")
    text = (tmp_path / "from_xlsx" / "marts.csv").read_text(encoding="utf-8", errors="strict")
    assert "平乡县人力资源和社会保障局" in text and "江苏省政协办公厅" in text


def test_sql_table_does_not_cut_numbers(analyst_wh, monkeypatch):
    from typer.testing import CliRunner

    from pipelines.cli import app

    monkeypatch.setenv("COLUMNS", "80")
    r = CliRunner().invoke(app, ["sql", "--warehouse", str(analyst_wh[0]),
                                 "SELECT publication_key, department, expenditure_total_wan, revenue_total_wan, "
                                 "basic_expenditure_wan, project_expenditure_wan FROM marts.department_totals "
                                 "WHERE department = '江苏省委办公厅' ORDER BY fiscal_year"])
    assert r.exit_code == 0, r.output
    for v in ("20849.450000", "24458.430000", "27664.220000", "10688.660000"):
        assert v in r.output


def test_example_script_answers_three_questions(analyst_wh):
    res = subprocess.run([sys.executable, str(ROOT / "examples" / "analyst_questions.py"), str(analyst_wh[0])],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert "## department totals" in res.stdout and "## expenditure by 类" in res.stdout
    assert "## failing documents" in res.stdout and "15415.770000" in res.stdout
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import analyst_questions
    finally:
        sys.path.pop(0)
    a = analyst_questions.answers(str(analyst_wh[0]))
    t = a["department totals"]
    assert t.filter(t["department"] == "江苏省政协办公厅")["expenditure_total_wan"].to_list() == [
        Decimal("9146.79"), Decimal("10150.48"), Decimal("13377.11")]
    f = a["failing documents"]
    assert f.filter(f["department"] == "江苏省委办公厅")["rule"].to_list() == ["parse_error"]


def test_refresh_summary_counts_current_documents(analyst_wh):
    stats = analyst_wh[1]
    assert stats["superseded_documents"] == 0 and stats["findings_error_superseded"] == 0
    con = duckdb.connect(str(analyst_wh[0]), read_only=True)
    n = con.execute("SELECT count(*) FROM marts.dq_findings WHERE is_current AND severity = 'error'").fetchone()[0]
    con.close()
    assert stats["findings_error"] == n
