"""The corpus scoreboard: how much of a folder of documents the pipeline reads.

``cnbudget score --raw DIR`` refreshes a scratch warehouse from DIR (incrementally: unchanged documents
come from its staging cache) and reports, per document (distinct content) and for the corpus:

* what it is: department, region code, fiscal year, phase (and the document kind where the warehouse
  records one);
* the standard tables it carries (registry table types of the budget / final-accounts set, recognised by
  their titles) against those read (a table of that type produced facts or is declared empty);
* facts, unknown headers (amount columns whose published header the vocabulary does not know), parse
  errors, and reconciliation instances (arithmetic, cross-table, narrative checks) passed / failed;
* with ``--truth`` (a hand-checked CSV keyed by the first 16 hex digits of the file's SHA-256), whether
  department, region and year agree with it.

The result is also written as JSON; ``--compare`` an earlier JSON lists what changed, document by document,
so that a change that wins one template and loses another is seen at once.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .sqlfiles import sql_text

# A document "carries the standard tables" when at least this many standard table types are recognised by
# their titles (a narrative that merely names one table in a sentence does not).
STANDARD_MIN_TYPES = 3
# The bar: every standard table it carries read, and at least six table types.
FULL_READ_TYPES = 6


@dataclass
class Score:
    documents: list[dict]
    ingest_errors: list[dict]
    totals: dict

    def to_json(self) -> dict:
        return {"totals": self.totals, "documents": self.documents, "ingest_errors": self.ingest_errors}


def _rows(con: duckdb.DuckDBPyConnection, name: str) -> list[dict]:
    cur = con.execute(sql_text(name, "score"))
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _has_column(con, schema: str, table: str, column: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = ? "
                            "AND table_name = ? AND column_name = ?", [schema, table, column]).fetchone()[0])


def load_truth(path: Path) -> dict[str, dict]:
    """Hand-checked metadata by document id (first 16 hex digits of the SHA-256)."""
    out: dict[str, dict] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            sha = (row.get("sha256") or "").strip()[:16]
            if sha:
                out.setdefault(sha, row)
    return out


def _same_department(a: str | None, b: str | None) -> bool:
    from .text import key

    if not a or not b:
        return False
    try:
        from .metadata import canonical_department  # type: ignore[attr-defined]
    except ImportError:
        from .extract import canonical_department
    return canonical_department(a) == canonical_department(b) or key(a) == key(b)


def compute(warehouse: Path, truth: dict[str, dict] | None = None) -> Score:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        docs = _rows(con, "documents.sql")
        errors = _rows(con, "ingest_errors.sql")
        kinds = {}
        if _has_column(con, "core", "dim_document", "doc_kind"):
            kinds = dict(con.execute("SELECT document_id, doc_kind FROM core.dim_document").fetchall())
    finally:
        con.close()
    for d in docs:
        d["kind"] = kinds.get(d["document_id"])
        d["standard"] = d["types_present"] >= STANDARD_MIN_TYPES
        d["all_read"] = d["standard"] and d["types_read"] == d["types_present"] and d["types_read"] >= FULL_READ_TYPES
        if truth is not None:
            t = truth.get(d["document_id"])
            d["truth"] = None if t is None else {
                "department": _same_department(d["department"], t.get("department")),
                "region": (d["region_code"] or "") == (t.get("region_code") or "").strip(),
                "year": str(d["fiscal_year"] or "") == (t.get("fiscal_year") or "").strip(),
                "expected": {k: t.get(k) for k in ("department", "region_code", "fiscal_year", "phase", "kind")},
            }
    std = [d for d in docs if d["standard"]]
    tot = {
        "documents": len(docs),
        "ingest_errors": len(errors),
        "with_standard_tables": len(std),
        "all_standard_read_6plus": sum(d["all_read"] for d in std),
        "no_parse_error": sum(d["parse_errors"] == 0 for d in std),
        "standard_types_present": sum(d["types_present"] for d in docs),
        "standard_types_read": sum(d["types_read"] for d in docs),
        "budget_facts": sum(d["budget_facts"] for d in docs),
        "target_facts": sum(d["target_facts"] for d in docs),
        "unknown_headers": sum(d["unknown_headers"] for d in docs),
        "parse_errors": sum(d["parse_errors"] for d in docs),
        "recon_passed": int(sum(d["recon_passed"] for d in docs)),
        "recon_failed": int(sum(d["recon_failed"] for d in docs)),
    }
    for k in ("all_standard_read_6plus", "no_parse_error"):
        tot[k + "_share"] = round(tot[k] / len(std), 4) if std else None
    if truth is not None:
        judged = [d for d in docs if d.get("truth")]
        tot["truth_judged"] = len(judged)
        for k in ("department", "region", "year"):
            ok = sum(d["truth"][k] for d in judged)
            tot[f"{k}_right"] = ok
            tot[f"{k}_right_share"] = round(ok / len(judged), 4) if judged else None
    for d in docs:
        for k in ("recon_passed", "recon_failed"):
            d[k] = int(d[k])
    return Score(docs, errors, tot)


# what makes a document worse between two runs
_REGRESSION = (("types_read", -1), ("budget_facts", -1), ("parse_errors", 1), ("recon_failed", 1),
               ("unknown_headers", 1))


def compare(before: dict, after: dict) -> dict:
    """Totals side by side and, per document, what got better or worse."""
    b_docs = {d["document_id"]: d for d in before.get("documents", [])}
    worse, better = [], []
    for d in after.get("documents", []):
        p = b_docs.get(d["document_id"])
        if p is None:
            continue
        w = [f"{k} {p.get(k)}→{d.get(k)}" for k, sign in _REGRESSION
             if p.get(k) is not None and d.get(k) is not None and (d[k] - p[k]) * sign > 0]
        g = [f"{k} {p.get(k)}→{d.get(k)}" for k, sign in _REGRESSION
             if p.get(k) is not None and d.get(k) is not None and (d[k] - p[k]) * sign < 0]
        for k in ("department", "region", "year"):
            pt, dt = (p.get("truth") or {}).get(k), (d.get("truth") or {}).get(k)
            if pt is True and dt is False:
                w.append(f"{k} right→wrong")
            elif pt is False and dt is True:
                g.append(f"{k} wrong→right")
        if w:
            worse.append({"document_id": d["document_id"], "source_path": d["source_path"], "changes": w})
        if g:
            better.append({"document_id": d["document_id"], "source_path": d["source_path"], "changes": g})
    keys = list(dict.fromkeys(list(before.get("totals", {})) + list(after.get("totals", {}))))
    totals = {k: (before.get("totals", {}).get(k), after.get("totals", {}).get(k)) for k in keys}
    return {"totals": totals, "worse": worse, "better": better}
