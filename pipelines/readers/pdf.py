"""The universal PDF reader: a PDF file -> blocks in reading order.

Per page:

1. pypdfium2 reads the text layer (every character with its box) and counts
   the page's vector path segments and images — about a millisecond a page.
2. Triage: a page with no text but images is *image only* ("needs OCR"); a
   page with no text and no images is blank; a page with at least
   ``MIN_SEGMENTS`` vector path segments may hold a ruled table.
3. Only the table candidates go to camelot, in ONE ``read_pdf`` call,
   ``flavor='lattice', engine='vector'`` (ruled lines read from the vector
   graphics, no rendering: ~0.03 s a page) with ``split_text=True`` (text
   lines that run over a cell border are cut at the border).  If the vector
   engine raises, those pages are retried with camelot's default
   (raster+vector ``'combined'``) engine; a page where that fails too gets a
   warning and its text as text blocks.  A page with at least
   ``RETRY_SEGMENTS`` path segments on which the vector engine finds no
   table at all (rules it cannot assemble into a grid, as on the national
   决算 template's pages) is read again with the ``'combined'`` engine; such
   pages are rare (none in the Jiangsu set), so the cost stays small.
4. Text lines outside every table box are grouped into paragraphs by line
   geometry; tables become ``row`` blocks; both are merged top to bottom.

Lines wrapped inside a cell or a paragraph are rejoined with nothing next to
a CJK character and with one space otherwise, then :func:`clean` — which
reproduces the original text when the writer broke lines only at spaces or
next to CJK characters (as :mod:`pipelines.pdfgen` does; published PDFs
break Chinese text anywhere and numbers hardly ever).

Pages without a usable text layer (images only, or a text layer of mostly
replacement / private-use glyphs) are read by OCR (:mod:`pipelines.readers.ocr`):
the page image becomes a reconstructed page of vector rules and positioned
text that this same reader reads, page by page in a mixed document; each
table cell of such a page gets its recognition confidence
(:attr:`PdfReadResult.ocr_conf`) and an empty cell with ink in it is listed
as unread (:attr:`PdfReadResult.ocr_unread`).

Errors: :class:`PdfError` names the cause (missing, empty, not a PDF,
truncated, encrypted / wrong password, corrupt, no text layer at all when
OCR is off or not installed).
"""
from __future__ import annotations

import ctypes
import gc
import re
import statistics
import warnings as _warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..blocks import Block, Src
from ..text import _CJK, clean

GAP_SPLIT = 3.0           # a horizontal gap > 3 em splits a line into two text pieces
MIN_SEGMENTS = 8          # a ruled table has >= 3 horizontal + 3 vertical strokes
RETRY_SEGMENTS = 40       # so ruled a page, and no table from the vector engine: read again with 'combined'
# boxes_flow=None: camelot's layout analysis (playa's pdfminer port) skips the hierarchical grouping of text
# boxes, which only orders the boxes for reading and took ~60 % of camelot's time on the table pages; camelot
# sorts the text lines of a table by position itself, so the tables read are the same (checked on every
# table page of ../shared/real: the staged output is identical row for row)
CAMELOT_KW = dict(flavor="lattice", engine="vector", split_text=True, layout_kwargs={"boxes_flow": None})
# camelot's layout analysis allocates millions of objects that live until the page is done: with the default
# thresholds (700, 10, 10) the cyclic garbage collector ran often enough to cost ~30 % of the reading time
GC_THRESHOLD = (50_000, 20, 20)
_CJK_RE = re.compile(_CJK)


class PdfError(Exception):
    """The file cannot be read as a PDF; the message names the cause."""


@dataclass
class PageInfo:
    number: int                 # 1-based
    width: float                # displayed (rotation applied)
    height: float
    rotation: int
    chars: int                  # non-blank characters in the text layer
    segments: int               # vector path segments
    images: int
    status: str = "text"        # 'text' | 'blank' | 'needs_ocr' | 'ocr' (read by OCR)
    camelot: bool = False       # was camelot run on the page
    engine: str | None = None   # camelot engine that produced the tables
    tables: int = 0


