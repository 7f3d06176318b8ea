"""The forged corpus loads through the whole pipeline and the warehouse gives back its ground truth exactly."""
from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pytest

from pipelines.forge import forge
from pipelines.refresh import refresh

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def forged(tmp_path_factory):
    raw = tmp_path_factory.mktemp("forged")
    paths = forge(raw, counties=2, years=2, departments=2, seed=3)
    truth_dir = raw.parent / (raw.name + "_truth")
    truth_dir.mkdir()
    for t in raw.glob("*.truth.json"):
        t.rename(truth_dir / t.name)
    wh = tmp_path_factory.mktemp("fwh") / "budget.duckdb"
    refresh(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    yield con, paths, truth_dir
    con.close()


def test_both_template_families_forged(forged):
    _, _, truth_dir = forged
    fams = {json.loads(t.read_text(encoding="utf-8"))["family"] for t in truth_dir.glob("*.json")}
    assert fams == {"hebei", "jiangsu"}


def test_metadata_matches_truth(forged):
    con, _, truth_dir = forged
    for t in truth_dir.glob("*.json"):
        truth = json.loads(t.read_text(encoding="utf-8"))
        row = con.execute("SELECT county, region_code, department, department_code, fiscal_year, phase "
                          "FROM marts.documents WHERE source_path LIKE ?", ["%" + truth["source"]]).fetchone()
        assert row == (truth["county"], truth["region_code"], truth["department"], truth["department_code"],
                       truth["fiscal_year"], "budget"), truth["source"]


def test_every_forged_figure_comes_back_exactly(forged):
    con, _, truth_dir = forged
    for t in truth_dir.glob("*.json"):
        truth = json.loads(t.read_text(encoding="utf-8"))
        got = {(r[0], r[1], r[2]): r[3] for r in con.execute(
            "SELECT b.table_type, b.subject_code, b.measure, b.amount_wan FROM marts.budget_lines_all b "
            "JOIN core.dim_document d USING (document_id) WHERE d.source_path LIKE ? "
            "AND b.table_type IN ('expenditure', 'gpb_expenditure', 'revenue') AND b.subject_code IS NOT NULL "
            "AND b.measure IN ('合计', '基本支出', '项目支出', '上年结转')", ["%" + truth["source"]]).fetchall()}
        want = {(f["table_type"], f["subject_code"], f["measure"]): D(f["amount_wan"]) for f in truth["facts"]}
        assert got == want, truth["source"]


def test_forged_documents_reconcile(forged):
    con, _, _ = forged
    assert con.execute("SELECT rule, count(*) FROM dq.findings GROUP BY 1").fetchall() == []


def test_bundled_forged_corpus_is_reproducible(tmp_path):
    """data/raw/forged and data/forged_truth are exactly what the forge makes from its defaults
    (`cnbudget forge --counties 3 --years 2 --departments 2`)."""
    out = forge(tmp_path / "docs", counties=3, years=2, departments=2, finals=True, truth=tmp_path / "truth")
    assert len(out) == 20
    for p in out:
        assert (ROOT / "data" / "raw" / "forged" / p.name).read_bytes() == p.read_bytes(), p.name
    for t in (tmp_path / "truth").glob("*.json"):
        assert (ROOT / "data" / "forged_truth" / t.name).read_text(encoding="utf-8") == t.read_text(encoding="utf-8")
