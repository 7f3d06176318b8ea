"""A corpus of bad inputs, made by the tests (nothing downloaded).

Every builder writes one file under ``dir`` and returns its path.  Good documents to start from are
the seed text exports in ``../shared/seeds`` and their PDF renderings by :func:`pipelines.pdfgen.render_blocks`.
"""
from __future__ import annotations

import functools
import json
import re
import zlib
from pathlib import Path

from pipelines.blocks import Block
from pipelines.readers.text_export import read_blocks

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


def seed(prefix: str) -> Path:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    assert found, f"seed {prefix}_*.txt not found under {SEEDS}"
    return found[0]


def pingxiang_text() -> str:
    return seed("001").read_text(encoding="utf-8")


def small_blocks() -> list[Block]:
    """The first two tables of the Pingxiang seed (收支总表, 收入总表): quick to render and read."""
    blocks = read_blocks(seed("001"))
    end = next(i for i, b in enumerate(blocks) if b.kind == "text" and b.cells[0] == "部门预算支出总表")
    return blocks[:end]


def render(blocks: list[Block], path: Path, encrypt=None) -> Path:
    import pipelines.pdfgen as pg

    if encrypt is None:
        pg.render_blocks(blocks, path)
        return path
    orig = pg.SimpleDocTemplate
    pg.SimpleDocTemplate = functools.partial(orig, encrypt=encrypt)
    try:
        pg.render_blocks(blocks, path)
    finally:
        pg.SimpleDocTemplate = orig
    return path


