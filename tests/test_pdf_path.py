"""The PDF path (generated ruled PDFs read back with camelot) yields exactly the facts of the text path."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.normalize import normalize
from pipelines.pdfgen import render_blocks, render_seed_corpus
from pipelines.readers.pdf import read_pdf
from pipelines.readers.text_export import read_blocks
from pipelines.segment import segment

ROOT = Path(__file__).resolve().parents[1]
PROVENANCE = {"page", "line", "src_ref", "src_table", "src_row", "src_col"}


def facts(parsed, kind):
    rows = getattr(parsed, kind)
    return [{k: v for k, v in r.items() if k not in PROVENANCE} for r in rows]


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_pdf_facts_equal_text_facts(tmp_path, prefix, pingxiang, hezheng):
    src = {"000": hezheng, "001": pingxiang}[prefix]
    blocks = read_blocks(src)
    pdf = tmp_path / f"{prefix}.pdf"
    render_blocks(blocks, pdf)
    from_text = normalize(segment(blocks))
    res = read_pdf(pdf)
    from_pdf = normalize(segment(res.blocks))
    for kind in ("tables", "cells", "budget", "projects", "targets", "narrative", "issues"):
        a, b = facts(from_text, kind), facts(from_pdf, kind)
        if kind == "budget":  # the header path over a column exists where the cells sit under it: PDF only
            assert all(r["header_path"] is None for r in a)
            assert any(r["header_path"] for r in b) or not any(r["classification"] == "function" for r in b)
            a = [{k: v for k, v in r.items() if k != "header_path"} for r in a]
            b = [{k: v for k, v in r.items() if k != "header_path"} for r in b]
        if kind == "tables":  # first_page/pages only exist on the PDF side
            a = [{k: v for k, v in r.items() if k not in ("first_page", "pages")} for r in a]
            b = [{k: v for k, v in r.items() if k not in ("first_page", "pages")} for r in b]
        assert len(a) == len(b), kind
        for x, y in zip(a, b):
            assert x == y, kind
    # and the PDF side knows its pages
    assert all(r["page"] for r in from_pdf.budget)


def test_pdf_provenance_points_at_the_cell(tmp_path, pingxiang):
    pdf = tmp_path / "p.pdf"
    render_blocks(read_blocks(pingxiang), pdf)
    parsed = normalize(segment(read_pdf(pdf).blocks))
    row = [r for r in parsed.budget if r["table_type"] == "expenditure" and r["subject_code"] == "2080101"
           and r["measure"] == "合计"]
    assert len(row) == 1 and row[0]["amount_text"] == "1163.09"
    assert row[0]["page"] == 3 and row[0]["src_ref"].startswith("p3.t")


def test_bundled_samples_are_the_rendered_seeds(tmp_path):
    """data/raw holds the generator's output for the seeds, byte for byte (the generator is deterministic)."""
    out = render_seed_corpus(ROOT.parent / "shared" / "seeds", tmp_path)
    assert out
    for p in out:
        assert (ROOT / "data" / "raw" / p.name).read_bytes() == p.read_bytes(), p.name
