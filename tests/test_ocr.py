"""The OCR path: scanned pages read through the same reader, normaliser and checks as text pages.

The scans are made here from the bundled Pingxiang seed PDF (data/raw/001_*.pdf): its first two pages — the
收支总表 and the 收入总表 — rendered to images at 200 dpi as a scanner would (pipelines.readers.ocr.rasterise).
The values asserted are read by hand off ../shared/seeds/001_*.txt (部门预算收入总表: 合计 15415.77 = 本年收入
15407.98 + 上年结转 7.79; 208 社会保障和就业支出 11230.07 = 11225.70 + 4.37; 20801 1325.51).
"""
from __future__ import annotations

import shutil
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pypdfium2 as pdfium
import pytest

from pipelines.readers import ocr
from pipelines.readers.pdf import _garbage, _Char, read_pdf
from pipelines.normalize import normalize
from pipelines.refresh import refresh
from pipelines.segment import segment

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "001_dcbc594b2af559b5.pdf"


def _cell_box(page: int, text: str) -> tuple[float, float, float, float]:
    """The box (PDF points) of the first table cell on ``page`` of the seed PDF whose text is ``text``."""
    cells: dict = {}
    read_pdf(SEED, cells=cells)
    return next(box for (p, t, r, c), (txt, box) in sorted(cells.items()) if p == page and txt == text)


@pytest.fixture(scope="module")
def ocr_warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("ocr")
    raw = root / "raw"
    raw.mkdir()
    # mixed: pages 1-2 scanned, pages 3-24 with their text layer
    scan = ocr.rasterise(SEED, root / "scan12.pdf", 200, [1, 2])
    mixed = pdfium.PdfDocument.new()
    src, img = pdfium.PdfDocument(str(SEED)), pdfium.PdfDocument(str(scan))
    mixed.import_pages(img)
    mixed.import_pages(src, list(range(2, len(src))))
    mixed.save(str(raw / "mixed.pdf"))
    for d in (mixed, src, img):
        d.close()
    # fully scanned, with an ink blot over the 20801 合计 cell (1325.51) of page 2
    x0, y0, x1, y1 = _cell_box(2, "1325.51")
    w, h = x1 - x0, y1 - y0
    ocr.rasterise(SEED, raw / "scanned_smudged.pdf", 200, [1, 2],
                  smudge=[(2, (x0 + 0.1 * w, y0 + 0.15 * h, x1 - 0.1 * w, y1 - 0.15 * h))])
    wh = root / "wh" / "budget.duckdb"
    refresh(raw, wh)
    con = duckdb.connect(str(wh), read_only=True)
    ids = dict(con.execute("SELECT regexp_extract(source_path, '[^/]+$'), document_id FROM marts.documents").fetchall())
    yield con, ids
    con.close()
    shutil.rmtree(root, ignore_errors=True)


def _lines(con, doc, table_type, code):
    return {m: (a, s) for m, a, s in con.execute(
        "SELECT measure, amount_wan, source_method FROM marts.budget_lines_all WHERE document_id = ? "
        "AND table_type = ? AND subject_code IS NOT DISTINCT FROM ? AND amount_wan IS NOT NULL",
        [doc, table_type, code]).fetchall()}


def test_both_files_load(ocr_warehouse):
    con, ids = ocr_warehouse
    assert set(ids) == {"mixed.pdf", "scanned_smudged.pdf"}
    assert con.execute("SELECT count(*) FROM marts.ingest_errors").fetchone() == (0,)
    pages = dict(con.execute("SELECT document_id, pages FROM marts.documents").fetchall())
    assert pages[ids["mixed.pdf"]] == 24 and pages[ids["scanned_smudged.pdf"]] == 2


def test_mixed_file_reads_scanned_pages_by_ocr_and_text_pages_by_text(ocr_warehouse):
    con, ids = ocr_warehouse
    by_page = dict(con.execute(
        "SELECT page, list(DISTINCT source_method) FROM marts.budget_lines_all WHERE document_id = ? GROUP BY 1",
        [ids["mixed.pdf"]]).fetchall())
    assert by_page[1] == ["ocr"] and by_page[2] == ["ocr"]
    assert {p: m for p, m in by_page.items() if p > 2} and all(m == ["text"] for p, m in by_page.items() if p > 2)
    # every OCR'd amount carries its confidence; none read from the text layer has one
    assert con.execute(
        "SELECT count(*) FILTER (WHERE source_method = 'ocr' AND ocr_confidence IS NULL), "
        "count(*) FILTER (WHERE source_method = 'text' AND ocr_confidence IS NOT NULL), "
        "count(*) FILTER (WHERE source_method = 'ocr') FROM marts.budget_lines_all WHERE document_id = ?",
        [ids["mixed.pdf"]]).fetchone()[:2] == (0, 0)


