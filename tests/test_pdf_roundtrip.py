"""Acceptance test of the PDF path: seed export -> PDF (pdfgen) -> blocks
(readers.pdf) must give the same block stream as the text export reader."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from pipelines.blocks import Block
from pipelines.pdfgen import render_blocks, render_seed_corpus, wrap_text
from pipelines.readers import text_export
from pipelines.text import clean
from pipelines.readers.pdf import PdfError, join_wrapped, read_blocks, read_pdf

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def _seq(blocks: list[Block]) -> list[tuple[str, list[str]]]:
    out = []
    for b in blocks:
        cells = list(b.cells)
        while cells and cells[-1] == "":
            cells.pop()
        out.append((b.kind, cells))
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdfs")
    return {p.stem: p for p in render_seed_corpus(SEEDS, out)}


def test_seeds_present():
    assert len(SEED_FILES) == 2, SEED_FILES


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_roundtrip_equals_text_export(seed: Path, corpus):
    expected = _seq(text_export.read_blocks(seed))
    result = read_pdf(corpus[seed.stem])
    got = _seq(result.blocks)
    assert result.warnings == []
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g == e, f"block {i}: {g!r} != {e!r}"
    # several tables, several pages, tables continued over pages
    assert len(result.pages) > 1
    assert result.table_count > 5


def test_render_is_deterministic(tmp_path):
    a = render_seed_corpus(SEEDS, tmp_path / "a")
    b = render_seed_corpus(SEEDS, tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_page_provenance(corpus):
    pdf = corpus["001_dcbc594b2af559b5"]
    blocks = read_blocks(pdf)
    # Checked by hand: page 1 holds the 收支总表 (35 rows) and, at its foot,
    # the title of the 收入总表, whose rows start on page 2.
    title = next(b for b in blocks if b.kind == "text" and b.cells == ["部门预算收入总表"])
    assert title.src.page == 1
    doc = pdfium.PdfDocument(str(pdf))
    texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    assert "部门预算收入总表" in texts[0]
    assert "部门预算收入总表" not in "".join(texts[1:])
    row = next(b for b in blocks if b.kind == "row" and "15407.98" in b.cells)
    assert row.cells[:3] == ["1", "一、一般公共预算拨款收入", "15407.98"]
    assert (row.src.page, row.src.table, row.src.row) == (1, 0, 4)
    assert [s.col for s in row.srcs] == list(range(len(row.cells)))
    assert "15407.98" in texts[0]
    # every block has a real page; row cells carry table/row/col
    for b in blocks:
        assert b.srcs and all(s.page is not None and 1 <= s.page <= len(doc) for s in b.srcs)
        if b.kind == "row":
            assert all(s.table is not None and s.row is not None and s.col is not None for s in b.srcs)
            # the page the reader names really holds the text
            for c in b.cells:
                if len(c) >= 4 and c.isdigit():
                    assert c in texts[b.src.page - 1]
    # a table that runs over a page break: consecutive rows on two pages
    pages_of_runs = []
    run: set[int] = set()
    for b in blocks:
        if b.kind == "row":
            run.add(b.src.page)
        elif run:
            pages_of_runs.append(run)
            run = set()
    assert any(len(r) > 1 for r in pages_of_runs)


def test_long_paragraph_is_one_block(corpus):
    blocks = read_blocks(corpus["001_dcbc594b2af559b5"])
    longest = max((b for b in blocks if b.kind == "text"), key=lambda b: len(b.cells[0]))
    assert len(longest.cells[0]) > 300
    expected = max((b for b in text_export.read_blocks(SEEDS / "001_dcbc594b2af559b5.txt") if b.kind == "text"),
                   key=lambda b: len(b.cells[0]))
    assert longest.cells == expected.cells


def test_wrap_and_rejoin():
    # clean() text (the seeds are clean()ed): no space next to a CJK character
    s = clean("每月411人, 1670元/月,每月预计需75万元,合计15407.98万元 and some latin words, e.g. www.example.gov.cn")
    assert "万元and" in s
    for width in (20, 35, 60, 90):
        lines = wrap_text(s, width, 7)
        assert join_wrapped(lines) == s
        assert all("15407" not in ln or "15407.98" in ln for ln in lines)


# --------------------------------------------------------------------------
# errors


def _small_pdf(path: Path, **kw) -> Path:
    render_blocks([Block("text", ["部门预算收支总表"]), Block("row", ["项目", "预算数"]), Block("row", ["合计", "1.00"])],
                  path, **kw)
    return path


def test_zero_byte_file(tmp_path):
    p = tmp_path / "empty.pdf"
    p.write_bytes(b"")
    with pytest.raises(PdfError, match="empty file"):
        read_pdf(p)


def test_missing_file(tmp_path):
    with pytest.raises(PdfError, match="not found"):
        read_pdf(tmp_path / "nope.pdf")


def test_html_saved_as_pdf(tmp_path):
    p = tmp_path / "page.pdf"
    p.write_text("<!DOCTYPE html><html><body>404 Not Found</body></html>", encoding="utf-8")
    with pytest.raises(PdfError, match="not a PDF"):
        read_pdf(p)


def test_truncated_pdf(tmp_path):
    good = _small_pdf(tmp_path / "good.pdf")
    data = good.read_bytes()
    for n in (len(data) // 2, len(data) - 40, 200):
        p = tmp_path / f"trunc{n}.pdf"
        p.write_bytes(data[:n])
        with pytest.raises(PdfError, match="truncated"):
            read_pdf(p)


def test_corrupt_pdf(tmp_path):
    p = tmp_path / "corrupt.pdf"
    p.write_bytes(b"%PDF-1.4\n" + b"garbage " * 200 + b"\n%%EOF\n")
    with pytest.raises(PdfError, match="corrupt"):
        read_pdf(p)


def test_encrypted_pdf(tmp_path):
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    p = tmp_path / "locked.pdf"
    enc = StandardEncryption("secret", ownerPassword="owner", strength=128)
    c = canvas.Canvas(str(p), encrypt=enc)
    c.drawString(72, 720, "budget 2022")
    c.save()
    with pytest.raises(PdfError, match="encrypted PDF \\(password required\\)"):
        read_pdf(p)
    with pytest.raises(PdfError, match="encrypted PDF \\(wrong password\\)"):
        read_pdf(p, password="guess")
    r = read_pdf(p, password="secret")
    assert [b.cells for b in r.blocks] == [["budget 2022"]]


def _image_page(c, w=400, h=300):
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    for y in range(20, h, 25):
        d.line((20, y, w - 20, y), fill="black", width=3)
    buf = BytesIO()
    img.save(buf, "PNG")
    buf.seek(0)
    c.drawImage(ImageReader(buf), 72, 300, width=w, height=h)


def test_image_only_pdf_needs_ocr(tmp_path):
    from reportlab.pdfgen import canvas

    p = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(p), invariant=1)
    _image_page(c)
    c.save()
    with pytest.raises(PdfError, match="needs OCR"):
        read_pdf(p)


def test_image_only_page_in_text_pdf_is_a_warning(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    p = tmp_path / "mixed.pdf"
    c = canvas.Canvas(str(p), invariant=1)
    c.setFont("STSong-Light", 12)
    c.drawString(72, 720, "部门预算收支总表")
    c.showPage()
    _image_page(c)
    c.showPage()
    c.showPage()  # blank
    c.save()
    r = read_pdf(p)
    assert [b.cells for b in r.blocks] == [["部门预算收支总表"]]
    assert r.needs_ocr == [2]
    assert [pg.status for pg in r.pages] == ["text", "needs_ocr", "blank"]
    assert len(r.warnings) == 1 and "p2" in r.warnings[0] and "needs OCR" in r.warnings[0]
