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
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from . import __version__
from .normalize import Parsed, normalize
from .regions import resolve
from .segment import Segmented, segment
from .text import key

SUPPORTED = {".txt": "text", ".pdf": "pdf"}
_PARSER_SOURCES = ("text.py", "blocks.py", "segment.py", "normalize.py", "headers.py", "registry.py", "targets.py", "narrative.py",
                   "narrative_map.csv", "extract.py", "regions.py", "readers/text_export.py", "readers/pdf.py")


def _parser_version() -> str:
    """Package version plus a digest of the parsing code: staged documents are re-extracted
    automatically whenever the code that produced them changes."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in _PARSER_SOURCES:
        h.update((here / name).read_bytes())
    for f in sorted((here.parent / "vocab").glob("*.csv")):  # the vocabulary is part of the parser
        h.update(f.name.encode() + f.read_bytes())
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


def read_document(d: Discovered):
    """-> (blocks, pages, warnings)"""
    if d.size == 0:
        raise DocumentError("empty_file", "zero-byte file", "re-download the document")
    if d.file_type == "text":
        from .readers.text_export import NotTextError, read_blocks

        try:
            return read_blocks(d.path), None, []
        except NotTextError as e:
            raise DocumentError("not_text", str(e), "save the export as UTF-8 text") from e
    if d.file_type == "pdf":
        from .readers import pdf

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
        return res.blocks, len(res.pages), warnings
    raise DocumentError("unsupported_type", f"unsupported file type {d.path.suffix!r}",
                        "only .pdf and .txt exports are read")


_DEPT_CODE = re.compile(r"^(\d{3,})\s*(\S.*)$")
_DEPT_LABEL = re.compile(r"^部门(名称)?[:：](.*)$")
_DEPT_SUFFIX = r"(?:办公厅|办公室|委员会|常委会|厅|局|委|院|会|办|署|中心|部|所|站|队|馆|社|校)"
_DEPT_IN_TITLE = re.compile(rf"^(?:第.部分)?((?:(?!部分)[^\s、,，。:：()（）\d]){{2,30}}?{_DEPT_SUFFIX})(?:部门)?(20\d{{2}})年")
# party-organ prefixes: the same department is published as 中国共产党江苏省委员会办公厅,
# 中共江苏省委办公厅 and 江苏省委办公厅
_DEPT_ALIASES = ((re.compile(r"^中国共产党(.+?)委员会"), r"\1委"), (re.compile(r"^中共(?=.{2,}[省市县区]委)"), ""))


def canonical_department(name: str) -> str:
    k = key(name)
    for pat, rep in _DEPT_ALIASES:
        k = pat.sub(rep, k)
    return k
_DEPT_TRAIL_CODE = re.compile(r"^(\D+?)\s*(\d{3,})$")
_YEAR = re.compile(r"(20\d{2})\s*年")


def document_metadata(seg: Segmented, d: Discovered, override: dict | None = None) -> dict:
    """County, region code, department, year, phase and unit from the
    document's own headings; ``override`` (manifest) wins where given."""
    dept = dept_code = None
    year = None
    problems: list[str] = []
    label_depts: list[str] = []
    for t in seg.tables:
        texts = t.meta_texts()
        for n, m in enumerate(texts):
            mm = _DEPT_LABEL.match(key(m))
            if mm:
                # "部门:XXX", or a bare "部门:" with the name on the next line; a name cut by
                # the unit on the same line ("部门:…办" + "单位:万元公厅") is rejoined
                val = mm.group(2) or (texts[n + 1] if n + 1 < len(texts) else "")
                if n + 1 < len(texts):
                    tail = re.match(r"^单位[:：](?:万元|元)(\S+)$", key(texts[n + 1]))
                    if tail and mm.group(2):
                        val += tail.group(1)
                if val and not _DEPT_LABEL.match(key(val)) and not key(val).startswith("单位"):
                    label_depts.append(canonical_department(val))
        for m in texts:
            k = key(m)
            mm = re.match(r"^(?:预算|决算)年度[:：]?(\d{4})", k)
            if mm and not year:
                year = int(mm.group(1))
            mm = _DEPT_CODE.match(k)
            if mm and not dept and not k.startswith(("预算年度", "决算年度")):
                dept_code, dept = mm.group(1), mm.group(2)
        for b in t.rows[:6]:
            if b.cells and (key(b.cells[0]).startswith("主管部门") or key(b.cells[0]).startswith("部门(单位)名称")):
                val = next((c for c in b.cells[1:] if c), None)
                if val:
                    mm = _DEPT_TRAIL_CODE.match(key(val))
                    name, code = (mm.group(1), mm.group(2)) if mm else (key(val), None)
                    if not dept:
                        dept = name
                    if code and name == dept and not dept_code:
                        dept_code = code
    if not dept and label_depts:
        dept = max(set(label_depts), key=label_depts.count)
    texts = [b.cells[0] for b in seg.narrative[:20]] + [t.title for t in seg.tables]
    if not year:
        years = [int(y) for y in seg.year_lines]
        for tx in texts:
            years += [int(m) for m in _YEAR.findall(tx)]
        year = max(set(years), key=years.count) if years else None
    if not dept:
        for tx in texts:
            mm = re.match(r"^(?:第.部分)?\s*(\S+?)(20\d{2})年(?:度)?部门(预算|决算)", key(tx))
            if mm and not re.search(r"部分|、", mm.group(1)):
                dept = mm.group(1)
                break
    if not dept:
        # a heading or sentence that opens with the department and the year:
        # "江苏省人大常委会办公厅2018年度部门" / "江苏省政协办公厅2019年度收入、支出预算总计…"
        found = []
        for b in seg.narrative[:200]:
            mm = _DEPT_IN_TITLE.match(key(b.cells[0]))
            if mm and (not year or int(mm.group(2)) == year):
                found.append(mm.group(1))
        if found:
            dept = max(set(found), key=found.count)
    if dept:
        dept = canonical_department(dept)
    titles = [key(t.title) for t in seg.tables] + [key(b.cells[0]) for b in seg.narrative[:5]]
    phase = "final" if any(re.search(r"(?<!预)决算", x) for x in titles) else "budget"
    meta = {"department": dept, "department_code": dept_code, "fiscal_year": year, "phase": phase}
    disagreements = []
    if override:
        for k, v in override.items():
            if v is not None and meta.get(k) not in (None, v) and str(meta.get(k)) != str(v):
                disagreements.append(f"manifest sets {k}={v!r} but the document's headings say {meta.get(k)!r}")
        meta.update({k: v for k, v in override.items() if v is not None})
    region = None
    if meta.get("department") and meta.get("fiscal_year"):
        hint = " ".join(b.cells[0] for b in seg.narrative[:50])
        # a county given by the manifest is resolved itself, so county and region code cannot disagree
        region, problem = resolve(meta.get("county") or meta["department"], int(meta["fiscal_year"]), hint)
        if problem:
            problems.append(problem)
        elif override and override.get("county") and region and not meta["department"].startswith(region.name) \
                and region.level == "county":
            disagreements.append(f"manifest sets county={override['county']!r} but the department heading "
                                 f"{meta['department']!r} names another place")
    else:
        problems.append("department or fiscal year not found in the document's headings")
    meta.update({
        "region_code": meta.get("region_code") or (region.code if region else None),
        "county": meta.get("county") or (region.name if region else None),
        "region_level": region.level if region else None,
        "province": region.province if region else None,
        "prefecture": region.prefecture if region else None,
        "region_ref_year": region.ref_year if region else None,
    })
    meta["_disagreements"] = disagreements
    return meta, problems


