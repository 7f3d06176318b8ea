"""Load staged Parquet into a new DuckDB file, check it, swap it in.

The warehouse is built into ``<name>.building-<pid>`` next to the live file
and renamed over it only after the load, the checks and the marts succeeded
(``os.replace`` is atomic on one filesystem).  A crash at any point leaves the
previous warehouse as it was; analysts reading it keep reading it.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from .config import EXPECTATIONS_DIR, SQL_DIR, gx_dir
from .limits import fault
from .sqlfiles import run_sql_file, sql_text

STAGED = ("tables", "cells", "budget", "projects", "targets", "narrative", "claims", "text_lines", "toc", "issues")


class RefreshBusy(RuntimeError):
    pass


@contextmanager
def refresh_lock(warehouse: Path):
    """One refresh at a time per warehouse: a second one refuses clearly."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_suffix(".lock")
    fh = open(lock_path, "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise RefreshBusy(f"another refresh holds {lock_path}; wait for it to finish") from e
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()


_BUILD_CODE = ("checks.py", "registry.py", "warehouse.py", "narrative_map.csv", "subject_crosswalk.csv", "subjects.py")


def inputs_fingerprint(staged_dirs: list[Path], extra_errors: list[dict] | None = None,
                       paths: dict[str, str] | None = None) -> str:
    """Digest of everything a build reads: the staged documents (their folder names carry content hash
    and parser version), where each document is now (``paths``), the errors recorded outside staging,
    the SQL, the suites and the check code."""
    h = hashlib.sha256()
    for d in sorted(staged_dirs, key=lambda d: d.name):
        h.update(d.name.encode())
        try:  # the record too: a document staged again under the same name (a transient error retried) changed
            h.update(hashlib.sha256((d / "document.json").read_bytes()).digest())
        except OSError:
            h.update(b"-")
    h.update(json.dumps(sorted((paths or {}).items())).encode())
    h.update(json.dumps(extra_errors or [], sort_keys=True, default=str).encode())
    here = Path(__file__).parent
    for f in sorted(SQL_DIR.rglob("*.sql")) + sorted(EXPECTATIONS_DIR.glob("*.json")) + \
            [here / n for n in _BUILD_CODE] + sorted((here.parent / "vocab").glob("subject*.csv")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def live_fingerprint(warehouse: Path) -> str | None:
    """The fingerprint the live warehouse was built from (None if there is none or it cannot be read)."""
    if not warehouse.exists():
        return None
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            row = con.execute(sql_text("build_fingerprint.sql", "marts_io")).fetchone()
        finally:
            con.close()
    except duckdb.Error:
        return None
    return row[0] if row else None


def live_summary(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return summary(con)
    finally:
        con.close()


def publish(staged_dirs: list[Path], warehouse: Path, *, extra_errors: list[dict] | None = None,
            paths: dict[str, str] | None = None, full: bool = False, run_id: str | None = None) -> dict:
    """Bring the live warehouse to these inputs: nothing when it already is this build (same staged documents,
    paths, errors and code: ``unchanged``), else a build (``full`` rebuilds every row). The one entry point of
    the CLI refresh and of the Dagster ``warehouse`` asset."""
    if not full and live_fingerprint(warehouse) == inputs_fingerprint(staged_dirs, extra_errors, paths):
        stats = live_summary(warehouse)
        stats.update({"unchanged": True, "run_id": None, "seconds": 0.0, "warehouse": str(warehouse),
                      "dq": {"data_docs": None, "findings": stats["findings_error"] + stats["findings_warn"]}})
        return stats
    stats = build(staged_dirs, warehouse, run_id=run_id or uuid.uuid4().hex[:12], extra_errors=extra_errors,
                  paths=paths)
    stats["unchanged"] = False
    return stats


def build(staged_dirs: list[Path], warehouse: Path, run_id: str | None = None,
          extra_errors: list[dict] | None = None, checks: bool = True, paths: dict[str, str] | None = None) -> dict:
    """``extra_errors``: ingest-error records of files that were never staged (bad manifest entries,
    files outside the raw folder): document_id, source_path, sha256, error_kind, error, hint.
    ``paths``: document_id -> where the file is now (discovery); a staged record keeps the path it was
    first extracted from, which is stale once the same bytes are seen under another name.
    ``checks=False`` (benchmarks only) skips the reconciliation checks: every document then shows
    dq_status 'pass'; a refresh never does this."""
    run_id = run_id or uuid.uuid4().hex[:12]
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    t0 = time.perf_counter()
    tmp = warehouse.with_name(f"{warehouse.name}.building-{os.getpid()}")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    # rows need no particular physical order (every reader orders explicitly): lets the load insert in parallel
    con.execute("SET preserve_insertion_order = false")
    try:
        for f in sorted((SQL_DIR / "ddl").glob("*.sql")):
            run_sql_file(con, f)
        # document records are read here (DuckDB's read_json over many small files needs far more memory:
        # 2,000 files exhausted 19 GiB in the benchmark) and handed to the load SQL as one frame
        records = [json.loads((d / "document.json").read_text(encoding="utf-8")) for d in staged_dirs
                   if (d / "document.json").exists()]
        for r in records:
            if paths and r.get("document_id") in paths:
                r["source_path"] = paths[r["document_id"]]
        if records:
            frame = _documents_frame(records)
            con.register("staged_documents", frame)
            con.execute(sql_text("documents.sql", "load"))
            con.execute(sql_text("ingest_errors.sql", "load"))
            con.unregister("staged_documents")
        if extra_errors:
            con.executemany("INSERT INTO core.ingest_errors (document_id, source_path, sha256, error_kind, error, hint)"
                            " VALUES (?, ?, ?, ?, ?, ?)",
                            [[e.get(k) for k in ("document_id", "source_path", "sha256", "error_kind", "error", "hint")]
                             for e in extra_errors])
        loaded = {r[0] for r in con.execute("SELECT document_id FROM core.dim_document").fetchall()}
        for name in STAGED:
            files = [str(d / f"{name}.parquet") for d in staged_dirs
                     if (d / f"{name}.parquet").exists() and d.name.split("-")[0] in loaded]
            if files:
                con.execute(sql_text(f"{name}.sql", "load"), {"files": files})
        from .subjects import register as register_subjects

        register_subjects(con)  # the subject dictionary and each row's resolved code, read by zz_dimensions.sql
        run_sql_file(con, SQL_DIR / "load" / "zz_dimensions.sql")
        fault("after_load")
        _carry_history(con, warehouse)
        from .checks import register_references, run_checks

        register_references(con)
        dq = run_checks(con, gx_dir(warehouse), run_id) if checks else {
            "findings": 0, "gx_success": None, "data_docs": None, "instances": 0, "by_severity": {}}
        from .dictionary import register as register_dictionary

        register_dictionary(con)  # measure kinds, headline figures, 三公 items, the data dictionary
        for f in sorted((SQL_DIR / "marts").glob("*.sql")):
            run_sql_file(con, f)
        stats = summary(con)
        con.execute("INSERT INTO core.build_info VALUES (?, ?)",
                    [inputs_fingerprint(staged_dirs, extra_errors, paths), datetime.now(timezone.utc).replace(tzinfo=None)])
        con.execute("INSERT INTO dq.runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, started, datetime.now(timezone.utc).replace(tzinfo=None), stats["documents"],
                     stats["ingest_errors"], stats["facts"], dq["findings"], dq["gx_success"], dq["data_docs"]])
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    fault("before_swap")
    os.replace(tmp, warehouse)  # atomic publish
    fault("after_swap")
    stats.update({"run_id": run_id, "dq": dq, "seconds": round(time.perf_counter() - t0, 2),
                  "warehouse": str(warehouse)})
    return stats


_DOC_COLUMNS = {
    "document_id": pl.Utf8, "source_path": pl.Utf8, "sha256": pl.Utf8, "bytes": pl.Int64, "file_type": pl.Utf8,
    "parser_version": pl.Utf8, "status": pl.Utf8, "error_kind": pl.Utf8, "error": pl.Utf8, "hint": pl.Utf8,
    "region_code": pl.Utf8, "county": pl.Utf8, "region_level": pl.Utf8, "province": pl.Utf8, "prefecture": pl.Utf8,
    "department": pl.Utf8, "department_code": pl.Utf8, "fiscal_year": pl.Int32, "phase": pl.Utf8, "unit": pl.Utf8,
    "department_printed": pl.Utf8, "document_kind": pl.Utf8, "metadata_source": pl.Utf8,
    "pages": pl.Int32, "n_tables": pl.Int32, "seconds": pl.Float64, "source_mtime": pl.Utf8,
    "synthetic": pl.Boolean, "published_at": pl.Utf8, "copy_protected": pl.Boolean,
}


def _documents_frame(records: list[dict]) -> "pl.DataFrame":
    """The staged document records as one typed frame (absent fields are NULL)."""
    cols = {c: [r.get(c) for r in records] for c in _DOC_COLUMNS}
    return pl.DataFrame(cols, schema=_DOC_COLUMNS, strict=False)


def _carry_history(con: duckdb.DuckDBPyConnection, warehouse: Path):
    """Findings and runs of earlier builds are kept: copy them from the live file."""
    if not warehouse.exists():
        return
    try:
        con.execute("ATTACH ? AS prev (READ_ONLY)", [str(warehouse)])
    except duckdb.Error:
        return  # an unreadable previous file is replaced, not merged
    try:
        con.execute(sql_text("carry_history.sql", "load_history"))
    except duckdb.Error:
        pass  # a previous warehouse of an older layout has no history to carry
    finally:
        con.execute("DETACH prev")


def summary(con: duckdb.DuckDBPyConnection) -> dict:
    q = sql_text("summary.sql", "marts_io")
    row = con.execute(q).fetchone()
    cols = [d[0] for d in con.description]
    return dict(zip(cols, row))


def connect_readonly(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `cnbudget refresh` first")
    # read-only, and no file system access beyond the warehouse itself: no COPY … TO, no read_csv('/etc/…'),
    # no ATTACH, no INSTALL/LOAD; the setting cannot be switched back on from SQL.
    return duckdb.connect(str(warehouse), read_only=True,
                          config={"enable_external_access": False, "lock_configuration": True})
