"""Publications, parts and versions (issue 13).

A department's narrative (情况说明) and its table set published as two files are two *parts* of one
publication: both current, the narrative checked against the tables of the same year. Files of the same part
are *versions*; versions whose order cannot be decided both stay current with a finding. The same bytes seen
under another name report where the file is now."""
from __future__ import annotations

import csv
import os
import shutil
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from conftest import RD19_NARRATIVE, RD19_TABLES

from pipelines.refresh import refresh
from pipelines.registry import BY_TYPE

ROOT = Path(__file__).resolve().parents[1]
TABLES, NARRATIVE = RD19_TABLES, RD19_NARRATIVE


@pytest.fixture(scope="module")
def pair(jiangsu_pair):
    con = duckdb.connect(str(jiangsu_pair[1]), read_only=True)
    yield con
    con.close()


def _doc_id(con, name: str) -> str:
    return con.execute("SELECT document_id FROM core.dim_document WHERE source_path LIKE ?", ["%" + name]).fetchone()[0]


def test_narrative_and_tables_are_two_parts_of_one_publication(pair):
    t, n = _doc_id(pair, TABLES), _doc_id(pair, NARRATIVE)
    rows = dict((r[0], r[1:]) for r in pair.execute(
        "SELECT document_id, publication_key, part, is_current, versions FROM core.document_version").fetchall())
    assert rows[t] == ("320000:江苏省人大常委会办公厅:2019:budget", "tables", True, 1)
    assert rows[n] == ("320000:江苏省人大常委会办公厅:2019:budget", "narrative", True, 1)
    # the table part's lines are in the current analyst view
    assert pair.execute("SELECT count(*) FROM marts.budget_lines_all WHERE document_id = ?", [t]).fetchone()[0] > 100
    assert pair.execute("SELECT bool_and(is_current) FROM marts.documents").fetchone()[0] is True


def test_narrative_is_checked_against_its_own_years_tables(pair):
    t, n = _doc_id(pair, TABLES), _doc_id(pair, NARRATIVE)
    # p9 of the narrative: "收入、支出预算总计18,330.37万元"; 公开表三 支出预算总表 合计 of the table file
    total = pair.execute("SELECT amount_wan FROM core.fact_budget_amount WHERE document_id = ? AND table_type = "
                         "'expenditure' AND subject_level IN ('total', 'table_total') AND measure = '合计'",
                         [t]).fetchone()[0]
    assert total == D("18330.37")
    evaluated, failed = pair.execute("SELECT evaluated, failed FROM dq.document_rule_results WHERE document_id = ? "
                                     "AND rule = 'narrative_vs_table'", [n]).fetchone()
    assert evaluated >= 10 and failed < evaluated
    # the 支出预算总计 sentence was compared with the table file's figure and agreed
    assert pair.execute("SELECT count(*) FROM dq.findings WHERE document_id = ? AND rule = 'narrative_vs_table' "
                        "AND subject LIKE '支出预算总计%'", [n]).fetchone()[0] == 0


