"""Final accounts (部门决算): forged 预算 + 决算 pairs load, marts.budget_execution gives the ground-truth
execution rates exactly, the 决算 rules fire on planted discrepancies and stay quiet on consistent documents."""
from __future__ import annotations

import json
import random
from decimal import Decimal as D

import duckdb
import pytest

from pipelines.forge import DEPARTMENTS, final_blocks, forge, forge_budget, forge_final, pick_counties
from pipelines.pdfgen import render_blocks
from pipelines.refresh import refresh


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    raw = tmp_path_factory.mktemp("pairs")
    forge(raw, counties=1, years=2, departments=2, seed=5, finals=True)
    truth = tmp_path_factory.mktemp("truth")
    for t in raw.glob("*.truth.json"):
        t.rename(truth / t.name)
    wh = tmp_path_factory.mktemp("pwh") / "budget.duckdb"
    refresh(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    yield con, truth
    con.close()


def test_final_documents_are_read_as_final(pairs):
    con, _ = pairs
    phases = dict(con.execute("SELECT phase, count(*) FROM marts.documents GROUP BY 1").fetchall())
    assert phases == {"budget": 4, "final": 4}
    types = {r[0] for r in con.execute("SELECT DISTINCT t.table_type FROM core.dim_table t JOIN core.dim_document d "
                                       "USING (document_id) WHERE d.phase = 'final'").fetchall()}
    assert types == {"final_summary", "final_expenditure", "final_gpb_expenditure", "final_gpb_basic",
                     "final_three_public", "final_gov_fund"}


def test_execution_rates_equal_ground_truth(pairs):
    con, truth_dir = pairs
    n = 0
    for t in truth_dir.glob("*_final.truth.json"):
        truth = json.loads(t.read_text(encoding="utf-8"))
        got = {(r[0], r[1]): (r[2], r[3], r[4]) for r in con.execute(
            "SELECT subject_code, measure, budget_wan, final_wan, execution_rate FROM marts.budget_execution "
            "WHERE region_code = ? AND department = ? AND fiscal_year = ?",
            [truth["region_code"], truth["department"], truth["fiscal_year"]]).fetchall()}
        for e in truth["execution"]:
            want = (D(e["budget_wan"]), D(e["final_wan"]), D(e["execution_rate"]) if e["execution_rate"] else None)
            if want[0] == 0 and want[1] == 0:
                continue  # a subject with nothing in either column is not published as a figure
            assert got[(e["subject_code"], e["measure"])] == want, (truth["source"], e)
            n += 1
    assert n > 40


def test_consistent_pairs_raise_no_finding(pairs):
    con, _ = pairs
    assert con.execute("SELECT rule, count(*) FROM dq.findings GROUP BY 1").fetchall() == []


def test_renamed_code_is_matched_through_the_crosswalk(tmp_path, monkeypatch):
    """A final account that publishes a subject under another code than its budget is matched through
    the crosswalk file (here a test crosswalk: the project's own file holds no rename yet)."""
    raw = tmp_path / "raw"
    forge(raw, counties=1, years=1, departments=1, seed=5, fmt="txt", finals=True)
    final = next(raw.glob("*_final.txt"))
    final.write_text(final.read_text(encoding="utf-8").replace("\t2080109\n", "\t2080199\n"), encoding="utf-8")
    for t in raw.glob("*.truth.json"):
        t.unlink()
    xw = tmp_path / "crosswalk.csv"
    xw.write_text("fiscal_year,final_code,budget_code,note\n2021,2080199,2080109,test rename\n", encoding="utf-8")
    monkeypatch.setenv("CNBUDGET_SUBJECT_CROSSWALK", str(xw))
    wh = tmp_path / "wh" / "budget.duckdb"
    refresh(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    rows = con.execute("SELECT subject_code, final_subject_code_before_crosswalk, missing_side FROM "
                       "marts.budget_execution WHERE subject_code = '2080109' AND measure = '合计'").fetchall()
    con.close()
    assert rows == [("2080109", "2080199", None)]


def test_one_side_missing_is_kept_and_named(tmp_path):
    raw = tmp_path / "raw"
    forge(raw, counties=1, years=1, departments=1, seed=5, finals=True)
    for t in raw.glob("*.truth.json"):
        t.unlink()
    next(raw.glob("*_budget.pdf")).unlink()
    wh = tmp_path / "wh" / "budget.duckdb"
    refresh(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    sides = {r[0] for r in con.execute("SELECT DISTINCT missing_side FROM marts.budget_execution").fetchall()}
    con.close()
    assert sides == {"budget"}


# 决算 plants: each edits one published cell (or drops one table) of a consistent final-accounts document
def _table_rows(blocks, title):
    i = next(k for k, b in enumerate(blocks) if b.kind == "text" and b.cells[0] == title)
    j = next((k for k in range(i + 1, len(blocks)) if blocks[k].kind == "text"), len(blocks))
    return i, j


def _edit(title, row_label, col, value=None, bump=None):
    def run(blocks):
        i, j = _table_rows(blocks, title)
        row = next(b for b in blocks[i + 1:j] if row_label in b.cells)
        row.cells[col] = value if value is not None else f"{D(row.cells[col] or '0') + D(bump):.2f}"
    return run


def _drop(title):
    def run(blocks):
        i, j = _table_rows(blocks, title)
        del blocks[i:j]
    return run


def _narrative_rate(blocks):
    """The 情况说明 quotes a 完成预算% the table does not show."""
    import re

    b = next(b for b in blocks if b.kind == "text" and "完成预算的" in b.cells[0])
    b.cells[0] = re.sub(r"完成预算的[\d.]+%", "完成预算的50.0%", b.cells[0])


FINAL_PLANTS = {
    "narrative_rate": (_narrative_rate, "narrative_vs_table"),
    "final_balance": (_edit("收入支出决算总表", "支出总计", 4, bump="1.00"), "summary_balance"),
    "final_carryover": (_edit("收入支出决算总表", "年末结转和结余", 4, bump="1.00"), "summary_grand_total"),
    # a 结余分配 of 1.00 printed without the 支出总计 including it
    "final_surplus_distribution": (_edit("收入支出决算总表", "结余分配", 4, value="1.00"), "summary_grand_total"),
    "completion_rate": (_edit("一般公共预算财政拨款支出决算表", "合计", 5, value="99.9"), "final_completion_rate"),
    "three_public_total": (_edit("财政拨款“三公”经费支出决算表", "合计", 3, bump="1.00"), "item_table_sum"),
    "final_rollup": (_edit("支出决算表", "合计", 3, bump="1.00"), "rollup_total_lei"),
    "final_missing_table": (_drop("一般公共预算财政拨款基本支出决算表"), "completeness_mandatory_table"),
}


@pytest.fixture(scope="module")
def planted_finals(tmp_path_factory):
    raw = tmp_path_factory.mktemp("fplant")
    rng = random.Random(9)
    counties = pick_counties(rng, len(FINAL_PLANTS) + 1)
    names = {}
    for (kind, (edit, rule)), county in zip(list(FINAL_PLANTS.items()) + [("clean", (None, None))], counties):
        fin = forge_final(rng, forge_budget(rng, county, DEPARTMENTS[0], 2022, "hebei"))
        blocks = final_blocks(fin)
        if edit:
            edit(blocks)
        render_blocks(blocks, raw / f"{kind}.pdf")
        names[kind] = f"{kind}.pdf"
    wh = tmp_path_factory.mktemp("fpwh") / "budget.duckdb"
    refresh(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    ids = dict(con.execute("SELECT regexp_extract(source_path, '([a-z_]+)\\.pdf$', 1), document_id "
                           "FROM core.dim_document").fetchall())
    yield con, ids
    con.close()


@pytest.mark.parametrize("kind", sorted(FINAL_PLANTS))
def test_final_rule_fires_on_its_plant(planted_finals, kind):
    con, ids = planted_finals
    rules = {r[0] for r in con.execute("SELECT rule FROM dq.findings WHERE document_id = ?", [ids[kind]]).fetchall()}
    assert FINAL_PLANTS[kind][1] in rules, rules


def test_final_rules_quiet_on_consistent_final(planted_finals):
    con, ids = planted_finals
    assert con.execute("SELECT count(*) FROM dq.findings WHERE document_id = ?", [ids["clean"]]).fetchone() == (0,)