@dataclass
class PdfReadResult:
    blocks: list[Block]
    pages: list[PageInfo]
    warnings: list[str] = field(default_factory=list)
    info: dict[str, str] = field(default_factory=dict)  # the document information (Title, Keywords, Subject …)
    copy_protected: bool = False  # encrypted with permissions that forbid copying text (read all the same)
    ocr_conf: dict[str, float | None] = field(default_factory=dict)  # src_ref of a cell on an OCR page -> confidence
    ocr_unread: list[tuple[int, str]] = field(default_factory=list)  # (page, src_ref) of empty cells with ink in them

    @property
    def ocr_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.status == "ocr"]

    @property
    def needs_ocr(self) -> list[int]:
        return [p.number for p in self.pages if p.status == "needs_ocr"]

    @property
    def table_count(self) -> int:
        return sum(p.tables for p in self.pages)


# --------------------------------------------------------------------------
# opening


def _open(path: Path, password: str | None) -> pdfium.PdfDocument:
    path = Path(path)
    if not path.exists():
        raise PdfError(f"file not found: {path}")
    if path.is_dir():
        raise PdfError(f"not a file (a directory): {path}")
    size = path.stat().st_size
    if size == 0:
        raise PdfError(f"empty file (0 bytes), not a PDF: {path.name}")
    with open(path, "rb") as fh:
        head = fh.read(1024)
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%PDF-" not in head:
        raise PdfError(f"not a PDF (no %PDF- header; file starts with {head[:24]!r}): {path.name}")
    try:
        doc = pdfium.PdfDocument(str(path), password=password)
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            what = "wrong password" if password else "password required"
            raise PdfError(f"encrypted PDF ({what}): {path.name}") from e
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise PdfError(f"encrypted PDF (unsupported security handler): {path.name}") from e
        if b"%%EOF" not in tail:
            raise PdfError(f"truncated PDF (no %%EOF at end of file, {size} bytes) and unreadable: {path.name}") from e
        raise PdfError(f"corrupt PDF (pdfium: {e}): {path.name}") from e
    if b"%%EOF" not in tail:
        doc.close()
        raise PdfError(f"truncated PDF (no %%EOF marker at end of file, {size} bytes): {path.name}")
    if len(doc) == 0:
        doc.close()
        raise PdfError(f"corrupt PDF (no pages): {path.name}")
    return doc


# --------------------------------------------------------------------------
# text layer


@dataclass(slots=True)
class _Char:
    ch: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(slots=True)
class _Line:
    chars: list[_Char]
    x0: float = 0.0
    x1: float = 0.0
    bottom: float = 0.0
    top: float = 0.0
    text: str = ""

    @property
    def h(self) -> float:
        return self.top - self.bottom


def _to_display(rot: int, w: float, h: float, x: float, y: float) -> tuple[float, float]:
    """PDF user space (mediabox origin, unrotated w x h) -> displayed page
    space (rotation applied, origin bottom-left, y up) — camelot's space."""
    if rot == 90:
        return y, w - x
    if rot == 180:
        return w - x, h - y
    if rot == 270:
        return h - y, x
    return x, y


def _page_box(page) -> tuple[float, float, float, float]:
    """The page's MediaBox normalised (the spec allows any two opposite corners); an empty or absurd one
    is replaced by the box pdfium lays the page out in."""
    l, b, r, t = page.get_mediabox()
    l, r = min(l, r), max(l, r)
    b, t = min(b, t), max(b, t)
    if r - l < 1 or t - b < 1:
        l, b, r, t = page.get_bbox()
    return l, b, r, t


