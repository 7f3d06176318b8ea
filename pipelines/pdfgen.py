"""Render a block stream into a PDF (reportlab) — the test-corpus generator.

The PDF reader (:mod:`pipelines.readers.pdf`) must turn the published PDFs
into the same block stream the text exports give.  To test it against a
known answer we render the seed text exports into PDFs that look like the
published ones (ruled tables, CJK text, wrapped cells, tables running over
pages) and read them back.

Layout rules (what the reader may rely on, and what a published PDF also
tends to do):

* A4 landscape, STSong-Light (a CID font every PDF viewer has; its text is
  extractable as Unicode).
* Each ``text`` block is one paragraph, kept on one page, with clear spacing
  before and after it.
* Each maximal run of consecutive ``row`` blocks is ONE ruled table (every
  grid line is a vector stroke), rows padded with empty cells to the run's
  widest row, column widths proportional to content.  A table longer than
  a page simply continues on the next page (no repeated header).
* Lines are wrapped by :func:`wrap_text`, which breaks only at a space
  (the space is dropped) or next to a CJK character — never inside a run of
  Latin letters/digits — so the reader can rejoin wrapped lines exactly:
  with nothing next to a CJK character, with one space otherwise.
  (reportlab's own ``wordWrap='CJK'`` may split "15407.98" across lines,
  which no reader can undo unambiguously.)
* ``invariant=1``: the same blocks give a byte-identical PDF.
"""
from __future__ import annotations

import re
from pathlib import Path

from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepTogether, Preformatted, SimpleDocTemplate, Spacer, Table, TableStyle

from .blocks import Block

FONT = "STSong-Light"
PAGE = landscape(A4)
MARGIN = 28.0
TEXT_SIZE = 9.0
TEXT_LEADING = 11.5
PARA_SPACE = 12.0         # space around paragraphs: line gap ~1.5 em, > the reader's 1.2 em cap
TABLE_SIZES = (7.0, 6.0, 5.0)   # try the largest font whose unbreakable tokens fit
CELL_PAD = 2.0
MIN_COL = 14.0

# Same character class as pipelines.text._CJK: characters next to which
# clean() drops whitespace, so a line break there is rejoined with "".
CJK_RE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_TOKEN = re.compile(r"\s+|[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]|[^\s\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")

_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _width(s: str, size: float) -> float:
    return pdfmetrics.stringWidth(s, _font(), size)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def longest_token(text: str, size: float) -> float:
    """Width of the widest unbreakable piece of ``text``."""
    return max((_width(t, size) for t in _tokens(text) if not t.isspace()), default=0.0)


def wrap_text(text: str, width: float, size: float) -> list[str]:
    """Greedy line wrap that breaks only at whitespace (dropped) or next to a
    CJK character.  A token wider than ``width`` gets a line of its own."""
    lines: list[str] = []
    cur = ""
    space = False
    for tok in _tokens(text):
        if tok.isspace():
            space = True
            continue
        cand = cur + (" " if space and cur else "") + tok
        space = False
        if not cur or _width(cand, size) <= width:
            cur = cand
        else:
            lines.append(cur)
            cur = tok
    if cur or not lines:
        lines.append(cur)
    return lines


def _drawable(line: str) -> str:
    """pdfium drops a text object of ONE non-ASCII glyph of a non-embedded CID
    font from its text layer (measured: '元' alone is lost, '元 ' is read as
    '元 ').  Such a line gets a trailing space; every reader strips it."""
    return line + " " if len(line) == 1 and ord(line) > 127 else line


