"""discover -> extract -> normalize -> stage, for one document at a time.

A document is identified by the SHA-256 of its bytes.  Its staged Parquet
lives under ``staging/<sha256[:16]>-<parser version>/`` and is written to a
temporary folder then renamed, so a crash never leaves half a document; a
document already staged with the same content and parser version is skipped.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import stat
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone, date
from pathlib import Path

import polars as pl

from . import __version__
from .metadata import VOCAB_FILES, canonical_department, document_metadata, from_file_name  # noqa: F401
from .normalize import Parsed, normalize
from .segment import segment

SUPPORTED = {".txt": "text", ".pdf": "pdf"}
_PARSER_SOURCES = ("text.py", "blocks.py", "segment.py", "normalize.py", "headers.py", "registry.py", "targets.py", "narrative.py",
                   "narrative_map.csv", "extract.py", "regions.py", "metadata.py", "readers/text_export.py",
                   "readers/pdf.py", "readers/ocr.py", "readers/ocr_settings.py")


def _vocab_files() -> list[Path]:
    """Every vocabulary data file the parser reads (vocab/*.csv, *.yaml): growing the vocabulary re-reads the
    documents. The subject dictionary (vocab/subject*.csv) is read at load time, not by the parser: it is part
    of the build fingerprint instead (pipelines/warehouse.py)."""
    root = Path(__file__).resolve().parents[1] / "vocab"
    return sorted(p for p in root.glob("*") if p.suffix in (".csv", ".yaml", ".yml", ".json")
                  and not p.name.startswith("subject"))


def _parser_version() -> str:
    """Package version plus a digest of the parsing code: staged documents are re-extracted
    automatically whenever the code that produced them changes."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in _PARSER_SOURCES:
        h.update((here / name).read_bytes())
    for f in _vocab_files():
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return f"{__version__}+{h.hexdigest()[:10]}"


PARSER_VERSION = _parser_version()
MONEY = pl.Decimal(20, 6)


@dataclass
class Discovered:
    path: Path                    # where the file is in the raw folder (provenance, messages)
    sha256: str
    size: int
    file_type: str | None
    source: Path | None = None    # a private snapshot of exactly the hashed bytes (what is read), if taken
    mtime: float | None = None    # st_mtime of the descriptor that was hashed

    @property
    def document_id(self) -> str:
        return self.sha256[:16]

    @property
    def read_path(self) -> Path:
        """The file the readers open: the snapshot when there is one."""
        return self.source or self.path

    def fields(self) -> tuple:
        """Picklable form for a child process (see :meth:`from_fields`)."""
        return (str(self.path), self.sha256, self.size, self.file_type,
                None if self.source is None else str(self.source), self.mtime)

    @classmethod
    def from_fields(cls, f) -> "Discovered":
        return cls(Path(f[0]), f[1], f[2], f[3], Path(f[4]) if len(f) > 4 and f[4] else None,
                   f[5] if len(f) > 5 else None)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def discover(raw_dir: Path, limits=None) -> list[Discovered]:
    """Every readable file under ``raw_dir`` (see :func:`scan`; the files that are refused are left out)."""
    return scan(raw_dir, limits)[0]


_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


def _what(mode: int) -> str:
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


class SnapshotWriteError(OSError):
    """The snapshot could not be written (disk full, read-only …): a staging failure, not the file's."""


class _Refused(Exception):
    def __init__(self, kind: str, error: str, hint: str):
        super().__init__(error)
        self.kind, self.error, self.hint = kind, error, hint


def _inside(root: str, real: str) -> bool:
    return real.startswith(root.rstrip(os.sep) + os.sep)


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns, a.st_ctime_ns) == \
        (b.st_dev, b.st_ino, b.st_size, b.st_mtime_ns, b.st_ctime_ns)


_CHANGED_HINT = "the file was being written while it was read; it is read again on the next refresh"


def _read_fd(fd: int, limit: int, st: os.stat_result, out=None) -> str:
    """SHA-256 of the descriptor's bytes from offset 0, copied to ``out`` too; refuses to read more than
    ``limit`` bytes, and a file that changes while it is read (size or times of the descriptor)."""
    os.lseek(fd, 0, os.SEEK_SET)
    h = hashlib.sha256()
    n = 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        n += len(chunk)
        if n > limit:
            raise _Refused("too_large", f"the file grew past the limit of {limit} bytes (CNBUDGET_MAX_BYTES) while "
                           "it was read; not read", _CHANGED_HINT)
        h.update(chunk)
        if out is not None:
            out.write(chunk)
    if n != st.st_size or not _same(st, os.fstat(fd)):
        raise _Refused("file_changed", f"the file changed while it was read ({st.st_size} bytes when opened, "
                       f"{n} read); not read", _CHANGED_HINT)
    return h.hexdigest()


class _Writer:
    """A file whose write errors are :class:`SnapshotWriteError` (told apart from errors reading the raw file)."""

    def __init__(self, fh):
        self.fh = fh

    def write(self, data: bytes):
        try:
            self.fh.write(data)
        except OSError as e:
            raise SnapshotWriteError(e.errno, f"cannot write the snapshot {self.fh.name}: {e.strerror}") from e


def copy_snapshot(fd: int, limit: int, st: os.stat_result, dest: Path) -> str:
    """Copy the descriptor to ``dest`` while hashing it (see :func:`_read_fd`); a failure to write is a
    :class:`SnapshotWriteError`; on any failure ``dest`` is removed."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        out = open(dest, "wb")
    except OSError as e:
        raise SnapshotWriteError(e.errno, f"cannot write the snapshot {dest}: {e.strerror}") from e
    try:
        try:
            sha = _read_fd(fd, limit, st, _Writer(out))
        finally:
            try:
                out.close()
            except OSError as e:
                raise SnapshotWriteError(e.errno, f"cannot write the snapshot {dest}: {e.strerror}") from e
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return sha


def _open_checked(p: Path, root: str, max_bytes: int) -> tuple[int, os.stat_result]:
    """Open ``p`` once for reading; refuse — before reading a byte — links that leave the raw folder or do
    not resolve, anything but a regular file, and a file over the byte limit."""
    st = os.lstat(p)
    target = str(p)
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.path.realpath(p, strict=True)
        except OSError as e:
            loop = e.errno == errno.ELOOP or isinstance(e, RuntimeError)
            raise _Refused("broken_link", f"symbolic link {'loop' if loop else 'to nothing'} "
                           f"(-> {os.readlink(p)!r}); not read",
                           "replace the link by the document itself") from None
        if not _inside(root, target):
            raise _Refused("outside_raw", f"the file resolves to {target}, outside the raw folder; not read",
                           "copy the document into the raw folder instead of linking to it")
        st = os.stat(target)
    if not stat.S_ISREG(st.st_mode):
        raise _Refused("not_a_file", f"{_what(st.st_mode)}, not a regular file; not read",
                       "only regular files are read: remove it from the raw folder")
    if st.st_size > max_bytes:
        raise _Refused("too_large", f"{st.st_size} bytes, over the limit of {max_bytes} (CNBUDGET_MAX_BYTES); "
                       "not read", "check the file; raise CNBUDGET_MAX_BYTES if it is genuine")
    fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode):
            raise _Refused("not_a_file", f"{_what(fst.st_mode)}, not a regular file; not read",
                           "only regular files are read: remove it from the raw folder")
        try:  # what was opened, whatever happened to the path meanwhile
            real = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            real = os.path.realpath(target)
        if not _inside(root, real):
            raise _Refused("outside_raw", f"the file resolves to {real}, outside the raw folder; not read",
                           "copy the document into the raw folder instead of linking to it")
        if fst.st_size > max_bytes:
            raise _Refused("too_large", f"{fst.st_size} bytes, over the limit of {max_bytes} (CNBUDGET_MAX_BYTES); "
                           "not read", "check the file; raise CNBUDGET_MAX_BYTES if it is genuine")
    except BaseException:
        os.close(fd)
        raise
    return fd, fst


def scan(raw_dir: Path, limits=None, snapshots: Path | None = None,
         need: Callable[[str], bool] | None = None) -> tuple[list[Discovered], list[dict]]:
    """Every file under ``raw_dir`` (hidden files and ``manifest.json`` at the top excepted), each opened
    once: -> (documents, refused).  Refused — each an ingest-error record, nothing read —: links leaving the
    raw folder (``outside_raw``), dangling links and link loops (``broken_link``), FIFOs, devices and sockets
    (``not_a_file``), files over ``limits.max_bytes`` (``too_large``, from the descriptor's size, before
    hashing), files that change while they are read (``file_changed``: tried again next time).

    With ``snapshots``, a document for which ``need(sha256)`` is true is copied there from the same
    descriptor while it is hashed a second time; the copy (``Discovered.source``) is what the readers open,
    so the bytes read are the bytes hashed."""
    from .limits import Limits

    limits = limits or Limits.from_env()
    raw_dir = Path(raw_dir)
    root = os.path.realpath(raw_dir)
    docs: list[Discovered] = []
    refused: list[dict] = []
    taken: dict[str, Path] = {}
    names: list[Path] = []
    for d, dirs, files in os.walk(raw_dir, followlinks=False):
        dirs.sort()
        for n in dirs:  # a linked folder is not walked into: a link out of the raw folder is reported
            q = Path(d) / n
            if q.is_symlink() and not n.startswith("."):
                names.append(q)
        names.extend(Path(d) / n for n in files if not n.startswith("."))
    top_manifest = raw_dir / "manifest.json"
    for p in sorted(names):
        if p.name == top_manifest.name:  # the manifest is read by pipelines.refresh.read_manifest
            continue
        try:
            if p.is_symlink() and p.is_dir() and _inside(root, os.path.realpath(p)):
                continue  # a link to a folder inside the raw folder: its files are found there
            fd, st = _open_checked(p, root, limits.max_bytes)
            try:
                sha = _read_fd(fd, limits.max_bytes, st)
                source = None
                if snapshots is not None and need is not None and need(sha):
                    source = taken.get(sha)
                    if source is None:
                        source = snapshots / f"{sha[:16]}{p.suffix.lower()}"
                        again = copy_snapshot(fd, limits.max_bytes, st, source)
                        if again != sha:
                            source.unlink(missing_ok=True)
                            raise _Refused("file_changed", "the file changed while it was read (two reads of the "
                                           "same descriptor differ); not read", _CHANGED_HINT)
                        taken[sha] = source
            finally:
                os.close(fd)
        except _Refused as e:
            refused.append({"document_id": None, "source_path": str(p), "sha256": None, "error_kind": e.kind,
                            "error": e.error, "hint": e.hint})
            continue
        except SnapshotWriteError:
            raise
        except FileNotFoundError:
            continue  # removed since the folder was listed
        except OSError as e:
            refused.append({"document_id": None, "source_path": str(p), "sha256": None, "error_kind": "io_error",
                            "error": f"cannot open the file ({type(e).__name__}: {e.strerror or e}); not read",
                            "hint": "check the file's permissions; it is tried again on the next refresh"})
            continue
        docs.append(Discovered(p, sha, st.st_size, SUPPORTED.get(p.suffix.lower()), source, st.st_mtime))
    return docs, refused


class DocumentError(Exception):
    """A document that cannot be read: ``kind`` is a short cause code."""

    def __init__(self, kind: str, message: str, hint: str = ""):
        super().__init__(message)
        self.kind, self.message, self.hint = kind, message, hint


_FORMATS = ((b"<!doctype html", "an HTML page"), (b"<html", "an HTML page"), (b"<?xml", "an XML document"),
            (b"pk\x03\x04", "a ZIP container (docx / xlsx / ofd)"), (bytes.fromhex("d0cf11e0a1b11ae1"),
                                                                       "an OLE document (doc / xls)"),
            (b"{", "a JSON document"), (b"\x89png", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"))


def not_pdf_format(path: Path) -> str | None:
    """What a file named .pdf really holds when it is no PDF at all (no %PDF- header in its first KB),
    e.g. 'an HTML page'; None for a PDF (even a damaged one: that is an ingest error, not a kind)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError:
        return None
    if not head or b"%PDF-" in head:
        return None
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    for magic, what in _FORMATS:
        if low.startswith(magic):
            return what
    if b"<html" in low or b"<body" in low:
        return "an HTML page"
    return "something that is not a PDF"


COPY_PROTECTED = "cnbudget:copy_protected"  # in read_document's info: the PDF forbade copying its text


@dataclass
class OcrFacts:
    """What the OCR path says about a document: the pages read by OCR, each OCR table cell's confidence
    (by src_ref; None for a cell without text) and the empty cells with ink in them."""
    pages: list[int]
    conf: dict
    unread: list


NO_OCR = OcrFacts([], {}, [])


def read_document(d: Discovered):
    """-> (blocks, pages, warnings, info, ocr): info is the PDF's document information ({} for a text export),
    ocr an :class:`OcrFacts`"""
    if d.size == 0:
        raise DocumentError("empty_file", "zero-byte file", "re-download the document")
    if d.file_type == "text":
        from .readers.text_export import NotTextError, read_blocks

        try:
            return read_blocks(d.read_path), None, [], {}, NO_OCR
        except NotTextError as e:
            raise DocumentError("not_text", str(e), "save the export as UTF-8 text") from e
    if d.file_type == "pdf":
        from .readers import pdf

        fmt = not_pdf_format(d.read_path)
        if fmt:
            raise DocumentError("not_pdf", f"not a PDF at all: the file holds {fmt} (saved under a .pdf name)",
                                "the source saved something else under the document's name: fetch the PDF again")

        try:
            res = pdf.read_pdf(d.read_path)
        except pdf.PdfError as e:
            raise DocumentError(getattr(e, "kind", "pdf_error"), str(e),
                                getattr(e, "hint", "check the file opens in a PDF viewer")) from e
        warnings = []
        for w in res.warnings:
            m = re.match(r"^p(\d+):", w)
            warnings.append({"rule": "pdf_needs_ocr" if "OCR" in w else "pdf_page", "severity": "warn",
                             "message": f"{d.path.name}: {w}", "page": int(m.group(1)) if m else None})
        return (res.blocks, len(res.pages), warnings,
                {**res.info, **({COPY_PROTECTED: "1"} if res.copy_protected else {})},
                OcrFacts(res.ocr_pages, res.ocr_conf, res.ocr_unread))
    raise DocumentError("unsupported_type", f"unsupported file type {d.path.suffix!r}",
                        "only .pdf and .txt exports are read")


# ------------------------------------------------------------------ staging
SCHEMAS: dict[str, dict] = {
    "budget": {"amount": MONEY, "ocr_confidence": pl.Float64},
    "cells": {"ocr_confidence": pl.Float64},
    "projects": {"total_wan": MONEY, "appropriation_wan": MONEY, "carryover_wan": MONEY, "other_wan": MONEY},
    "targets": {"target_value": pl.Decimal(24, 6)},
    "narrative": {"value": MONEY},
    "claims": {"x": pl.Decimal(24, 6), "y": pl.Decimal(24, 6), "stated": pl.Decimal(24, 6),
               "x_half": pl.Decimal(24, 8), "y_half": pl.Decimal(24, 8)},
}


def _frame(name: str, rows: list[dict], doc_id: str) -> pl.DataFrame:
    schema_over = SCHEMAS.get(name, {})
    if not rows:
        return pl.DataFrame()
    df = pl.DataFrame(rows, infer_schema_length=None, schema_overrides=schema_over)
    return df.with_columns(pl.lit(doc_id).alias("document_id"))


def staged_path(staging: Path, d: Discovered) -> Path:
    return staging / f"{d.document_id}-v{PARSER_VERSION}"


def _mtime_iso(d: Discovered) -> str | None:
    """When the file was last written (UTC; from the descriptor that was hashed when there was one): orders
    the versions of a republished document."""
    try:
        t = d.mtime if d.mtime is not None else d.path.stat().st_mtime
        return datetime.fromtimestamp(t, timezone.utc).replace(tzinfo=None).isoformat()
    except (OSError, ValueError, OverflowError):
        return None


# what a document record says about the file itself: set from the file, never from a manifest or a reader
PROVENANCE = ("document_id", "source_path", "sha256", "bytes", "file_type", "parser_version", "source_mtime",
              "status", "error_kind", "error", "hint")


def _classified_not_pdf(doc: dict, d: Discovered, e: DocumentError, override: dict | None):
    fn = {k: v for k, v in from_file_name(d.path.name).items() if k == "department"}
    src = {k: "file name" for k in fn}
    for k, v in (override or {}).items():
        if v is not None:
            fn[k] = v
            src[k] = "manifest"
    if fn.get("department"):
        fn["department"] = canonical_department(fn["department"])
    doc.update({"status": "loaded", "document_kind": "not_pdf", "pages": None, "n_tables": 0, "unit": None,
                "phase": None, "fiscal_year": None, "hint": e.hint})
    doc.update(fn)
    doc["metadata_source"] = json.dumps(src, ensure_ascii=False, sort_keys=True)


SYNTHETIC_WORDS = ("synthetic document", "合成数据", "模拟数据")


def synthetic_mark(info: dict[str, str]) -> bool:
    """Whether a PDF says in its document information (Keywords, Subject) that it is synthetic — what the
    forge writes into every document it makes. Test material must never pass for published figures."""
    text = " ".join(info.get(k, "") for k in ("Keywords", "Subject")).lower()
    return any(w.lower() in text for w in SYNTHETIC_WORDS)


def extract_one(d: Discovered, staging: Path, override: dict | None = None, force: bool = False) -> dict:
    """Extract and stage one document.  Returns a small status dict; never
    raises for a bad document (the error is staged as an ingest error)."""
    target = staged_path(staging, d)
    if target.exists() and not force:
        return {"document_id": d.document_id, "status": "cached", "path": str(d.path)}
    tmp = staging / f".tmp-{d.document_id}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    t0 = time.perf_counter()
    doc = {"document_id": d.document_id, "source_path": str(d.path), "sha256": d.sha256, "bytes": d.size,
           "file_type": d.file_type, "parser_version": PARSER_VERSION, "status": None, "error_kind": None,
           "error": None, "hint": None, "source_mtime": _mtime_iso(d)}
    override = {k: v for k, v in (override or {}).items() if k not in PROVENANCE} or None
    try:
        blocks, pages, warnings, info, ocr = read_document(d)
        seg = segment(blocks)
        parsed: Parsed = normalize(seg)
        _mark_ocr(parsed, ocr, d)
        meta, problems = document_metadata(seg, d, override)
        for w in warnings:
            parsed.issues.append({"table_seq": None, "table_type": None, "rule": w.get("rule", "pdf_page"),
                                  "severity": w.get("severity", "warn"), "message": w["message"],
                                  "page": w.get("page"), "line": None, "src_ref": None})
        for p in problems:
            parsed.issues.append({"table_seq": None, "table_type": None, "rule": "metadata_unresolved",
                                  "severity": "error", "message": p, "page": None, "line": None, "src_ref": None})
        for rule, field in (("manifest_disagrees", "_disagreements"), ("file_name_disagrees", "_file_name_disagreements"),
                            ("document_kind_uncertain", "_kind_warnings")):
            for p in meta.pop(field, []):
                parsed.issues.append({"table_seq": None, "table_type": None, "rule": rule,
                                      "severity": "warn", "message": f"{d.path.name}: {p}", "page": None, "line": None,
                                      "src_ref": None})
        if meta.get("published_at") is not None:
            try:
                meta["published_at"] = date.fromisoformat(str(meta["published_at"])[:10]).isoformat()
            except ValueError:
                parsed.issues.append({"table_seq": None, "table_type": None, "rule": "manifest_disagrees",
                                      "severity": "warn", "message": f"{d.path.name}: manifest published_at "
                                      f"{meta['published_at']!r} is no date (YYYY-MM-DD); ignored", "page": None,
                                      "line": None, "src_ref": None})
                meta["published_at"] = None
        units = {t["unit"] for t in parsed.tables if t["kind"] in ("subject", "pair_summary")}
        doc.update({k: v for k, v in meta.items() if k not in PROVENANCE})
        doc["metadata_source"] = json.dumps(meta["metadata_source"], ensure_ascii=False, sort_keys=True)
        doc.update({"pages": pages, "n_tables": len(parsed.tables), "unit": ",".join(sorted(units)) or "万元",
                    "status": "loaded", "seconds": round(time.perf_counter() - t0, 3),
                    "synthetic": synthetic_mark(info), "copy_protected": COPY_PROTECTED in info,
                    "ocr_pages": len(ocr.pages)})
        for name in ("tables", "cells", "budget", "projects", "targets", "narrative", "claims", "text_lines", "toc",
                     "issues"):
            df = _frame(name, getattr(parsed, name), d.document_id)
            if df.height:
                df.write_parquet(tmp / f"{name}.parquet")
        status = "extracted"
    except DocumentError as e:
        if e.kind == "not_pdf":
            # not a parse failure: the file is classified (kind not_pdf) and recorded as a document; what the
            # file name says is all that is known of it
            _classified_not_pdf(doc, d, e, override)
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            pl.DataFrame([{"table_seq": None, "table_type": None, "rule": "not_pdf", "severity": "warn",
                           "message": f"{d.path.name}: {e.message}", "page": None, "line": None, "src_ref": None,
                           "document_id": d.document_id}],
                         schema={"table_seq": pl.Int64, "table_type": pl.Utf8, "rule": pl.Utf8, "severity": pl.Utf8,
                                 "message": pl.Utf8, "page": pl.Int64, "line": pl.Int64, "src_ref": pl.Utf8,
                                 "document_id": pl.Utf8}).write_parquet(tmp / "issues.parquet")
            status = "extracted"
        else:
            doc.update({"status": "error", "error_kind": e.kind, "error": e.message, "hint": e.hint})
            status = "error"
    except Exception as e:  # a parser bug must not stop the batch either
        doc.update({"status": "error", "error_kind": "parser_crash", "error": f"{type(e).__name__}: {e}",
                    "hint": "report this document to the cnbudget maintainers",
                    "traceback": traceback.format_exc(limit=5)})
        status = "error"
    (tmp / "document.json").write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    return {"document_id": d.document_id, "status": status, "path": str(d.path), "error": doc.get("error"),
            "ocr_pages": doc.get("ocr_pages") or 0}


def _mark_ocr(parsed: Parsed, ocr: OcrFacts, d: Discovered):
    """Every amount and cell says how it was read (source_method 'text' | 'ocr') and, from OCR, with what
    confidence; an empty OCR cell with ink in it is a parse doubt (error: a blank reads as a published zero)."""
    pages = set(ocr.pages)
    for rec in parsed.budget + parsed.cells:
        if rec.get("page") in pages:
            rec["source_method"] = "ocr"
            rec["ocr_confidence"] = ocr.conf.get(rec.get("src_ref"))
        else:
            rec["source_method"] = "text"
            rec["ocr_confidence"] = None
    for page, ref in ocr.unread:
        parsed.issues.append({"table_seq": None, "table_type": None, "rule": "ocr_unread_cell", "severity": "error",
                              "message": f"{d.path.name}: OCR page {page}: cell {ref} has ink but no legible text "
                                         "(a stamp, a smudge, a figure the engine cannot read): read as blank",
                              "page": page, "line": None, "src_ref": ref})