def _page_chars(page, textpage, rot: int) -> list[_Char]:
    l, b, r, t = _page_box(page)
    w, h = r - l, t - b
    pw, ph = (h, w) if rot in (90, 270) else (w, h)
    raw_tp = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw_tp)
    rect = pdfium_c.FS_RECTF()
    ref = ctypes.byref(rect)
    out: list[_Char] = []
    get_u = pdfium_c.FPDFText_GetUnicode
    is_gen = pdfium_c.FPDFText_IsGenerated
    loose = pdfium_c.FPDFText_GetLooseCharBox
    for i in range(n):
        u = get_u(raw_tp, i)
        if u in _NO_CHAR or is_gen(raw_tp, i) == 1:
            continue
        if not loose(raw_tp, i, ref):
            continue
        if rot:
            xa, ya = _to_display(rot, w, h, rect.left - l, rect.bottom - b)
            xb, yb = _to_display(rot, w, h, rect.right - l, rect.top - b)
        else:
            xa, ya, xb, yb = rect.left - l, rect.bottom - b, rect.right - l, rect.top - b
        x0, y0, x1, y1 = min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if not (0 <= cx <= pw and 0 <= cy <= ph):
            continue  # drawn outside the page: invisible (e.g. spreadsheet exports' off-page rows)
        out.append(_Char(chr(u), x0, y0, x1, y1))
    return out


_NO_CHAR = frozenset((0, 0xFFFE, 0xFFFF, 10, 13))  # no character, or a line break


def _lines(chars: list[_Char]) -> list[_Line]:
    """Cluster characters into horizontal lines (top to bottom)."""
    lines: list[_Line] = []
    for c in sorted(chars, key=lambda c: -(c.y0 + c.y1)):
        yc = (c.y0 + c.y1) / 2
        ln = lines[-1] if lines else None
        if ln is not None and ln.bottom <= yc <= ln.top and abs(yc - (ln.bottom + ln.top) / 2) <= 0.35 * max(ln.h, c.y1 - c.y0):
            ln.chars.append(c)
            ln.bottom, ln.top = min(ln.bottom, c.y0), max(ln.top, c.y1)
        else:
            lines.append(_Line([c], bottom=c.y0, top=c.y1))
    out: list[_Line] = []
    for ln in lines:
        ln.chars.sort(key=lambda c: c.x0)
        vis = [c for c in ln.chars if not c.ch.isspace()]
        if not vis:
            continue
        hs = sorted(c.y1 - c.y0 for c in vis)
        height = hs[len(hs) // 2]
        bottom = statistics.median(c.y0 for c in vis)
        # a wide horizontal gap (e.g. "部门:…" flush left, "单位:万元" flush
        # right) separates two pieces of text on one line
        groups: list[list[_Char]] = [[]]
        last = None
        for c in ln.chars:
            if c.ch.isspace():
                groups[-1].append(c)
                continue
            if last is not None and c.x0 - last.x1 > GAP_SPLIT * max(height, 1.0):
                groups.append([])
            groups[-1].append(c)
            last = c
        for g in groups:
            parts: list[str] = []
            prev = None
            for c in g:
                if prev is not None and c.x0 - prev.x1 > 0.25 * (c.y1 - c.y0) and not c.ch.isspace() and not prev.ch.isspace():
                    parts.append(" ")
                parts.append(c.ch)
                prev = c
            gv = [c for c in g if not c.ch.isspace()]
            if not gv:
                continue
            out.append(_Line(g, x0=min(c.x0 for c in gv), x1=max(c.x1 for c in gv), bottom=bottom,
                             top=bottom + height, text="".join(parts).strip()))
    return [ln for ln in out if ln.text]


def join_wrapped(pieces: list[str]) -> str:
    """Rejoin the lines of a wrapped cell/paragraph: nothing between pieces
    where either side is a CJK character, one space otherwise; then clean()."""
    out = ""
    for p in pieces:
        p = p.strip()
        if not p:
            continue
        if out and not (_CJK_RE.match(out[-1]) or _CJK_RE.match(p[0])):
            out += " "
        out += p
    return clean(out)


def _paragraphs(lines: list[_Line], base_gap: float | None, right: float) -> list[list[_Line]]:
    """Group consecutive text lines (top to bottom, no table between them)
    into paragraphs.  A new paragraph starts at a clear vertical gap, a font
    size change, a first-line indent, or after a line that ends well short
    of the right edge of the page's text."""
    if not lines:
        return []
    paras: list[list[_Line]] = [[lines[0]]]
    for prev, cur in zip(lines, lines[1:]):
        h = max(prev.h, cur.h, 1.0)
        gap = prev.bottom - cur.top
        thr = 0.6 * h if base_gap is None else max(0.6 * h, base_gap + 0.4 * h)
        thr = min(thr, 1.2 * h)
        new = (
            gap > thr
            or gap < -0.5 * h                      # overlapping / out of order
            or abs(prev.h - cur.h) > 0.15 * h      # font size change
            or cur.x0 > prev.x0 + 1.5 * h          # first-line indent
            or prev.x1 < right - 6 * h             # previous line ended short
        )
        if new:
            paras.append([cur])
        else:
            paras[-1].append(cur)
    return paras


# --------------------------------------------------------------------------
# page inventory


def _count_objects(page) -> tuple[int, int]:
    segs = imgs = 0
    raw_page = page.raw
    n = pdfium_c.FPDFPage_CountObjects(raw_page)
    objs = [pdfium_c.FPDFPage_GetObject(raw_page, i) for i in range(n)]
    while objs:
        o = objs.pop()
        t = pdfium_c.FPDFPageObj_GetType(o)
        if t == pdfium_c.FPDF_PAGEOBJ_PATH:
            segs += max(0, pdfium_c.FPDFPath_CountSegments(o))
        elif t == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            imgs += 1
        elif t == pdfium_c.FPDF_PAGEOBJ_FORM:
            m = pdfium_c.FPDFFormObj_CountObjects(o)
            objs.extend(pdfium_c.FPDFFormObj_GetObject(o, i) for i in range(m))
    return segs, imgs


def copy_forbidden(doc: pdfium.PdfDocument) -> bool:
    """Encrypted with permissions that forbid extracting text (bit 5 of /P).  The permission bits are
    advisory: a reader of public disclosures reads the text anyway, and records that it was protected."""
    if pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) == -1:
        return False
    return not (pdfium_c.FPDF_GetDocPermissions(doc.raw) & 0x10)


