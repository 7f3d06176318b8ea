"""OCR for pages without a usable text layer: page image -> a reconstructed
vector page -> the same PDF reader.

For every page the PDF reader triages as *needs OCR* (images and no text, or
a text layer that is mostly unmapped / replacement / private-use glyphs):

1. pypdfium2 renders the page in grey at ``dpi`` (vocab/ocr.csv, 200).
2. Ruled lines are found in the image by OpenCV morphology (an opening with a
   long thin horizontal and vertical kernel, as camelot's raster lattice
   does); the page is deskewed first when the long horizontal rules lean.
   The rules are erased from the image the OCR engine sees (a rule beside a
   figure must not be read as a "1").
3. RapidOCR's PP-OCRv4 text detector finds the text boxes; a box that runs
   over a vertical rule is cut at the rule, so every piece lies inside one
   cell; the recogniser reads each piece, with a probability per character.
   A piece's confidence is the LOWEST character probability (one doubtful
   digit makes a doubtful amount).
4. A one-page-per-OCR-page PDF is written (reportlab): the rules as vector
   lines, each piece as text stretched over its box.  The ordinary reader
   (:func:`pipelines.readers.pdf.read_pdf`) reads it — camelot's vector
   lattice, the split of text at cell borders, paragraphs, reading order —
   so OCR pages and text pages give one block stream for one segmenter and
   one normaliser.
5. Every table cell of an OCR page gets the confidence of the pieces inside
   it; an empty cell with ink in it (something the engine could not read: a
   stamp, a smudge) is reported as an unread cell.

The engine (``rapidocr-onnxruntime``) carries its ONNX models inside the
wheel: nothing is fetched at run time.  One ONNX thread per process: OCR runs
in the extraction worker pool under its limits (one core per worker).
"""
from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .ocr_settings import VOCAB, confidence_floor, settings  # noqa: F401 - (part of this module's API)

import re

_SPACED = re.compile(r"(?<=[\d,.])\s+(?=[\d,.%])")  # "10, 271. 56": the gaps of a letter-spaced figure


@dataclass
class Piece:
    """A run of recognised text inside one cell (or one free line), in PDF points (origin bottom-left)."""

    text: str
    conf: float          # lowest character probability
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class OcrPage:
    number: int                      # the page number in the original document
    width: float                     # points
    height: float
    dpi: int
    skew: float = 0.0                # degrees corrected
    hlines: list = field(default_factory=list)   # (x0, y, x1) points
    vlines: list = field(default_factory=list)   # (x, y0, y1) points
    pieces: list[Piece] = field(default_factory=list)
    ink: np.ndarray | None = None    # rule-free ink mask (True = ink), pixel space of the render
    seconds: float = 0.0


# --------------------------------------------------------------------------
# engine