# ------------------------------------------------------------------ staging
SCHEMAS: dict[str, dict] = {
    "budget": {"amount": MONEY},
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
        blocks, pages, warnings = read_document(d)
        seg = segment(blocks)
        parsed: Parsed = normalize(seg)
        meta, problems = document_metadata(seg, d, override)
        for w in warnings:
            parsed.issues.append({"table_seq": None, "table_type": None, "rule": w.get("rule", "pdf_page"),
                                  "severity": w.get("severity", "warn"), "message": w["message"],
                                  "page": w.get("page"), "line": None, "src_ref": None})
        for p in problems:
            parsed.issues.append({"table_seq": None, "table_type": None, "rule": "metadata_unresolved",
                                  "severity": "error", "message": p, "page": None, "line": None, "src_ref": None})
        for p in meta.pop("_disagreements", []):
            parsed.issues.append({"table_seq": None, "table_type": None, "rule": "manifest_disagrees",
                                  "severity": "warn", "message": f"{d.path.name}: {p}", "page": None, "line": None,
                                  "src_ref": None})
        units = {t["unit"] for t in parsed.tables if t["kind"] in ("subject", "pair_summary")}
        doc.update(meta)
        doc.update({"pages": pages, "n_tables": len(parsed.tables), "unit": ",".join(sorted(units)) or "万元",
                    "status": "loaded", "seconds": round(time.perf_counter() - t0, 3)})
        for name in ("tables", "cells", "budget", "projects", "targets", "narrative", "issues"):
            df = _frame(name, getattr(parsed, name), d.document_id)
            if df.height:
                df.write_parquet(tmp / f"{name}.parquet")
        status = "extracted"
    except DocumentError as e:
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
    return {"document_id": d.document_id, "status": status, "path": str(d.path), "error": doc.get("error")}
