"""Hostile and broken input: every bad file gets its outcome (read correctly, or a recorded ingest error
naming the file, the cause and what to do), the batch continues, no partial document enters the warehouse,
the limits are enforced, and nothing is read from outside the raw folder."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

import badinputs as B
from pipelines.limits import Limits
from pipelines.normalize import normalize
from pipelines.readers.text_export import read_blocks
from pipelines.refresh import load_manifest, refresh
from pipelines.segment import segment

# nothing in the batch needs the time limit any more (the stream bomb is refused by the stream bound before
# it is parsed; the time limit is tested alone, deterministically, in test_hostile2): a generous one keeps a
# loaded machine from timing out a good document
LIMITS = Limits(max_bytes=5_000_000, max_pages=1000, timeout_s=60, workers=2)

# file -> (error_kind, a phrase the message must contain)
EXPECTED_ERRORS = {
    "zero.pdf": ("empty_file", "zero-byte"),
    "truncated.pdf": ("pdf_error", "truncated"),
    "encrypted_locked.pdf": ("pdf_error", "encrypted"),
    "scanned.pdf": ("pdf_error", "needs OCR"),
    "cid_garbage.pdf": ("unmapped_glyphs", "no Unicode mapping"),
    "pages_2000.pdf": ("too_many_pages", "2000 pages"),
    "page_bomb.pdf": ("too_many_pages", "200000 pages"),
    "stream_bomb.pdf": ("too_large", "CNBUDGET_MAX_STREAM_MB"),
    "huge.pdf": ("too_large", "CNBUDGET_MAX_BYTES"),
    "pingxiang_gbk.txt": ("not_text", "not UTF-8"),
    "notes.docx": ("unsupported_type", "unsupported file type"),
    "manifest.json": ("manifest_invalid", "escapes the raw folder"),
    "link.txt": ("outside_raw", "outside the raw folder"),
}
LOADED = {"good.pdf", "broken_xref.pdf", "encrypted_open.pdf", "copy_protected.pdf", "pingxiang.txt", "odd_numbers.txt", "hezheng.txt",
          "missing_column.txt", "extra_column.txt", "cid_export.txt"}
# files named .pdf that are no PDF at all: classified (document_kind 'not_pdf'), not ingest errors
NOT_PDF = {"error_page.pdf": "an HTML page", "report.docx.pdf": "a ZIP container", "sheet.xls.pdf": "an OLE document"}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    raw = root / "raw"
    raw.mkdir()
    work = root / "work"
    work.mkdir()
    good = B.good_pdf(raw)
    for build in (B.zero_byte, B.truncated_pdf, B.broken_xref_pdf, B.scanned_pdf, B.cid_garbage_pdf,
                  B.cid_text_export, B.many_pages_pdf, B.page_bomb_pdf, B.stream_bomb_pdf, B.html_as_pdf,
                  B.docx_as_pdf, B.xls_as_pdf, B.gbk_text, B.table_missing_column, B.table_extra_column,
                  B.odd_numbers):
        build(raw)
    shutil.rmtree(raw / "_src")
    B.encrypted_pdf(raw, "")
    B.encrypted_pdf(raw, "secret")
    B.copy_protected_pdf(raw)
    B.duplicate(raw, good)
    (raw / "notes.docx").write_bytes(b"PK\x03\x04")
    with open(raw / "huge.pdf", "wb") as f:  # over max_bytes (sparse: costs no disk)
        f.write(b"%PDF-1.7\n")
        f.truncate(6_000_000)
    (raw / "pingxiang.txt").write_bytes(B.seed("001").read_bytes())
    (raw / "hezheng.txt").write_bytes(B.seed("000").read_bytes())
    secret = root / "secret.txt"
    secret.write_text("\tsecret outside the raw folder\n", encoding="utf-8")
    os.symlink(secret, raw / "link.txt")
    B.manifest(raw, {"hezheng.txt": {"fiscal_year": 2023}, "../secret.txt": {"fiscal_year": 1999}})
    wh = root / "wh" / "budget.duckdb"
    t0 = time.monotonic()
    stats = refresh(raw, wh, limits=LIMITS)
    stats["wall"] = time.monotonic() - t0
    con = duckdb.connect(str(wh), read_only=True)
    yield raw, wh, stats, con
    con.close()


def _name(p: str) -> str:
    return Path(p).name


def test_every_bad_input_gets_its_recorded_error(batch):
    raw, wh, stats, con = batch
    rows = con.execute("SELECT source_path, error_kind, error, hint FROM marts.ingest_errors").fetchall()
    got = {_name(p): (k, e, h) for p, k, e, h in rows}
    assert set(got) == set(EXPECTED_ERRORS), sorted(got)
    for name, (kind, phrase) in EXPECTED_ERRORS.items():
        k, e, h = got[name]
        assert k == kind, (name, k, e)
        assert phrase in e, (name, e)
        assert h, (name, "no hint on what to do")


def test_the_batch_continues_and_only_whole_documents_load(batch):
    raw, wh, stats, con = batch
    docs = {_name(p) for (p,) in con.execute("SELECT source_path FROM marts.documents").fetchall()}
    assert docs == LOADED | set(NOT_PDF)
    kinds = dict(con.execute("SELECT source_path, document_kind FROM marts.documents").fetchall())
    assert {_name(p) for p, k in kinds.items() if k == "not_pdf"} == set(NOT_PDF)
    for name, what in NOT_PDF.items():
        msg = con.execute("SELECT message FROM core.parse_issues i JOIN core.dim_document d USING (document_id) "
                          "WHERE d.source_path LIKE '%/' || ? AND i.rule = 'not_pdf'", [name]).fetchone()
        assert msg and what in msg[0], (name, msg)
    # nothing of a failed document is in any fact or cell table
    failed = {r[0] for r in con.execute("SELECT document_id FROM core.ingest_errors WHERE document_id IS NOT NULL").fetchall()}
    assert failed
    for table in ("fact_budget_amount", "fact_table_cell", "dim_table", "parse_issues", "fact_performance_target",
                  "fact_project_funding", "fact_narrative_figure"):
        n = con.execute(f"SELECT count(*) FROM core.{table} WHERE document_id IN "
                        "(SELECT document_id FROM core.ingest_errors)").fetchone()[0]
        assert n == 0, table
        orphans = con.execute(f"SELECT count(*) FROM core.{table} WHERE document_id NOT IN "
                              "(SELECT document_id FROM core.dim_document)").fetchone()[0]
        assert orphans == 0, table
    assert not list((wh.parent / "staging").glob(".tmp-*")), "a killed child left a partial staging folder"
    assert stats["duplicates"] == [(str(raw / "good_copy.pdf"), str(raw / "good.pdf"))]


def test_limits_are_quick(batch):
    """The 2,000-page PDF and the page bomb are refused from the page count, the stream bomb from its
    inflated size: no bad input costs a time limit."""
    *_, stats, _ = batch
    assert stats["wall"] < 90, stats["wall"]


def _sorted(rows) -> list[tuple]:
    return sorted((tuple(r) for r in rows), key=lambda t: tuple("" if v is None else str(v) for v in t))


def _budget(con, name: str) -> list[tuple]:
    return _sorted(con.execute("""SELECT table_type, subject_code, subject_name, measure, amount
                          FROM core.fact_budget_amount f JOIN core.dim_document d USING (document_id)
                          WHERE d.source_path LIKE '%/' || ?""", [name]).fetchall())


def test_damaged_but_readable_pdfs_read_like_the_text(batch):
    """A broken xref table is rebuilt by pdfium, a PDF encrypted with an empty user password opens
    without one, one that also forbids copying its text is read all the same (and says so in its record):
    all give exactly the facts of the text path."""
    *_, con = batch
    parsed = normalize(segment(B.small_blocks()))
    want = _sorted((r["table_type"], r["subject_code"], r["subject_name"], r["measure"], r["amount"])
                   for r in parsed.budget)
    assert want
    for name in ("good.pdf", "broken_xref.pdf", "encrypted_open.pdf", "copy_protected.pdf"):
        assert _budget(con, name) == want, name
    protected = {Path(p).name for (p,) in con.execute("SELECT source_path FROM marts.documents WHERE copy_protected")
                 .fetchall()}
    assert protected == {"copy_protected.pdf"}


def test_odd_number_forms_read_to_the_same_facts(batch):
    *_, con = batch
    odd, plain = _budget(con, "odd_numbers.txt"), _budget(con, "pingxiang.txt")
    assert odd and odd == plain
    texts = {r[0] for r in con.execute("""SELECT amount_text FROM core.fact_budget_amount f
        JOIN core.dim_document d USING (document_id) WHERE d.source_path LIKE '%/odd_numbers.txt'""").fetchall()}
    assert {"15,407.98", "１１６３.０９", "11,230.07"} & texts or {"15,407.98", "1163.09", "11,230.07"} <= texts


def test_table_with_missing_or_extra_column_never_reaches_analysts_wrong(batch):
    """A column missing: the table is not normalised (parse_error) and the document fails the gate.
    An extra column: either the table is read right or the document fails the gate — wrong numbers
    never reach marts.budget_lines."""
    *_, con = batch
    status = dict(con.execute("SELECT regexp_extract(source_path, '[^/]+$'), dq_status FROM marts.documents").fetchall())
    assert status["missing_column.txt"] == "fail"
    msgs = [m for (m,) in con.execute("""SELECT message FROM marts.dq_findings f JOIN marts.documents d
        USING (document_id) WHERE d.source_path LIKE '%/missing_column.txt' AND rule = 'parse_error'""").fetchall()]
    assert any("header" in m and "项目支出" in m for m in msgs), msgs
    gpb = "SELECT subject_code, measure, amount FROM core.fact_budget_amount f JOIN core.dim_document d " \
          "USING (document_id) WHERE table_type = 'gpb_expenditure' AND d.source_path LIKE '%/' || ? ORDER BY ALL"
    if status["extra_column.txt"] != "fail":
        assert con.execute(gpb, ["extra_column.txt"]).fetchall() == con.execute(gpb, ["pingxiang.txt"]).fetchall()
    for name in ("missing_column.txt", "extra_column.txt"):
        if status[name] == "fail":
            # the table the reader may have misread (parse_error: a parse doubt) stays out of the default view
            n = con.execute("SELECT count(*) FROM marts.budget_lines b JOIN marts.documents d USING (document_id) "
                            "JOIN dq.findings f ON f.document_id = b.document_id AND f.rule = 'parse_error' "
                            "AND (f.table_seq = b.table_seq OR f.table_seq IS NULL) "
                            "WHERE d.source_path LIKE '%/' || ?", [name]).fetchone()[0]
            assert n == 0, name
    assert con.execute("SELECT count(*) FROM marts.budget_lines b JOIN marts.documents d USING (document_id) "
                       "WHERE d.source_path LIKE '%/missing_column.txt' AND b.table_type = 'gpb_expenditure'"
                       ).fetchone()[0] == 0


def test_unreadable_text_layer_is_not_loaded_as_facts(batch):
    """A text export of '(cid:…)' garbage loads as a document without tables that fails the gate."""
    *_, con = batch
    row = con.execute("""SELECT dq_status, (SELECT count(*) FROM core.fact_budget_amount f
                         WHERE f.document_id = d.document_id) FROM marts.documents d
                         WHERE source_path LIKE '%/cid_export.txt'""").fetchone()
    assert row == ("fail", 0)


def test_manifest_overrides_the_headings_and_cannot_escape(batch):
    raw, wh, stats, con = batch
    assert con.execute("SELECT fiscal_year FROM marts.documents WHERE source_path LIKE '%/hezheng.txt'"
                       ).fetchone() == (2023,)  # the document says 2024; the manifest wins
    # … and the disagreement is recorded where the dashboard shows it
    msg = con.execute("SELECT message FROM marts.dq_findings f JOIN marts.documents d USING (document_id) "
                      "WHERE d.source_path LIKE '%/hezheng.txt' AND f.subject = 'manifest_disagrees'").fetchall()
    assert msg == [("hezheng.txt: manifest sets fiscal_year=2023 but the document's headings say 2024",)]
    with pytest.raises(ValueError, match="escapes the raw folder"):
        load_manifest(raw)
    # nothing from the symlinked file outside raw/ was read
    assert con.execute("SELECT count(*) FROM core.fact_table_cell WHERE text LIKE '%secret outside%'").fetchone() == (0,)


@pytest.mark.parametrize("entries", [{"/etc/passwd": {}}, {"../../x.pdf": {}}, {"a/../../x.pdf": {}}])
def test_load_manifest_refuses_paths_outside_raw(tmp_path, entries):
    B.manifest(tmp_path, entries)
    with pytest.raises(ValueError, match="escapes the raw folder"):
        load_manifest(tmp_path)


def test_unreadable_manifest_is_an_error_not_a_crash(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "pingxiang.txt").write_bytes(B.seed("001").read_bytes())
    (raw / "manifest.json").write_text("{not json", encoding="utf-8")
    wh = tmp_path / "wh" / "budget.duckdb"
    refresh(raw, wh, limits=LIMITS)
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT error_kind FROM marts.ingest_errors").fetchall() == [("manifest_invalid",)]
    assert con.execute("SELECT count(*) FROM marts.documents").fetchone() == (1,)
    con.close()


def test_a_limit_error_is_tried_again_when_the_limit_changes(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    B.many_pages_pdf(raw, 1200)
    wh = tmp_path / "wh" / "budget.duckdb"
    s1 = refresh(raw, wh, limits=Limits(max_pages=1000, timeout_s=60))
    assert [e["error_kind"] for e in s1["errors"]] == ["too_many_pages"]
    s2 = refresh(raw, wh, limits=Limits(max_pages=1000, timeout_s=60))
    assert s2["cached"] == 1 and s2["ingest_errors"] == 1
    s3 = refresh(raw, wh, limits=Limits(max_pages=1200, timeout_s=60))
    assert s3["extracted"] == 1 and s3["ingest_errors"] == 0
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT pages FROM marts.documents").fetchone() == (1200,)
    con.close()


def test_limits_from_environment(monkeypatch):
    for k, v in {"CNBUDGET_MAX_BYTES": "1000", "CNBUDGET_MAX_PAGES": "7", "CNBUDGET_TIMEOUT_S": "2.5",
                 "CNBUDGET_MAX_MEMORY_MB": "0", "CNBUDGET_WORKERS": "3", "CNBUDGET_MAX_TASKS": "4",
                 "CNBUDGET_ISOLATE": "0"}.items():
        monkeypatch.setenv(k, v)
    assert Limits.from_env() == Limits(1000, 7, 2.5, 0, 3, 4, False)
    assert Limits.from_env(max_pages=9).max_pages == 9
    monkeypatch.setenv("CNBUDGET_TIMEOUT_S", "soon")
    with pytest.raises(ValueError, match="CNBUDGET_TIMEOUT_S"):
        Limits.from_env()


def test_in_process_mode_gives_the_same_outcomes(tmp_path):
    """CNBUDGET_ISOLATE=0 (debugging) extracts in-process: same staged results, no child."""
    raw = tmp_path / "raw"
    raw.mkdir()
    B.zero_byte(raw)
    B.html_as_pdf(raw)
    (raw / "pingxiang.txt").write_bytes(B.seed("001").read_bytes())
    wh = tmp_path / "wh" / "budget.duckdb"
    stats = refresh(raw, wh, limits=Limits(isolate=False))
    assert stats["documents"] == 2 and stats["ingest_errors"] == 1  # the HTML page is a document of kind not_pdf