@functools.lru_cache(maxsize=1)
def engine():
    """The RapidOCR engine (models from the wheel), one ONNX thread."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, use_cls=False)


def available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


# --------------------------------------------------------------------------
# image: rules, deskew


def _binary(gray: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]


def _masks(bw: np.ndarray, dpi: int) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    # a horizontal rule is longer than 0.2 inch, a vertical one than 0.18 inch (one low table row); the
    # strokes of large characters that pass are dropped by _grid (they meet no perpendicular rule)
    kh, kv = max(10, int(dpi * 0.2)), max(8, int(dpi * 0.18))
    # a thin horizontal rule on a turned or noisy scan breaks into dashes: bridge gaps of a few pixels along it
    # first.  Not for the vertical rules: there the bridge would join a character's upright stroke to the
    # row rules just above and below it, and make a column divider of it.
    g = max(3, dpi // 50)
    h = cv2.morphologyEx(cv2.morphologyEx(bw, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (g, 1))),
                         cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (kh, 1)))
    v = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, kv)))
    return _thin(h, dpi, True), _thin(v, dpi, False)


def _denoise(gray: np.ndarray) -> np.ndarray:
    """A 3x3 median filter when the scan is speckled (more than a tenth of its dark pixels stand alone, as
    salt-and-pepper noise does); a clean page is left as it is (a median would eat thin strokes and points)."""
    import cv2

    dark = (gray < 128).astype(np.uint8)
    n = int(dark.sum())
    if n == 0:
        return gray
    neighbours = cv2.filter2D(dark, -1, np.ones((3, 3), np.float32), borderType=cv2.BORDER_CONSTANT) - dark
    alone = int(((dark == 1) & (neighbours == 0)).sum())
    return cv2.medianBlur(gray, 3) if alone > 0.1 * n else gray


def _thin(mask: np.ndarray, dpi: int, horizontal: bool) -> np.ndarray:
    """Keep the thin components of a rule mask: a blot, a stamp or a dark band is no rule."""
    import cv2

    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    limit = max(6, dpi * 0.05)  # 3.6 pt: heavier than any table rule, thinner than a blot or a stamp
    keep = np.zeros(n, bool)
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        length = w if horizontal else h
        keep[i] = area / max(length, 1) <= limit  # mean thickness (a slightly tilted rule is tall but thin)
    return np.where(keep[lab], 255, 0).astype(np.uint8)


def _skew(hmask: np.ndarray) -> float:
    """Median angle (degrees) of the long horizontal rules; 0 when there are none."""
    import cv2

    n, lab, stats, _ = cv2.connectedComponentsWithStats(hmask, connectivity=8)
    W = hmask.shape[1]
    angles = []
    for i in range(1, n):
        x, y, w, h, a = stats[i]
        if w < W / 5:
            continue
        ys, xs = np.nonzero(lab[y:y + h, x:x + w] == i)
        if len(xs) < 20:
            continue
        slope = np.polyfit(xs.astype(float), ys.astype(float), 1)[0]
        angles.append(math.degrees(math.atan(slope)))
    return float(np.median(angles)) if angles else 0.0


def _lines(mask: np.ndarray, horizontal: bool) -> list[tuple]:
    """Connected components of a rule mask as (pos, start, end, thickness, bbox) in pixels."""
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if horizontal:
            out.append((y + h / 2, float(x), float(x + w), float(h), (x, y, w, h)))
        else:
            out.append((x + w / 2, float(y), float(y + h), float(w), (x, y, w, h)))
    return out


def _grid(hl, vl, tol: float, W: int, H: int, dpi: int):
    """Keep the rules that belong to a ruled grid: lines that meet (within ``tol``) into a structure at least
    1 inch wide and 0.35 inch tall (two low rows), or a long line (a quarter of the page).  The strokes of a
    large character meet each other too, but into something the size of a character."""
    lines = [("h", l) for l in hl] + [("v", l) for l in vl]
    parent = list(range(len(lines)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def box(kind, l):
        pos, a, b = l[:3]
        return (a, pos, b, pos) if kind == "h" else (pos, a, pos, b)

    boxes = [box(k, l) for k, l in lines]
    for i, (ki, li) in enumerate(lines):
        if ki != "h":
            continue
        for j, (kj, lj) in enumerate(lines):
            if kj == "v" and lj[1] - tol <= li[0] <= lj[2] + tol and li[1] - tol <= lj[0] <= li[2] + tol:
                parent[find(i)] = find(j)
    ext: dict[int, list[float]] = {}
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        e = ext.setdefault(find(i), [x0, y0, x1, y1])
        e[:] = [min(e[0], x0), min(e[1], y0), max(e[2], x1), max(e[3], y1)]
    big = {r for r, (x0, y0, x1, y1) in ext.items() if x1 - x0 >= dpi and y1 - y0 >= 0.35 * dpi}
    keep = [find(i) in big or (k == "h" and l[2] - l[1] >= W / 4) or (k == "v" and l[2] - l[1] >= H / 4)
            for i, (k, l) in enumerate(lines)]
    return ([l for (k, l), ok in zip(lines, keep) if ok and k == "h"],
            [l for (k, l), ok in zip(lines, keep) if ok and k == "v"])


def _align(lines, tol: float):
    """Put parallel rules that stand within ``tol`` of each other (a rule broken and offset by the scan, the
    two edges of a heavy border) on one position, the mean weighted by length: two positions a pixel or two
    apart would make an empty column (or row) of their own."""
    if not lines:
        return lines
    order = sorted(range(len(lines)), key=lambda i: lines[i][0])
    groups, cur = [], [order[0]]
    for i in order[1:]:
        if lines[i][0] - lines[cur[-1]][0] <= tol:
            cur.append(i)
        else:
            groups.append(cur)
            cur = [i]
    groups.append(cur)
    out = list(lines)
    for g in groups:
        w = [max(1.0, lines[i][2] - lines[i][1]) for i in g]
        pos = sum(lines[i][0] * wi for i, wi in zip(g, w)) / sum(w)
        for i in g:
            out[i] = (pos, *lines[i][1:])
    return out


def _snap(hl, vl, tol: float):
    """Extend rule ends to a perpendicular rule within ``tol`` px (the lattice needs joints)."""
    def snap(lines, other):
        out = []
        for pos, a, b, th, box in lines:
            for opos, oa, ob, *_ in other:
                if oa - tol <= pos <= ob + tol:
                    if abs(opos - a) <= tol:
                        a = min(a, opos)
                    if abs(opos - b) <= tol:
                        b = max(b, opos)
            out.append((pos, a - 1, b + 1, th, box))
        return out

    return snap(hl, vl), snap(vl, hl)


# --------------------------------------------------------------------------
# OCR of one page


def _boxes(img_rgb: np.ndarray, scale: float) -> list[tuple[int, int, int, int]]:
    """Text boxes from the detector, run on the image downscaled by ``scale`` (axis-aligned, full-size px)."""
    import cv2

    eng = engine()
    small = img_rgb if scale == 1 else cv2.resize(img_rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    dt, _ = eng.text_det(small)
    out = []
    if dt is None:
        return out
    H, W = img_rgb.shape[:2]
    for q in dt:
        xs, ys = q[:, 0] / scale, q[:, 1] / scale
        x0, x1 = max(0, int(xs.min())), min(W, int(math.ceil(xs.max())))
        y0, y1 = max(0, int(ys.min())), min(H, int(math.ceil(ys.max())))
        if x1 - x0 >= 3 and y1 - y0 >= 3:
            out.append((x0, y0, x1, y1))
    return out


def _merge(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Join boxes of one text line that the detector cut apart (letter-spaced titles, "合    计"): the same
    line (centres within 0.2 line height), a similar height and a gap under 0.7 line height.  Boxes joined over a
    ruled line are cut again at the rule."""
    boxes = sorted(boxes, key=lambda b: (b[0], b[1]))
    out: list[list[int]] = []
    for b in boxes:
        h = b[3] - b[1]
        for o in out:
            oh = o[3] - o[1]
            dy = abs((o[1] + o[3]) - (b[1] + b[3])) / 2
            if (dy <= 0.2 * min(h, oh) and max(h, oh) <= 1.3 * min(h, oh)
                    and b[0] - o[2] <= 0.7 * max(h, oh)):
                o[:] = [min(o[0], b[0]), min(o[1], b[1]), max(o[2], b[2]), max(o[3], b[3])]
                break
        else:
            out.append(list(b))
    return [tuple(o) for o in out]