def test_narrative_map_targets_are_registry_table_types():
    with open(ROOT / "pipelines" / "narrative_map.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["target_table"] in BY_TYPE for r in rows), [r for r in rows if r["target_table"] not in BY_TYPE]


def test_equal_dates_keep_both_versions_with_a_finding(tmp_path, versions):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.pdf").write_bytes(versions[0])
    (raw / "b.pdf").write_bytes(versions[1])
    for n in ("a.pdf", "b.pdf"):
        os.utime(raw / n, (1_700_000_000, 1_700_000_000))
    wh = tmp_path / "wh" / "budget.duckdb"
    refresh(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    rows = con.execute("SELECT is_current, superseded_by, order_undecided FROM core.document_version").fetchall()
    assert rows == [(True, None, True), (True, None, True)]
    f = con.execute("SELECT count(*), min(message) FROM dq.findings WHERE rule = 'version_order_undecided'").fetchone()
    assert f[0] == 2 and "a.pdf" in f[1] and "b.pdf" in f[1]
    # both current (budget_lines_all: v1 carries a planted error, so the gated view keeps it out)
    assert con.execute("SELECT count(DISTINCT document_id) FROM marts.budget_lines_all").fetchone()[0] == 2
    con.close()


def test_same_part_republished_is_a_version(tmp_path, versions):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.pdf").write_bytes(versions[0])
    (raw / "b.pdf").write_bytes(versions[1])
    os.utime(raw / "a.pdf", (1_700_000_000, 1_700_000_000))
    os.utime(raw / "b.pdf", (1_700_086_400, 1_700_086_400))
    wh = tmp_path / "wh" / "budget.duckdb"
    refresh(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    rows = con.execute("SELECT d.source_path, v.part, v.version, v.is_current FROM core.document_version v "
                       "JOIN core.dim_document d USING (document_id) ORDER BY v.version").fetchall()
    assert [(Path(r[0]).name, r[1], r[2], r[3]) for r in rows] == [("a.pdf", "tables", 1, False),
                                                                   ("b.pdf", "tables", 2, True)]
    assert con.execute("SELECT count(*) FROM dq.findings WHERE rule = 'version_order_undecided'").fetchone()[0] == 0
    con.close()


def test_same_bytes_from_a_second_folder_report_the_second_path(tmp_path, versions):
    wh = tmp_path / "wh" / "budget.duckdb"
    first, second = tmp_path / "first", tmp_path / "second"
    for d in (first, second):
        d.mkdir()
    (first / "budget.pdf").write_bytes(versions[1])
    refresh(first, wh)
    (second / "renamed.pdf").write_bytes(versions[1])
    stats = refresh(second, wh)
    assert stats["cached"] == 1 and stats["extracted"] == 0
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT source_path FROM marts.documents").fetchall() == [(str(second / "renamed.pdf"),)]
    con.close()


def test_forged_documents_say_so(tmp_path):
    """The forge marks every document it makes as synthetic (PDF Keywords); the warehouse carries the mark on
    the document and on every line, so a made-up figure never passes for a published one."""
    raw = tmp_path / "raw"
    raw.mkdir()
    forged = ROOT / "data" / "raw" / "forged" / "forged_430225_2021_301_budget.pdf"
    seed_render = ROOT / "data" / "raw" / "001_dcbc594b2af559b5.pdf"
    shutil.copy(forged, raw / "a.pdf")
    shutil.copy(seed_render, raw / "b.pdf")
    wh = tmp_path / "wh" / "budget.duckdb"
    refresh(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    docs = {Path(p).name: s for p, s in con.execute("SELECT source_path, synthetic FROM marts.documents").fetchall()}
    assert docs == {"a.pdf": True, "b.pdf": False}
    lines = dict(con.execute("SELECT synthetic, count(*) FROM marts.budget_lines_all GROUP BY 1").fetchall())
    assert lines[True] > 50 and lines[False] > 50
    con.close()


def test_a_publication_date_in_the_manifest_orders_versions_before_the_file_time(tmp_path, versions):
    """The manifest's published_at (a revision date) wins over modification times: the older file that the
    manifest dates later is current; a published_at that is no date is ignored with a warning."""
    import json

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.pdf").write_bytes(versions[0])
    (raw / "b.pdf").write_bytes(versions[1])
    os.utime(raw / "a.pdf", (1_700_086_400, 1_700_086_400))  # a is the newer file …
    os.utime(raw / "b.pdf", (1_700_000_000, 1_700_000_000))
    (raw / "manifest.json").write_text(json.dumps(  # … but b is dated later
        {"a.pdf": {"published_at": "2023-01-10"}, "b.pdf": {"published_at": "2023-03-01"}}), encoding="utf-8")
    wh = tmp_path / "wh" / "budget.duckdb"
    refresh(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    rows = con.execute("SELECT d.source_path, d.published_at, v.version, v.is_current FROM core.document_version v "
                       "JOIN core.dim_document d USING (document_id) ORDER BY v.version").fetchall()
    assert [(Path(r[0]).name, str(r[1]), r[2], r[3]) for r in rows] == [("a.pdf", "2023-01-10", 1, False),
                                                                        ("b.pdf", "2023-03-01", 2, True)]
    con.close()
    (raw / "manifest.json").write_text(json.dumps({"a.pdf": {"published_at": "soon"}}), encoding="utf-8")
    refresh(raw, wh, force=True)  # a manifest edit applies to staged documents on a forced refresh
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT count(*) FROM core.parse_issues WHERE rule = 'manifest_disagrees' "
                       "AND message LIKE '%published_at%no date%'").fetchone()[0] == 1
    # without dates the file times decide again: a is the newer file
    assert con.execute("SELECT d.source_path FROM core.document_version v JOIN core.dim_document d "
                       "USING (document_id) WHERE v.is_current").fetchall() == [(str(raw / "a.pdf"),)]
    con.close()