# ------------------------------------------------------------------ a minimal PDF writer
def raw_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """Serialise ``objects`` (object n = objects[n-1], without 'n 0 obj') with a correct xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for o in offsets:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"", compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _pages_pdf(n_pages: int, content: bytes, font: bytes | None = None, compress: bool = False,
               extra_objects: list[bytes] = ()) -> bytes:
    """n pages sharing one content stream (object 3) and one font (object 4)."""
    first_page = 5 + len(extra_objects)
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(n_pages))
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n_pages),
        _stream(content, compress=compress),
        font or b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *extra_objects,
    ]
    for _ in range(n_pages):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
                    b"/Resources << /Font << /F1 4 0 R >> /XObject << /Im1 5 0 R >> >> >>"
                    if extra_objects else
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
                    b"/Resources << /Font << /F1 4 0 R >> >> >>")
    return raw_pdf(objs)


# ------------------------------------------------------------------ builders
def zero_byte(d: Path) -> Path:
    p = d / "zero.pdf"
    p.write_bytes(b"")
    return p


def good_pdf(d: Path, name: str = "good.pdf") -> Path:
    return render(small_blocks(), d / name)


def truncated_pdf(d: Path) -> Path:
    src = good_pdf(d / "_src")
    data = src.read_bytes()
    p = d / "truncated.pdf"
    p.write_bytes(data[: len(data) * 3 // 5])
    return p


def broken_xref_pdf(d: Path) -> Path:
    """Every xref offset and startxref wrong (pdfium rebuilds the table by scanning the file)."""
    src = good_pdf(d / "_src")
    data = bytearray(src.read_bytes())
    x = data.rindex(b"startxref")
    data[x:] = b"startxref\n999999\n%%EOF\n"
    t = data.index(b"\nxref\n")
    body = bytes(data[t:x])
    # shift every offset entry by 7 bytes: each points into the middle of some other object
    body = re.sub(rb"(\d{10}) (\d{5}) n", lambda m: b"%010d %s n" % (int(m.group(1)) + 7, m.group(2)), body)
    data[t:x] = body
    p = d / "broken_xref.pdf"
    p.write_bytes(bytes(data))
    return p


def encrypted_pdf(d: Path, user_password: str) -> Path:
    from reportlab.lib.pdfencrypt import StandardEncryption

    name = "encrypted_open.pdf" if not user_password else "encrypted_locked.pdf"
    return render(small_blocks(), d / name, encrypt=StandardEncryption(user_password, "owner-secret", canPrint=1))


def scanned_pdf(d: Path) -> Path:
    """One page that is an image only (a scan): no text layer."""
    w, h = 200, 100
    pixels = bytes((x * y) % 256 for y in range(h) for x in range(w))
    image = _stream(pixels, b" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                            b"/BitsPerComponent 8" % (w, h), compress=True)
    content = b"q 400 0 0 200 90 500 cm /Im1 Do Q"
    p = d / "scanned.pdf"
    p.write_bytes(_pages_pdf(1, content, extra_objects=[image]))
    return p


def cid_garbage_pdf(d: Path) -> Path:
    """Text drawn with a CID font that has no ToUnicode map: the glyphs come out unmapped —
    what pdfminer prints as (cid:1234)."""
    font = (b"<< /Type /Font /Subtype /Type0 /BaseFont /Unknown-Identity /Encoding /Identity-H "
            b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Unknown "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            b"/FontDescriptor << /Type /FontDescriptor /FontName /Unknown /Flags 4 /FontBBox [0 0 1000 1000] "
            b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >> /DW 1000 >>] >>")
    lines = []
    for i in range(30):
        glyphs = "".join(f"{(37 + 17 * i + k * 13) % 9000 + 200:04X}" for k in range(24))
        lines.append(f"BT /F1 12 Tf 40 {800 - 22 * i} Td <{glyphs}> Tj ET")
    p = d / "cid_garbage.pdf"
    p.write_bytes(_pages_pdf(1, "\n".join(lines).encode(), font=font))
    return p


def cid_text_export(d: Path) -> Path:
    """A text export made by a tool that could not map the glyphs: '(cid:1234)' everywhere."""
    lines = ["(cid:3542)(cid:1215)(cid:877)(cid:4410)"] + [
        "\t" + "".join(f"(cid:{(i * 31 + k * 7) % 5000})" for k in range(6)) for i in range(40)]
    p = d / "cid_export.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def many_pages_pdf(d: Path, n: int = 2000) -> Path:
    p = d / f"pages_{n}.pdf"
    p.write_bytes(_pages_pdf(n, b"BT /F1 12 Tf 72 720 Td (page) Tj ET"))
    return p


def page_bomb_pdf(d: Path, n: int = 200_000) -> Path:
    """A small file claiming 200,000 pages (every kid is the same page object)."""
    kids = b" ".join([b"3 0 R"] * n)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        _stream(b"0 0 m 10 10 l S"),
    ]
    p = d / "page_bomb.pdf"
    p.write_bytes(raw_pdf(objs))
    return p


def stream_bomb_pdf(d: Path, mb: int = 400) -> Path:
    """One page whose Flate content stream inflates to ``mb`` MB of path operators (~500 KB on disk):
    parsing it takes far longer than the time limit of the test."""
    unit = b"0 0 m 1 1 l S\n"
    content = unit * (mb * 1024 * 1024 // len(unit))
    p = d / "stream_bomb.pdf"
    p.write_bytes(_pages_pdf(1, content, compress=True))
    return p


def html_as_pdf(d: Path) -> Path:
    p = d / "error_page.pdf"
    p.write_text("<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
                 "<body><h1>404 Not Found</h1><p>nginx</p></body></html>\n", encoding="utf-8")
    return p


def docx_as_pdf(d: Path) -> Path:
    import zipfile

    p = d / "report.docx.pdf"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>部门预算</w:document>")
    return p


def xls_as_pdf(d: Path) -> Path:
    p = d / "sheet.xls.pdf"
    p.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504 + "部门预算".encode("utf-16-le") * 50)
    return p


def gbk_text(d: Path) -> Path:
    """The Pingxiang export saved as GB18030 instead of UTF-8."""
    p = d / "pingxiang_gbk.txt"
    p.write_bytes(pingxiang_text().encode("gb18030"))
    return p


def duplicate(d: Path, of: Path) -> Path:
    p = d / f"{of.stem}_copy{of.suffix}"  # sorts after the original: the original is the one loaded
    p.write_bytes(of.read_bytes())
    return p


def manifest(d: Path, entries: dict) -> Path:
    p = d / "manifest.json"
    p.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return p


# ------------------------------------------------------------------ table damage in a cells export
def _cells_rows(text: str):
    """Split a 'cells' export into chunks: ('text', line) and ('row', [cell lines])."""
    out, row = [], []
    for line in text.split("\n"):
        if line.startswith("\t"):
            row.append(line)
            continue
        if row:
            out.append(("row", row))
            row = []
        out.append(("text", line))
    if row:
        out.append(("row", row))
    return out


def _join(chunks) -> str:
    lines = []
    for kind, v in chunks:
        lines.extend(v if kind == "row" else [v])
    return "\n".join(lines)


def _edit_table(text: str, title: str, edit) -> str:
    """Apply ``edit(cells) -> cells`` to every row of the table titled ``title``."""
    chunks = _cells_rows(text)
    inside = False
    for i, (kind, v) in enumerate(chunks):
        if kind == "text" and v.strip():
            inside = v.strip() == title
            continue
        if kind == "row" and inside:
            chunks[i] = ("row", edit(list(v)))
    return _join(chunks)


GPB_TITLE = "部门预算一般公共预算财政拨款支出表"


def table_missing_column(d: Path) -> Path:
    """一般公共预算财政拨款支出表 without its 项目支出 column (header and body)."""
    p = d / "missing_column.txt"
    p.write_text(_edit_table(pingxiang_text(), GPB_TITLE, lambda r: r[:-1] if len(r) >= 5 else r), encoding="utf-8")
    return p


def table_extra_column(d: Path) -> Path:
    """一般公共预算财政拨款支出表 with an extra trailing column (a stray '备注')."""
    p = d / "extra_column.txt"
    p.write_text(_edit_table(pingxiang_text(), GPB_TITLE,
                             lambda r: r + ["\t备注" if any("功能分类科目" in c for c in r) else "\t"]), encoding="utf-8")
    return p


ODD = {"15407.98": "15,407.98", "1163.09": "１１６３.０９", "11230.07": "11,230.07"}


def odd_numbers(d: Path) -> Path:
    """The Pingxiang export with some amounts in other published forms: thousands separators and
    full-width digits (same values), plus '—' / '－' in cells that were blank (no amount)."""
    text = pingxiang_text()
    for a, b in ODD.items():
        text = text.replace(f"\t{a}\n", f"\t{b}\n")
    blanks = "\t9859.27\n\t\n\t\n\t\n"  # 支出总表, 208: 经营支出 … blank
    assert blanks in text
    text = text.replace(blanks, "\t9859.27\n\t—\n\t－\n\t-\n", 1)
    p = d / "odd_numbers.txt"
    p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------------ round two (issue 18): what is not a document
def fifo(d: Path, name: str = "pipe.pdf") -> Path:
    """A named pipe: opening it for reading blocks until a writer comes (none will)."""
    import os

    p = d / name
    os.mkfifo(p)
    return p


def unix_socket(d: Path, name: str = "sock.pdf") -> Path:
    """A Unix socket file (left bound, never listened on)."""
    import socket

    p = d / name
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(p))
    s.close()
    return p


def link(d: Path, name: str, target) -> Path:
    """A symbolic link ``name`` -> ``target`` (dangling, a loop, a device, a file outside …)."""
    import os

    p = d / name
    os.symlink(target, p)
    return p


def link_loop(d: Path) -> Path:
    link(d, "loop_b.pdf", "loop_a.pdf")
    return link(d, "loop_a.pdf", "loop_b.pdf")


def sparse(d: Path, name: str, size: int, head: bytes = b"%PDF-1.7\n") -> Path:
    """A file of ``size`` bytes that costs no disk (a hole after ``head``)."""
    p = d / name
    with open(p, "wb") as f:
        f.write(head)
        f.truncate(size)
    return p


def copy_protected_pdf(d: Path, name: str = "copy_protected.pdf") -> Path:
    """The small Pingxiang tables encrypted with an empty user password and copying forbidden — the
    protection government sites often put on their disclosures."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    return render(small_blocks(), d / name, encrypt=StandardEncryption("", "owner-secret", canPrint=1, canCopy=0))


TEXT_PAGE = (b"BT /F1 12 Tf 72 720 Td (Budget notes for the year) Tj ET\n"
             b"BT /F1 12 Tf 72 700 Td (second line of the page) Tj ET")


def mediabox_pdf(d: Path, box: bytes, name: str) -> Path:
    """One page of text whose MediaBox is ``box`` (e.g. ``b"[595 842 0 0]"``: corners swapped, which the
    spec allows)."""
    p = d / name
    p.write_bytes(_pages_pdf(1, TEXT_PAGE).replace(b"/MediaBox [0 0 595 842]", b"/MediaBox " + box))
    return p


def inflation_bomb_pdf(d: Path, mb: int, name: str = "inflation_bomb.pdf") -> Path:
    """One page whose Flate content stream inflates to ``mb`` MB of zeros-like text (compresses ~1000:1)."""
    content = b"%" + b" " * (mb * 1024 * 1024) + b"\nBT /F1 12 Tf 72 720 Td (x) Tj ET"
    p = d / name
    p.write_bytes(_pages_pdf(1, content, compress=True))
    return p