def test_scanned_seed_yields_the_hand_read_values(ocr_warehouse):
    con, ids = ocr_warehouse
    doc = ids["mixed.pdf"]
    total = _lines(con, doc, "revenue", None)
    assert total["合计"] == (D("15415.77"), "ocr")
    assert total["上年结转"] == (D("7.79"), "ocr")
    r208 = _lines(con, doc, "revenue", "208")
    assert r208["合计"] == (D("11230.07"), "ocr") and r208["上年结转"] == (D("4.37"), "ocr")
    assert _lines(con, doc, "revenue", "20801")["合计"] == (D("1325.51"), "ocr")
    assert con.execute("SELECT amount_wan FROM marts.budget_lines_all WHERE document_id = ? AND "
                       "table_type = 'income_expense_summary' AND subject_name = '收入总计'", [doc]).fetchall() \
        == [(D("15415.77"),)]
    # every amount OCR read on pages 1-2 is the text layer's, or it is flagged (under the confidence floor) or
    # sits in a cell of a gating finding of the document's own arithmetic: no silent wrong number
    truth = {r["src_ref"]: r["amount"] for r in normalize(segment(read_pdf(SEED).blocks)).budget
             if r["page"] <= 2 and r["amount"] is not None}
    got = con.execute("SELECT src_ref, amount_published, ocr_confidence FROM marts.budget_lines_all "
                      "WHERE document_id = ? AND page <= 2 AND amount_published IS NOT NULL", [doc]).fetchall()
    assert {r for r, _, _ in got} == set(truth)
    doubted = {c for (cells,) in con.execute("SELECT cells FROM marts.dq_findings WHERE document_id = ? AND "
                                             "severity = 'error'", [doc]).fetchall() for c in (cells or "").split()}
    wrong = [(ref, a, truth[ref]) for ref, a, conf in got
             if a != truth[ref] and conf >= ocr.confidence_floor() and ref not in doubted]
    assert wrong == []
    assert sum(a == truth[ref] for ref, a, _ in got) >= 0.97 * len(truth)
    # and the text pages are the seed's own (支出总表, page 3)
    assert _lines(con, doc, "expenditure", "2080101")["合计"] == (D("1163.09"), "text")


def test_planted_unreadable_cell_is_flagged_and_kept_out(ocr_warehouse):
    con, ids = ocr_warehouse
    doc = ids["scanned_smudged.pdf"]
    found = con.execute("SELECT rule, severity, subject, page, cells FROM marts.dq_findings WHERE document_id = ? "
                        "AND rule IN ('parse_error', 'ocr_low_confidence')", [doc]).fetchall()
    # the blotted cell is 收入总表 row 20801, column 合计: reported, with its page and cell
    assert any(r[0] == "parse_error" and r[2] == "ocr_unread_cell" and r[3] == 2 for r in found), found
    assert con.execute("SELECT dq_status FROM marts.documents WHERE document_id = ?", [doc]).fetchone() == ("fail",)
    assert con.execute("SELECT count(*) FROM marts.budget_lines WHERE document_id = ?", [doc]).fetchone() == (0,)
    # the rest of the scan is read: the total row of the same table
    assert _lines(con, doc, "revenue", None)["合计"] == (D("15415.77"), "ocr")


def test_garbage_text_layer_is_detected():
    chars = [_Char(c, 0, 0, 1, 1) for c in "\ue001\ue002\ufffd\ue003收"]
    assert _garbage(chars) == 0.8
    assert _garbage([_Char(c, 0, 0, 1, 1) for c in "部门预算收支总表"]) == 0.0


def test_floor_and_settings_are_data():
    s = ocr.settings()
    assert s["dpi"] == 200 and 0 < s["confidence_floor"] < 1


def test_low_confidence_rule_fires_below_the_floor_only():
    from pipelines.sqlfiles import sql_text

    con = duckdb.connect()
    con.execute("CREATE SCHEMA core")
    con.execute("CREATE TABLE core.ref_ocr_setting (setting VARCHAR, value DOUBLE)")
    con.execute("INSERT INTO core.ref_ocr_setting VALUES ('confidence_floor', ?)", [ocr.confidence_floor()])
    con.execute("CREATE TABLE core.fact_budget_amount (document_id VARCHAR, table_seq INTEGER, table_type VARCHAR, "
                "subject_code VARCHAR, subject_name VARCHAR, measure VARCHAR, amount_text VARCHAR, page INTEGER, "
                "line INTEGER, src_ref VARCHAR, source_method VARCHAR, ocr_confidence DOUBLE)")
    floor = ocr.confidence_floor()
    con.executemany("INSERT INTO core.fact_budget_amount VALUES ('d', 1, 'revenue', '208', NULL, '合计', ?, 2, NULL, ?, ?, ?)",
                    [("11230.07", "p2.t0.r5.c3", "ocr", floor - 0.01), ("11225.70", "p2.t0.r5.c4", "ocr", floor),
                     ("4.37", "p2.t0.r5.c12", "text", None), ("1325.51", "p2.t0.r6.c3", "ocr", None)])
    # the rules read the per-document tables through chk_<table> views (sql/checks_io/scope_views.sql; all rows here)
    con.execute("CREATE TEMP VIEW chk_fact_budget_amount AS SELECT * FROM core.fact_budget_amount")
    rows = con.execute(sql_text("ocr.sql", "checks")).fetchall()
    got = {r[11]: r[12] for r in rows}  # cells -> passed
    assert got == {"p2.t0.r5.c3": False, "p2.t0.r5.c4": True}
    assert rows[0][0] == "ocr_low_confidence"