def _unprotected_copy(doc: pdfium.PdfDocument, folder: str) -> Path:
    """The document saved without its security handler (what camelot reads: it refuses a PDF whose
    permissions forbid copying)."""
    out = Path(folder) / "unprotected.pdf"
    with open(out, "wb") as fh:
        doc.save(fh, flags=pdfium_c.FPDF_REMOVE_SECURITY)
    return out


# --------------------------------------------------------------------------
# camelot


def _camelot_tables(path: Path, pages: list[int], password: str | None, warns: list[str],
                    engine: str = "vector") -> dict[int, tuple[str, list]]:
    """{page: (engine, [camelot tables in camelot's order])} for ``pages``."""
    if not pages:
        return {}
    import camelot

    def run(pgs: list[int], **kw):
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            return camelot.read_pdf(str(path), pages=",".join(map(str, pgs)), password=password, **kw)

    first = dict(CAMELOT_KW, engine=engine)
    out: dict[int, tuple[str, list]] = {p: (engine, []) for p in pages}
    try:
        tables = run(pages, **first)
    except Exception:  # noqa: BLE001 - retry page by page, then with the default engine
        tables = []
        for p in pages:
            try:
                ts = run([p], **first)
                out[p] = (engine, list(ts))
            except Exception:  # noqa: BLE001
                try:
                    kw = dict(CAMELOT_KW)
                    kw.pop("engine")
                    ts = run([p], **kw)
                    out[p] = ("combined", list(ts))
                except Exception as e:  # noqa: BLE001
                    out[p] = ("failed", [])
                    warns.append(f"p{p}: camelot failed ({type(e).__name__}: {e}); page read as text only")
        return out
    for t in tables:
        out.setdefault(int(t.page), (engine, []))[1].append(t)
    return out


def _table_box(t) -> tuple[float, float, float, float]:
    xs0 = [c.x1 for row in t.cells for c in row]
    ys0 = [c.y1 for row in t.cells for c in row]
    xs1 = [c.x2 for row in t.cells for c in row]
    ys1 = [c.y2 for row in t.cells for c in row]
    return min(xs0), min(ys0), max(xs1), max(ys1)