def _cut(box, vlines_px, pad: int) -> list[tuple[int, int, int, int]]:
    """Cut a box at every vertical rule running through it."""
    x0, y0, x1, y1 = box
    mid0, mid1 = y0 + (y1 - y0) * 0.25, y1 - (y1 - y0) * 0.25
    cuts = sorted(x for x, a, b, *_ in vlines_px if x0 + pad < x < x1 - pad and a <= mid1 and b >= mid0)
    if not cuts:
        return [box]
    out, start = [], x0
    for c in cuts:
        out.append((start, y0, int(c) - pad, y1))
        start = int(c) + pad
    out.append((start, y0, x1, y1))
    return [b for b in out if b[2] - b[0] >= 3]


def _grow(b: tuple[int, int, int, int], ink: np.ndarray) -> tuple[int, int, int, int]:
    """Widen a box over ink right beside it (a gap under 0.35 line height), at most 0.8 line height a side."""
    x0, y0, x1, y1 = b
    h = y1 - y0
    gap, reach = max(1, int(0.35 * h)), max(2, int(0.8 * h))
    cols = ink[y0:y1].any(axis=0)
    W = len(cols)
    nx0 = x0
    for x in range(x0 - 1, max(-1, x0 - reach - 1), -1):
        if nx0 - x > gap:
            break
        if cols[x]:
            nx0 = x
    nx1 = x1
    for x in range(x1, min(W, x1 + reach)):
        if x - nx1 > gap:
            break
        if cols[x]:
            nx1 = x + 1
    return (max(0, nx0 - 1), y0, min(W, nx1 + 1), y1)