def _col_widths(grid: list[list[str]], avail: float, size: float) -> list[float] | None:
    ncol = len(grid[0])
    minw = [MIN_COL] * ncol
    natw = [MIN_COL] * ncol
    for row in grid:
        for j, c in enumerate(row):
            if c:
                minw[j] = max(minw[j], longest_token(c, size) + 2 * CELL_PAD + 1)
                natw[j] = max(natw[j], _width(c, size) + 2 * CELL_PAD + 1)
    if sum(minw) > avail:
        return None
    if sum(natw) <= avail:
        return natw
    extra = avail - sum(minw)
    # proportional to content, damped (sqrt) so one long column does not
    # squeeze the narrow ones down to their minimum
    want = [max(n - m, 0.0) ** 0.5 for n, m in zip(natw, minw)]
    tot = sum(want) or 1.0
    widths = [m + extra * w / tot for m, w in zip(minw, want)]
    # give back what a column cannot use
    for _ in range(3):
        spare = sum(max(w - n, 0.0) for w, n in zip(widths, natw))
        widths = [min(w, n) for w, n in zip(widths, natw)]
        hungry = [j for j in range(ncol) if widths[j] < natw[j]]
        if spare <= 0.01 or not hungry:
            break
        ht = sum(want[j] for j in hungry) or 1.0
        for j in hungry:
            widths[j] += spare * want[j] / ht
    return widths


def _table(rows: list[Block], avail: float) -> Table:
    ncol = max(1, max(len(b.cells) for b in rows))
    grid = [list(b.cells) + [""] * (ncol - len(b.cells)) for b in rows]
    for size in TABLE_SIZES:
        widths = _col_widths(grid, avail, size)
        if widths is not None:
            break
    else:  # pragma: no cover - only for absurdly wide tables
        size = TABLE_SIZES[-1]
        widths = [avail / ncol] * ncol
    data = [
        ["\n".join(_drawable(ln) for ln in wrap_text(c, w - 2 * CELL_PAD - 0.5, size)) if c else "" for c, w in zip(row, widths)]
        for row in grid
    ]
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), _font()),
            ("FONTSIZE", (0, 0), (-1, -1), size),
            ("LEADING", (0, 0), (-1, -1), size * 1.25),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (0, 0), (-1, -1), "LEFT"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ]
    )
    return Table(data, colWidths=widths, style=style, hAlign="LEFT", splitByRow=1, repeatRows=0,
                 spaceBefore=PARA_SPACE, spaceAfter=PARA_SPACE)


def _paragraph(text: str, avail: float, style: ParagraphStyle):
    lines = [_drawable(ln) for ln in wrap_text(text, avail - 2, style.fontSize)]
    # one paragraph never splits over pages: the reader rebuilds paragraphs
    # from line geometry on one page
    return KeepTogether([Preformatted("\n".join(lines), style, dedent=0)])


def render_blocks(blocks: list[Block], out_path: Path, *, title: str | None = None, keywords: str = "") -> int:
    """Render ``blocks`` into a PDF at ``out_path``; return the page count. ``keywords`` go into the PDF's
    document information (the forge marks its documents synthetic there)."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    avail = PAGE[0] - 2 * MARGIN
    pstyle = ParagraphStyle(
        "body", fontName=_font(), fontSize=TEXT_SIZE, leading=TEXT_LEADING, alignment=TA_LEFT,
        spaceBefore=PARA_SPACE, spaceAfter=PARA_SPACE,
    )
    story = []
    run: list[Block] = []

    def flush():
        if run:
            story.append(_table(run, avail))
            run.clear()

    for b in blocks:
        if b.kind == "row":
            run.append(b)
            continue
        flush()
        text = " ".join(c for c in b.cells if c)
        if text.strip():
            story.append(_paragraph(text, avail, pstyle))
    flush()
    if not story:
        story.append(Spacer(1, 1))
    doc = SimpleDocTemplate(
        str(out_path), pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=title or "", author="cnbudget pdfgen", creator="cnbudget pdfgen", keywords=keywords,
        producer="cnbudget pdfgen", invariant=1,
    )
    doc.build(story)
    return doc.page


def render_seed_corpus(seeds_dir: Path, out_dir: Path) -> list[Path]:
    """Render every ``*.txt`` seed export in ``seeds_dir`` to ``out_dir/<stem>.pdf``."""
    from .readers.text_export import read_blocks

    out = []
    for src in sorted(Path(seeds_dir).glob("*.txt")):
        dst = Path(out_dir) / f"{src.stem}.pdf"
        render_blocks(read_blocks(src), dst, title=src.stem)
        out.append(dst)
    return out


if __name__ == "__main__":  # python -m pipelines.pdfgen SEEDS_DIR OUT_DIR
    import sys

    for p in render_seed_corpus(Path(sys.argv[1]), Path(sys.argv[2])):
        print(p)
