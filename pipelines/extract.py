"""discover -> extract -> normalize -> stage, for one document at a time.

A document is identified by the SHA-256 of its bytes.  Its staged Parquet
lives under ``staging/<sha256[:16]>-<parser version>/`` and is written to a
temporary folder then renamed, so a crash never leaves half a document; a
document already staged with the same content and parser version is skipped.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import traceback
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
                   "readers/pdf.py", "readers/ocr.py")


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
    path: Path
    sha256: str
    size: int
    file_type: str | None

    @property
    def document_id(self) -> str:
        return self.sha256[:16]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def discover(raw_dir: Path) -> list[Discovered]:
    out = []
    for p in sorted(Path(raw_dir).rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            out.append(Discovered(p, sha256_of(p), p.stat().st_size, SUPPORTED.get(p.suffix.lower())))
    return out


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
            return read_blocks(d.path), None, [], {}, NO_OCR
        except NotTextError as e:
            raise DocumentError("not_text", str(e), "save the export as UTF-8 text") from e
    if d.file_type == "pdf":
        from .readers import pdf

        fmt = not_pdf_format(d.path)
        if fmt:
            raise DocumentError("not_pdf", f"not a PDF at all: the file holds {fmt} (saved under a .pdf name)",
                                "the source saved something else under the document's name: fetch the PDF again")

        try:
            res = pdf.read_pdf(d.path)
        except pdf.PdfError as e:
            raise DocumentError(getattr(e, "kind", "pdf_error"), str(e),
                                getattr(e, "hint", "check the file opens in a PDF viewer")) from e
        warnings = []
        for w in res.warnings:
            m = re.match(r"^p(\d+):", w)
            warnings.append({"rule": "pdf_needs_ocr" if "OCR" in w else "pdf_page", "severity": "warn",
                             "message": f"{d.path.name}: {w}", "page": int(m.group(1)) if m else None})
        return res.blocks, len(res.pages), warnings, res.info, OcrFacts(res.ocr_pages, res.ocr_conf, res.ocr_unread)
    raise DocumentError("unsupported_type", f"unsupported file type {d.path.suffix!r}",
                        "only .pdf and .txt exports are read")


# ------------------------------------------------------------------ staging
SCHEMAS: dict[str, dict] = {
    "budget": {"amount": MONEY, "ocr_confidence": pl.Float64},
    "cells": {"ocr_confidence": pl.Float64},
    "projects": {"total_wan": MONEY, "appropriation_wan": MONEY, "carryover_wan": MONEY, "other_wan": MONEY},
    "targets": {"target_value": pl.Decimal(24, 6)},
    "narrative": {"value": MONEY},
}


def _frame(name: str, rows: list[dict], doc_id: str) -> pl.DataFrame:
    schema_over = SCHEMAS.get(name, {})
    if not rows:
        return pl.DataFrame()
    df = pl.DataFrame(rows, infer_schema_length=None, schema_overrides=schema_over)
    return df.with_columns(pl.lit(doc_id).alias("document_id"))


def staged_path(staging: Path, d: Discovered) -> Path:
    return staging / f"{d.document_id}-v{PARSER_VERSION}"


def _mtime_iso(path: Path) -> str | None:
    """When the file was last written (UTC): orders the versions of a republished document."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).replace(tzinfo=None).isoformat()
    except OSError:
        return None


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
           "error": None, "hint": None, "source_mtime": _mtime_iso(d.path)}
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
        doc.update(meta)
        doc["metadata_source"] = json.dumps(meta["metadata_source"], ensure_ascii=False, sort_keys=True)
        doc.update({"pages": pages, "n_tables": len(parsed.tables), "unit": ",".join(sorted(units)) or "万元",
                    "status": "loaded", "seconds": round(time.perf_counter() - t0, 3),
                    "synthetic": synthetic_mark(info), "ocr_pages": len(ocr.pages)})
        for name in ("tables", "cells", "budget", "projects", "targets", "narrative", "issues"):
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