def _join_lines(pieces: list[Piece], vlines) -> list[Piece]:
    """Join the pieces of one text line that no rule separates and that stand less than 3 line heights apart
    ("收    入" in a header cell) into one piece, with a space: the reader then sees one run of text, as in a
    text layer, in reading order."""
    out: list[Piece] = []
    for p in sorted(pieces, key=lambda p: p.x0):
        h = p.y1 - p.y0
        for o in out:
            oh = o.y1 - o.y0
            if abs((o.y0 + o.y1) - (p.y0 + p.y1)) / 2 > 0.25 * min(h, oh) or max(h, oh) > 1.3 * min(h, oh):
                continue
            if not (0 <= p.x0 - o.x1 <= 3 * max(h, oh)):
                continue
            cy = (p.y0 + p.y1) / 2
            if any(o.x1 - 1 <= x <= p.x0 + 1 and a <= cy <= b for x, a, b in vlines):
                continue
            o.text, o.conf = _SPACED.sub("", o.text + " " + p.text), min(o.conf, p.conf)
            o.x1, o.y0, o.y1 = p.x1, min(o.y0, p.y0), max(o.y1, p.y1)
            break
        else:
            out.append(Piece(p.text, p.conf, p.x0, p.y0, p.x1, p.y1))
    return out


def _margin(crop: np.ndarray) -> np.ndarray:
    """White margin around a crop: the recogniser reads a character at the very edge badly ("一、" -> "、")."""
    import cv2

    h = crop.shape[0]
    m, v = max(2, int(0.15 * h)), max(1, int(0.1 * h))
    return cv2.copyMakeBorder(crop, v, v, m, m, cv2.BORDER_CONSTANT, value=(255, 255, 255))