# --------------------------------------------------------------------------
# the reader


def _garbage(chars: list[_Char]) -> float:
    """Share of replacement, private-use and control characters in a page's text layer."""
    vis = [c.ch for c in chars if not c.ch.isspace()]
    if not vis:
        return 0.0
    bad = sum(1 for ch in vis if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff" or ord(ch) < 32)
    return bad / len(vis)


def read_pdf(path: Path, *, password: str | None = None, engine: str = "vector", ocr: bool = True,
             cells: dict | None = None) -> PdfReadResult:
    """Read a PDF into blocks in reading order, with per-page facts and
    warnings.  Raises :class:`PdfError` when the file is not a readable PDF
    or no page has a text layer (a scan: needs OCR).

    ``engine`` is camelot's lattice line engine for the table pages:
    ``'vector'`` (default, render-free, fast) or ``'combined'`` (camelot's
    default, raster+vector, ~20x slower; finds rules drawn in ways the
    vector engine misses).

    ``ocr``: read pages without a usable text layer by OCR (when the engine
    is installed).  ``cells``, when given, is filled with every table cell's
    text and box: ``{(page, table, row, col): (text, (x0, y0, x1, y1))}``."""
    path = Path(path)
    with _fewer_collections():
        return _read_pdf(path, password, engine, ocr, cells)


@contextmanager
def _fewer_collections():
    """Raise the garbage collector's thresholds to at least GC_THRESHOLD while a document is read."""
    before = gc.get_threshold()
    gc.set_threshold(*(max(a, b) for a, b in zip(before, GC_THRESHOLD)))
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _read_pdf(path: Path, password: str | None, engine: str, ocr: bool, cells: dict | None) -> PdfReadResult:
    import tempfile

    doc = _open(path, password)
    try:
        doc_info = {k: str(v) for k, v in doc.get_metadata_dict().items() if v}
    except pdfium.PdfiumError:
        doc_info = {}
    protected = copy_forbidden(doc)
    with tempfile.TemporaryDirectory(prefix="cnbudget-pdf-") as tmp:
        if protected:
            try:
                camelot_path, camelot_password = _unprotected_copy(doc, tmp), None
            except Exception:  # noqa: BLE001 - read what pdfium reads; camelot's pages then fail with a warning
                camelot_path, camelot_password = path, password
        else:
            camelot_path, camelot_password = path, password
        res = _read_open(doc, path, camelot_path, camelot_password, engine, ocr=ocr, cell_boxes=cells,
                         doc_password=password)
    res.info, res.copy_protected = doc_info, protected
    return res


def _read_open(doc: pdfium.PdfDocument, path: Path, camelot_path: Path, password: str | None,
               engine: str, *, ocr: bool = True, cell_boxes: dict | None = None,
               doc_password: str | None = None) -> PdfReadResult:
    """read_pdf on an open document (closed here); camelot reads ``camelot_path`` (with ``password``), the OCR
    path renders ``path`` (with ``doc_password``)."""
    warns: list[str] = []
    pages: list[PageInfo] = []
    page_lines: dict[int, list[_Line]] = {}
    try:
        for i in range(len(doc)):
            page = doc[i]
            try:
                rot = page.get_rotation() % 360
                w, h = page.get_size()
                tp = page.get_textpage()
                try:
                    chars = _page_chars(page, tp, rot)
                finally:
                    tp.close()
                segs, imgs = _count_objects(page)
            finally:
                page.close()
            nvis = sum(1 for c in chars if not c.ch.isspace())
            info = PageInfo(i + 1, w, h, rot, nvis, segs, imgs)
            if nvis == 0:
                info.status = "needs_ocr" if imgs else "blank"
            elif ocr and _garbage(chars) > _ocr_setting("garbage_share"):
                info.status = "needs_ocr"
                chars, nvis = [], 0
            pages.append(info)
            page_lines[i + 1] = _lines(chars) if nvis else []
    finally:
        doc.close()

    ocr_blocks: dict[int, list[Block]] = {}
    ocr_conf: dict[str, float | None] = {}
    ocr_unread: list[tuple[int, str]] = []
    todo = [p for p in pages if p.status == "needs_ocr"]
    if todo and ocr and _ocr_available():
        ocr_blocks, ocr_conf, ocr_unread = _read_by_ocr(path, doc_password, todo, warns)
    for p in pages:
        if p.status == "needs_ocr":
            why = "no text layer, {} image(s) only".format(p.images) if p.chars == 0 else "text layer is garbage"
            warns.append(f"p{p.number}: {why}: needs OCR")

    if not any(p.status in ("text", "ocr") for p in pages):
        if any(p.status == "needs_ocr" for p in pages):
            raise PdfError(
                f"needs OCR: no text layer on any of {len(pages)} page(s) (image-only/scanned PDF): {path.name}"
            )
        raise PdfError(f"no text: all {len(pages)} page(s) are blank: {path.name}")

    candidates = [p.number for p in pages if p.status == "text" and p.segments >= MIN_SEGMENTS]
    found = _camelot_tables(camelot_path, candidates, password, warns, engine)
    if engine == "vector":
        segs = {p.number: p.segments for p in pages}
        retry = [n for n, (used, ts) in found.items() if not ts and used == "vector" and segs[n] >= RETRY_SEGMENTS]
        if retry:
            again = _camelot_tables(camelot_path, retry, password, [], "combined")
            found.update({n: (used, ts) for n, (used, ts) in again.items() if ts})

    # typical within-paragraph line gap of the document (for generous line spacing)
    gaps = []
    for p in pages:
        lines = page_lines[p.number]
        for a, b in zip(lines, lines[1:]):
            hh = max(a.h, b.h, 1.0)
            g = a.bottom - b.top
            if abs(a.h - b.h) <= 0.15 * hh and 0 <= g <= 3 * hh:
                gaps.append(g / hh)
    gaps.sort()
    base_rel = gaps[len(gaps) // 10] if len(gaps) >= 5 else None

    blocks: list[Block] = []
    for p in pages:
        if p.status == "ocr":
            blocks.extend(ocr_blocks.get(p.number, []))
            continue
        used, tables = found.get(p.number, (None, []))
        p.camelot = p.number in found
        p.engine = used
        p.tables = len(tables)
        boxes = [_table_box(t) for t in tables]
        items: list[tuple[float, int, object]] = []
        for ti, (t, box) in enumerate(zip(tables, boxes)):
            items.append((box[3], 0, (ti, t)))
        free = []
        for ln in page_lines[p.number]:
            cx, cy = (ln.x0 + ln.x1) / 2, (ln.bottom + ln.top) / 2
            if any(b[0] - 1 <= cx <= b[2] + 1 and b[1] - 1 <= cy <= b[3] + 1 for b in boxes):
                continue
            free.append(ln)
        right = max((ln.x1 for ln in page_lines[p.number]), default=0.0)
        for li, ln in enumerate(free):
            items.append((ln.top, 1, (li, ln)))
        items.sort(key=lambda it: -it[0])
        run: list[_Line] = []
        run_idx: list[int] = []

        def flush():
            base = None if base_rel is None else base_rel * statistics.median(l.h for l in run)
            k = 0
            for para in _paragraphs(run, base, right):
                text = join_wrapped([l.text for l in para])
                if text:
                    blocks.append(Block("text", [text], [Src(page=p.number, row=run_idx[k])]))
                k += len(para)
            run.clear()
            run_idx.clear()

        for _, kind, payload in items:
            if kind == 1:
                li, ln = payload
                run.append(ln)
                run_idx.append(li)
                continue
            if run:
                flush()
            ti, t = payload
            if cell_boxes is not None:
                for ri, crow in enumerate(t.cells):
                    for ci, c in enumerate(crow):
                        cell_boxes[(p.number, ti, ri, ci)] = (join_wrapped(str(t.df.iat[ri, ci]).split("\n"))
                                                         if ri < t.df.shape[0] and ci < t.df.shape[1] else "",
                                                         (c.x1, c.y1, c.x2, c.y2))
            for ri, row in enumerate(t.df.values.tolist()):
                cells = [join_wrapped(str(c).split("\n")) for c in row]
                blocks.append(
                    Block("row", cells, [Src(page=p.number, table=ti, row=ri, col=ci) for ci in range(len(cells))])
                )
        if run:
            flush()
    return PdfReadResult(blocks, pages, warns, ocr_conf=ocr_conf, ocr_unread=ocr_unread)


# --------------------------------------------------------------------------
# OCR pages


def _ocr_setting(name: str) -> float:
    from . import ocr as _ocr

    return _ocr.settings()[name]


def _ocr_available() -> bool:
    from . import ocr as _ocr

    return _ocr.available()


def _read_by_ocr(path: Path, password: str | None, todo: list[PageInfo], warns: list[str]):
    """OCR the ``todo`` pages; read their reconstruction with this reader.  Returns (blocks by page, cell
    confidences by src_ref, unread cells) and marks the pages read as 'ocr'."""
    import dataclasses
    import tempfile

    from . import ocr as _ocr

    dpi = int(_ocr.settings()["dpi"])
    doc = pdfium.PdfDocument(str(path), password=password)
    done: list[_ocr.OcrPage] = []
    try:
        for p in todo:
            page = doc[p.number - 1]
            try:
                w, h = page.get_size()
                gray = _ocr.render_gray(page, dpi)
            finally:
                page.close()
            try:
                op = _ocr.ocr_page(gray, dpi, w, h, p.number)
            except Exception as e:  # noqa: BLE001 - the OCR engine's own errors (onnxruntime) are no Python builtins
                # the engine failed on this page (e.g. out of memory under the worker's limit): the page stays
                # 'needs_ocr' with a warning; the rest of the document is read
                warns.append(f"p{p.number}: OCR failed ({type(e).__name__}: {str(e).splitlines()[-1][:160]})")
                continue
            if not op.pieces:
                continue  # nothing legible: the page stays 'needs_ocr'
            done.append(op)
    finally:
        doc.close()
    if not done:
        return {}, {}, []
    with tempfile.TemporaryDirectory(prefix="cnbudget-ocr-") as td:
        tmp = Path(td) / "ocr.pdf"
        tmp.write_bytes(_ocr.reconstruct(done))
        cells: dict = {}
        res = read_pdf(tmp, ocr=False, cells=cells)
    number = {i + 1: op.number for i, op in enumerate(done)}
    by_number = {op.number: op for op in done}
    blocks: dict[int, list[Block]] = {}
    for b in res.blocks:
        pn = number[b.src.page]
        blocks.setdefault(pn, []).append(
            Block(b.kind, b.cells, [dataclasses.replace(s, page=pn) for s in b.srcs]))
    conf: dict[str, float | None] = {}
    unread: list[tuple[int, str]] = []
    for i, op in enumerate(done):
        mine = {(t, r, c): v for (pg, t, r, c), v in cells.items() if pg == i + 1}
        cc, un = _ocr.cell_report(op, mine)
        for (t, r, c), v in cc.items():
            conf[Src(page=op.number, table=t, row=r, col=c).ref()] = v
        unread.extend((op.number, Src(page=op.number, table=t, row=r, col=c).ref()) for t, r, c in un)
    for p in todo:
        if p.number in by_number:
            p.status = "ocr"
            p.tables = res.pages[[op.number for op in done].index(p.number)].tables
            p.engine = "ocr"
    for w in res.warnings:
        m = re.match(r"^p(\d+):(.*)$", w)
        warns.append(f"p{number[int(m.group(1))]}:{m.group(2)} (OCR page)" if m else w)
    return blocks, conf, unread


def read_blocks(path: Path, *, password: str | None = None) -> list[Block]:
    """Blocks of a PDF (see :func:`read_pdf`; page warnings are dropped)."""
    return read_pdf(path, password=password).blocks
