"""The corpus scoreboard (`cnbudget score`): per-document counts on real PDFs, the truth comparison, and the
before/after comparison that names regressions."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from conftest import RD19_NARRATIVE, RD19_TABLES

from pipelines import score as sc

TABLES, NARRATIVE = RD19_TABLES, RD19_NARRATIVE


@pytest.fixture(scope="module")
def scored(jiangsu_pair):
    _, wh = jiangsu_pair
    return wh, json.loads((wh.parent / "score.json").read_text(encoding="utf-8"))


def _doc(board: dict, name: str) -> dict:
    found = [d for d in board["documents"] if Path(d["source_path"]).name == name]
    assert len(found) == 1, [d["source_path"] for d in board["documents"]]
    return found[0]


def test_table_set_counts(scored):
    _, board = scored
    d = _doc(board, Path(TABLES).name)
    # 公开表一…十二 of the 2019 人大常委会办公厅 set: the eleven budget tables of the registry's standard kinds
    con = duckdb.connect(str(scored[0]), read_only=True)
    types = con.execute("SELECT count(DISTINCT table_type) FROM core.dim_table WHERE document_id = ? "
                        "AND kind IN ('subject', 'pair_summary', 'three_public')", [d["document_id"]]).fetchone()[0]
    facts = con.execute("SELECT count(*) FROM core.fact_budget_amount WHERE document_id = ?",
                        [d["document_id"]]).fetchone()[0]
    con.close()
    assert d["types_present"] == types and types >= 6
    assert d["types_read"] == d["types_present"]
    assert d["budget_facts"] == facts and facts > 0
    assert d["standard"] and d["all_read"]
    assert d["recon_passed"] > 0


def test_narrative_is_not_a_table_set(scored):
    _, board = scored
    d = _doc(board, Path(NARRATIVE).name)
    assert d["types_present"] < sc.STANDARD_MIN_TYPES and not d["standard"]
    t = board["totals"]
    assert t["documents"] == 2 and t["with_standard_tables"] == 1 and t["all_standard_read_6plus"] == 1


def test_truth_comparison(scored, tmp_path):
    wh, board = scored
    d = _doc(board, Path(TABLES).name)
    truth = tmp_path / "truth.csv"
    truth.write_text("sha256,department,region_code,fiscal_year\n"
                     f"{d['document_id']},江苏省人大常委会办公厅,320000,2018\n", encoding="utf-8")
    res = sc.compute(wh, sc.load_truth(truth))
    got = next(x for x in res.documents if x["document_id"] == d["document_id"])
    assert got["truth"]["region"] is True and got["truth"]["year"] is False  # the table set is 2019's
    assert res.totals["truth_judged"] == 1 and res.totals["year_right"] == 0


def test_compare_names_regressions_and_gains():
    before = {"totals": {"budget_facts": 10}, "documents": [
        {"document_id": "a", "source_path": "x/a.pdf", "types_read": 6, "budget_facts": 10, "parse_errors": 0,
         "recon_failed": 0, "unknown_headers": 0},
        {"document_id": "b", "source_path": "x/b.pdf", "types_read": 2, "budget_facts": 5, "parse_errors": 3,
         "recon_failed": 0, "unknown_headers": 0}]}
    after = {"totals": {"budget_facts": 12}, "documents": [
        {"document_id": "a", "source_path": "x/a.pdf", "types_read": 5, "budget_facts": 8, "parse_errors": 0,
         "recon_failed": 0, "unknown_headers": 0},
        {"document_id": "b", "source_path": "x/b.pdf", "types_read": 6, "budget_facts": 9, "parse_errors": 0,
         "recon_failed": 0, "unknown_headers": 0}]}
    diff = sc.compare(before, after)
    assert diff["totals"]["budget_facts"] == (10, 12)
    assert diff["worse"] == [{"document_id": "a", "source_path": "x/a.pdf",
                              "changes": ["types_read 6→5", "budget_facts 10→8"]}]
    assert diff["better"][0]["document_id"] == "b" and "parse_errors 3→0" in diff["better"][0]["changes"]