def ocr_page(gray: np.ndarray, dpi: int, width_pt: float, height_pt: float, number: int) -> OcrPage:
    import time

    import cv2

    t0 = time.perf_counter()
    page = OcrPage(number, width_pt, height_pt, dpi)
    gray = _denoise(gray)
    bw = _binary(gray)
    ys, xs = np.nonzero(bw[::4, ::4])
    share = float(len(ys) / ((np.ptp(ys) + 1) * (np.ptp(xs) + 1))) if len(ys) >= 20 else 0.0
    if not 0 < share <= settings()["max_ink_share"]:  # share of ink within the inked part of the page
        page.seconds = time.perf_counter() - t0
        return page  # blank, or a photo / a dark band: no printed page to read
    hmask, vmask = _masks(bw, dpi)
    skew = _skew(hmask)
    if abs(skew) >= 0.05:
        H, W = gray.shape
        m = cv2.getRotationMatrix2D((W / 2, H / 2), skew, 1.0)
        gray = cv2.warpAffine(gray, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=255)
        bw = _binary(gray)
        hmask, vmask = _masks(bw, dpi)
        page.skew = skew
    tol = dpi * 0.06
    hl, vl = _grid(_lines(hmask, True), _lines(vmask, False), max(3, dpi * 0.02), gray.shape[1], gray.shape[0], dpi)
    rules = np.zeros_like(bw)
    for mask, lines in ((hmask, hl), (vmask, vl)):
        for *_, (x, y, w, h) in lines:
            rules[y:y + h, x:x + w] |= mask[y:y + h, x:x + w]
    rules = cv2.dilate(rules, np.ones((5, 5), np.uint8))  # the anti-aliased fringe too
    clean = gray.copy()
    clean[rules > 0] = 255
    ink = cv2.morphologyEx(bw & ~rules, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)) > 0
    page.ink = ink
    hl, vl = _align(hl, dpi * 0.03), _align(vl, dpi * 0.03)
    hl, vl = _snap(hl, vl, tol)
    s = 72.0 / dpi
    page.hlines = [(a * s, height_pt - pos * s, b * s) for pos, a, b, *_ in hl]
    page.vlines = [(pos * s, height_pt - b * s, height_pt - a * s) for pos, a, b, *_ in vl]

    rgb = cv2.cvtColor(clean, cv2.COLOR_GRAY2RGB)
    det_scale = min(1.0, settings()["det_max_side"] / max(gray.shape))
    pad = max(2, int(dpi / 100))
    # the detector's box is tight on a thin first or last stroke ("一、"): widen it over the ink beside it,
    # join what then overlaps, cut at the rules
    raw_ink = (bw > 0) & (rules == 0)
    # the detector sees the page with its rules (they keep the cells' texts apart), the recogniser without
    det_img = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
    pieces = [c for b in _merge([_grow(b, raw_ink) for b in _boxes(det_img, det_scale)]) for c in _cut(b, vl, pad)]
    # drop pieces without ink (a cut may leave an empty margin)
    pieces = [b for b in pieces if ink[b[1]:b[3], b[0]:b[2]].sum() >= 4]
    if pieces:
        crops = [_margin(rgb[y0:y1, x0:x1]) for x0, y0, x1, y1 in pieces]
        res, _ = engine().text_rec(crops, True)
        for (x0, y0, x1, y1), r in zip(pieces, res):
            text = _SPACED.sub("", r[0].strip())
            if not text:
                continue
            confs = r[2][4] if len(r) > 2 and r[2] and r[2][4] else [r[1]]
            page.pieces.append(Piece(text, float(min(confs)), x0 * s, height_pt - y1 * s, x1 * s, height_pt - y0 * s))
    page.pieces = _join_lines(page.pieces, page.vlines)
    page.seconds = time.perf_counter() - t0
    return page


# --------------------------------------------------------------------------
# rendering and the reconstructed PDF


def render_gray(pdf_page, dpi: int) -> np.ndarray:
    bm = pdf_page.render(scale=dpi / 72, grayscale=True)
    arr = np.array(bm.to_pil().convert("L"))
    return arr


def _reading_order(pieces: list[Piece]) -> list[Piece]:
    """Pieces line by line from the top, left to right in a line: the order a text layer has (the table
    reader's text grouping follows the content stream; pieces of two rows interleaved would be grouped
    into one line)."""
    lines: list[list[Piece]] = []
    for pc in sorted(pieces, key=lambda q: -(q.y0 + q.y1)):
        yc, h = (pc.y0 + pc.y1) / 2, pc.y1 - pc.y0
        if lines:
            ref = lines[-1][0]
            if abs((ref.y0 + ref.y1) / 2 - yc) <= 0.4 * min(h, ref.y1 - ref.y0):
                lines[-1].append(pc)
                continue
        lines.append([pc])
    return [pc for ln in lines for pc in sorted(ln, key=lambda q: q.x0)]


def reconstruct(pages: list[OcrPage]) -> bytes:
    """One PDF page per OCR page: its rules as vector lines, its text pieces as text stretched over their boxes."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(pages[0].width, pages[0].height), invariant=1, pageCompression=1)
    for p in pages:
        c.setPageSize((p.width, p.height))
        c.setLineWidth(0.5)
        for x0, y, x1 in p.hlines:
            c.line(x0, y, x1, y)
        for x, y0, y1 in p.vlines:
            c.line(x, y0, x, y1)
        for pc in _reading_order(p.pieces):
            h = pc.y1 - pc.y0
            per_pt = pdfmetrics.stringWidth(pc.text, font, 1.0)
            if per_pt <= 0:
                continue
            inset = min(0.2 * h, 0.2 * (pc.x1 - pc.x0))  # glyph boxes stay clear of the cell's rules
            avail = max(0.5, pc.x1 - pc.x0 - 2 * inset)
            # the natural advance of the font, sized to fill the box (text runs stay contiguous: a stretched
            # run reads with gaps and is split or spaced by the table reader); squeezed only if it cannot fit
            fs = min(max(avail / per_pt, 0.3 * h), 0.8 * h)
            t = c.beginText()
            t.setFont(font, fs)
            if per_pt * fs > avail:
                t.setHorizScale(100.0 * avail / (per_pt * fs))
            t.setTextOrigin(pc.x0 + inset, pc.y0 + 0.2 * h)
            t.textOut(pc.text)
            c.drawText(t)
        c.showPage()
    c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------
# cells


def cell_report(page: OcrPage, cells: dict[tuple[int, int, int], tuple[str, tuple[float, float, float, float]]]):
    """Per table cell of one OCR page: ``{(table, row, col): confidence}`` (None for an empty cell) and the
    list of empty cells with ink in them (unread)."""
    conf: dict[tuple[int, int, int], float | None] = {}
    unread: list[tuple[int, int, int]] = []
    s = page.dpi / 72.0
    min_blob = max(12, int((page.dpi / 200) ** 2 * 40))
    for key, (text, (x0, y0, x1, y1)) in cells.items():
        inside = [pc.conf for pc in page.pieces
                  if x0 <= (pc.x0 + pc.x1) / 2 <= x1 and y0 <= (pc.y0 + pc.y1) / 2 <= y1]
        conf[key] = min(inside) if inside else None
        if not text.strip() and page.ink is not None:
            H = page.ink.shape[0]
            m = max(3, int(page.dpi / 50))
            r0, r1 = int((page.height - y1) * s) + m, int((page.height - y0) * s) - m
            c0, c1 = int(x0 * s) + m, int(x1 * s) - m
            if r1 > r0 and c1 > c0 and r0 < H:
                if int(page.ink[r0:r1, c0:c1].sum()) >= min_blob:
                    unread.append(key)
    return conf, unread


# --------------------------------------------------------------------------
# test material: a scan of a PDF


def rasterise(src: Path, out: Path, dpi: int = 200, pages: list[int] | None = None, *, rotate: float = 0.0,
              noise: float = 0.0, seed: int = 0, smudge: list[tuple[int, tuple[float, float, float, float]]] = ()) -> Path:
    """Write an image-only PDF of ``src`` (the listed 1-based ``pages``, default all) as a scanner would:
    each page rendered in grey at ``dpi``, optionally turned by ``rotate`` degrees, with a share ``noise`` of
    pixels flipped to salt-and-pepper, and ink blots over ``smudge`` boxes ``(page, (x0, y0, x1, y1))`` in
    PDF points (origin bottom-left).  For tests and bench/ocr.py."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    doc = pdfium.PdfDocument(str(src))
    imgs = []
    try:
        for n in pages or range(1, len(doc) + 1):
            page = doc[n - 1]
            w, h = page.get_size()
            img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            d = ImageDraw.Draw(img)
            s = dpi / 72
            for pn, (x0, y0, x1, y1) in smudge:
                if pn == n:
                    d.ellipse([x0 * s, (h - y1) * s, x1 * s, (h - y0) * s], fill=40)
            if rotate:
                img = img.rotate(rotate, resample=Image.BILINEAR, fillcolor=255)
            if noise:
                a = np.array(img)
                m = rng.random(a.shape)
                a[m < noise / 2] = 0
                a[m > 1 - noise / 2] = 255
                img = Image.fromarray(a)
            imgs.append(img)
    finally:
        doc.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    imgs[0].save(out, "PDF", resolution=float(dpi), save_all=True, append_images=imgs[1:])
    return out
