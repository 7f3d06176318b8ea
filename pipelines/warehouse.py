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
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from .config import EXPECTATIONS_DIR, SQL_DIR, gx_dir
from .limits import fault
from .sqlfiles import insert_rows, register_frame, run_sql_file, sql_text

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


def code_fingerprint() -> str:
    """Digest of everything besides the documents that a build's rows depend on: the SQL, the suites, the
    vocabularies and the pipeline code. An incremental build starts from the previous file only when this is
    unchanged (otherwise every row is rebuilt)."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    files = sorted(SQL_DIR.rglob("*.sql")) + sorted(EXPECTATIONS_DIR.glob("*.json")) + sorted(here.rglob("*.py")) \
        + sorted(here.rglob("*.csv")) + sorted((here.parent / "vocab").rglob("*.csv"))
    for f in files:
        h.update(str(f.relative_to(f.parents[1])).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _record_sha(d: Path) -> str:
    try:
        return hashlib.sha256((d / "document.json").read_bytes()).hexdigest()[:16]
    except OSError:
        return "-"


def inputs_fingerprint(staged_dirs: list[Path], extra_errors: list[dict] | None = None,
                       paths: dict[str, str] | None = None, code_fp: str | None = None,
                       record_shas: dict[Path, str] | None = None) -> str:
    """Digest of everything a build reads: the staged documents (their folder names carry content hash
    and parser version; their records, so that a document staged again under the same name counts as changed),
    where each document is now (``paths``), the errors recorded outside staging, and :func:`code_fingerprint`.
    ``record_shas``: the records' digests where the caller has read them already."""
    h = hashlib.sha256()
    for d in sorted(staged_dirs, key=lambda d: d.name):
        h.update(d.name.encode())
        sha = (record_shas or {}).get(d)
        h.update((sha if sha is not None else _record_sha(d)).encode())
    h.update(json.dumps(sorted((paths or {}).items())).encode())
    h.update(json.dumps(extra_errors or [], sort_keys=True, default=str).encode())
    h.update((code_fp or code_fingerprint()).encode())
    return h.hexdigest()


def _read_live(warehouse: Path, read):
    """``read(con)`` on a read-only connection to the live warehouse; None when there is none or it cannot be read
    (another layout, a damaged file)."""
    if not warehouse.exists():
        return None
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            return read(con)
        finally:
            con.close()
    except duckdb.Error:
        return None


def live_fingerprint(warehouse: Path) -> str | None:
    """The fingerprint the live warehouse was built from (None if there is none or it cannot be read)."""
    row = _read_live(warehouse, lambda con: con.execute(sql_text("build_fingerprint.sql", "marts_io")).fetchone())
    return row[0] if row else None


def live_summary(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return summary(con)
    finally:
        con.close()


def publish(staged_dirs: list[Path], warehouse: Path, *, extra_errors: list[dict] | None = None,
            paths: dict[str, str] | None = None, full: bool = False, run_id: str | None = None,
            on_built: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> dict:
    """Bring the live warehouse to these inputs: nothing when it already is this build (same staged documents,
    paths, errors and code: ``unchanged``), else a build (``full`` rebuilds every row). The one entry point of
    the CLI refresh and of the Dagster ``warehouse`` asset."""
    if not full and live_fingerprint(warehouse) == inputs_fingerprint(staged_dirs, extra_errors, paths):
        stats = live_summary(warehouse)
        stats.update({"unchanged": True, "run_id": None, "seconds": 0.0, "warehouse": str(warehouse),
                      "dq": {"data_docs": None, "findings": stats["findings_error"] + stats["findings_warn"]}})
        return stats
    stats = build(staged_dirs, warehouse, run_id=run_id or uuid.uuid4().hex[:12], extra_errors=extra_errors,
                  paths=paths, full=full, on_built=on_built)
    stats["unchanged"] = False
    return stats


def _previous_state(warehouse: Path, code_fp: str) -> dict[str, tuple] | None:
    """The staged documents the live warehouse was built from, {document_id: (staged name, record digest, path)},
    when it can be the base of an incremental build (same code); else None."""
    def read(con):
        row = con.execute(sql_text("build_code.sql", "incremental")).fetchone()
        if not row or row[0] != code_fp:
            return None
        return {r[0]: tuple(r[1:]) for r in con.execute(sql_text("build_documents.sql", "incremental")).fetchall()}

    return _read_live(warehouse, read)


def build(staged_dirs: list[Path], warehouse: Path, run_id: str | None = None,
          extra_errors: list[dict] | None = None, checks: bool = True, paths: dict[str, str] | None = None,
          full: bool = False, on_built: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> dict:
    """``extra_errors``: ingest-error records of files that were never staged (bad manifest entries,
    files outside the raw folder): document_id, source_path, sha256, error_kind, error, hint.
    ``paths``: document_id -> where the file is now (discovery); a staged record keeps the path it was
    first extracted from, which is stale once the same bytes are seen under another name.
    ``checks=False`` (benchmarks only) skips the reconciliation checks: every document then shows
    dq_status 'pass' (and an incremental build leaves the previous findings as they were); a refresh never does this.

    Incremental by default: when the live warehouse was built by the same code, the new file starts as a copy of
    it; the rows of documents that are gone or changed are deleted, those of new or changed documents loaded, the
    derived tables (dimensions, versions) rebuilt, and only the documents of the departments concerned re-checked
    (and the corpus-wide rule on the subject codes whose census changed); every other document's findings are
    carried over. The result is the warehouse a full build gives (tests/test_incremental_equivalence.py).
    ``full`` loads every row. ``stats['phases']``: seconds per step. ``on_built(con)``: called with the build's
    connection once every table of the new file is written, before it is flushed and swapped in (it must only read:
    the CLI begins the dashboard's charts there)."""
    run_id = run_id or uuid.uuid4().hex[:12]
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    t0 = time.perf_counter()
    phases: dict[str, float] = {}
    clock = [t0]

    def lap(name: str):  # seconds since the previous lap, per step
        now = time.perf_counter()
        phases[name] = round(phases.get(name, 0.0) + now - clock[0], 3)
        clock[0] = now

    tmp = warehouse.with_name(f"{warehouse.name}.building-{os.getpid()}")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    # document records are read here (DuckDB's read_json over many small files needs far more memory:
    # 2,000 files exhausted 19 GiB in the benchmark) and handed to the load SQL as one frame
    records, state, shas = [], {}, {}
    for d in staged_dirs:
        try:  # (read once: the record and its digest, which the fingerprint and the state compare)
            raw = (d / "document.json").read_bytes()
        except FileNotFoundError:
            continue
        r = json.loads(raw.decode("utf-8"))
        shas[d] = hashlib.sha256(raw).hexdigest()[:16]
        if paths and r.get("document_id") in paths:
            r["source_path"] = paths[r["document_id"]]
        records.append(r)
        state[r["document_id"]] = (d.name, shas[d], r.get("source_path"))
    by_id = {d.name.split("-")[0]: d for d in staged_dirs}
    code_fp = code_fingerprint()
    base = None if full else _previous_state(warehouse, code_fp)
    incremental = base is not None
    if incremental:
        removed = sorted(i for i in base if state.get(i) != base[i])  # gone, or changed (re-read, moved)
        added = sorted(i for i in state if base.get(i) != state[i])   # new, or changed
        shutil.copyfile(warehouse, tmp)
        early = _EarlyFlush(tmp)
    else:
        removed, added = [], sorted(state)
        early = None
    lap("start")
    con = duckdb.connect(str(tmp))
    # rows need no particular physical order (every reader orders explicitly): lets the load insert in parallel
    con.execute("SET preserve_insertion_order = false")
    # the file is not the warehouse until it is complete: no statement's commit waits for the disk (each one did,
    # and the first flushed the whole copy of the previous file), the finished file is flushed once (_durable)
    con.execute("SET fsync_mode = 'NONE'")
    try:
        con.execute("CREATE TEMP TABLE build_removed (document_id VARCHAR)")
        con.execute("CREATE TEMP TABLE build_load (document_id VARCHAR)")
        con.execute("CREATE TEMP TABLE build_keys (region_code VARCHAR, department VARCHAR)")
        con.execute("CREATE TEMP TABLE build_subject_keys (classification VARCHAR, subject_code VARCHAR, fiscal_year INTEGER)")
        run_sql_file(con, SQL_DIR / "subjects" / "count_macros.sql")
        if incremental:
            _insert_ids(con, "build_removed", removed)
            # the departments whose documents change: their documents are re-checked (a publication's parts,
            # versions, budget and final accounts check against each other)
            for f in sorted((SQL_DIR / "incremental" / "remove").glob("*.sql")):
                run_sql_file(con, f)
        else:
            for f in sorted((SQL_DIR / "ddl").glob("*.sql")):
                run_sql_file(con, f)
        lap("remove")
        new = set(added)
        for sql_name, recs in (("documents.sql", [r for r in records if r["document_id"] in new]),
                               ("ingest_errors.sql", records)):  # the ingest errors (small): always loaded whole
            if recs:
                register_frame(con, "staged_documents", _documents_frame(recs))
                con.execute(sql_text(sql_name, "load"))
                con.unregister("staged_documents")
        if extra_errors:
            con.executemany("INSERT INTO core.ingest_errors (document_id, source_path, sha256, error_kind, error, hint)"
                            " VALUES (?, ?, ?, ?, ?, ?)",
                            [[e.get(k) for k in ("document_id", "source_path", "sha256", "error_kind", "error", "hint")]
                             for e in extra_errors])
        loaded = {r[0] for r in con.execute("SELECT document_id FROM core.dim_document").fetchall()}
        load = [i for i in added if i in loaded]
        _insert_ids(con, "build_load", load)
        # the subject steps read every row (a full build) or the loaded documents' rows, kept apart as they load
        run_sql_file(con, SQL_DIR / "subjects" / ("loaded_none.sql" if incremental else "loaded_all.sql"))
        for name in STAGED:
            files = [str(by_id[i] / f"{name}.parquet") for i in load if (by_id[i] / f"{name}.parquet").exists()]
            if files:
                con.execute(sql_text(f"{name}.sql", "load"), {"files": files})
                if incremental and name in ("budget", "cells"):
                    con.execute(sql_text(f"loaded_{name}.sql", "subjects"), {"files": files})
        lap("load")
        from .subjects import register as register_subjects

        # the subject dictionary and each row's resolved code (per document), read by sql/subjects/dim_subject.sql
        register_subjects(con, documents=load if incremental else None)
        # each document's names of each code (the subject-name census's input: dim_one_name_per_code) and its codes
        # (with the sightings, the keys of core.dim_subject)
        # (from the rows the subject steps read: every document's, or the loaded documents')
        run_sql_file(con, SQL_DIR / "subjects" / "names_by_document.sql", {"all": not incremental})
        run_sql_file(con, SQL_DIR / "subjects" / "keys_by_document.sql", {"all": not incremental})
        # how many documents print each subject key and name: counted whole, or brought up to date by the change
        run_sql_file(con, SQL_DIR / "incremental" / "counts.sql" if incremental else SQL_DIR / "subjects" / "counts_all.sql")
        lap("subjects")
        if incremental:  # the subject dimension's rows of the keys the removed and loaded documents print, again
            run_sql_file(con, SQL_DIR / "incremental" / "subject_keys.sql")
        run_sql_file(con, SQL_DIR / "subjects" / "dim_subject.sql", {"all": not incremental})
        run_sql_file(con, SQL_DIR / "load" / "zz_dimensions.sql")
        lap("dimensions")
        fault("after_load")
        if not incremental:
            _carry_history(con, warehouse)  # (a copy of the previous file has it)
        from .checks import register_references, run_checks

        register_references(con, documents=load if incremental else None)
        run_sql_file(con, SQL_DIR / "incremental" / "check_scope.sql", {"all": not incremental})
        if incremental:  # (a full build evaluates every instance: the table stays empty)
            run_sql_file(con, SQL_DIR / "checks" / "00_macros.sql")  # (the subject-name census, before and after)
            run_sql_file(con, SQL_DIR / "incremental" / "check_scope_code.sql")
        lap("references")
        from .dictionary import register as register_dictionary

        def marts(con):
            # measure kinds, headline figures, 三公 items, the data dictionary; then the marts (views) and their
            # comments: a copy of a file built by the same code has them all but the 三公 items printed in its
            # documents. None of it reads the checks' results: it runs while the build waits for the GX process's
            # answer (run_checks' while_waiting), on the core GX leaves to this process
            t = time.perf_counter()
            register_dictionary(con, static=not incremental)
            if not incremental:
                for f in sorted((SQL_DIR / "marts").glob("*.sql")):
                    run_sql_file(con, f)
            phases["marts"] = round(time.perf_counter() - t, 3)

        if checks:
            dq = run_checks(con, gx_dir(warehouse), run_id, scoped=incremental, while_waiting=marts)
        else:
            marts(con)
            dq = {"findings": 0, "gx_success": None, "data_docs": None, "instances": 0, "by_severity": {}}
        lap("checks")
        phases["checks"] = round(phases["checks"] - phases.get("marts", 0.0), 3)  # (the marts' own seconds, apart)
        stats = summary(con)
        con.execute(sql_text("build_info.sql", "incremental"),
                    [inputs_fingerprint(staged_dirs, extra_errors, paths, code_fp, shas), datetime.now(timezone.utc).replace(tzinfo=None),
                     code_fp, "incremental" if incremental else "full"])
        con.execute("DELETE FROM core.build_documents")
        insert_rows(con, "core.build_documents", [(i, *state[i]) for i in sorted(state)])
        con.execute("INSERT INTO dq.runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, started, datetime.now(timezone.utc).replace(tzinfo=None), stats["documents"],
                     stats["ingest_errors"], stats["facts"], dq["findings"], dq["gx_success"], dq["data_docs"]])
        if on_built is not None:
            on_built(con)
        lap("info")
        con.execute("CHECKPOINT")
        lap("checkpoint")
    except BaseException:
        con.close()
        if early is not None:
            early.thread.join()
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    try:
        if early is not None:
            early.wait()
        _durable(tmp)
    except OSError:  # (the file is not flushed: not the warehouse)
        tmp.unlink(missing_ok=True)
        raise
    lap("flush")
    fault("before_swap")
    os.replace(tmp, warehouse)  # atomic publish
    _durable(warehouse.parent)  # the rename itself
    fault("after_swap")
    stats.update({"run_id": run_id, "dq": dq, "seconds": round(time.perf_counter() - t0, 2),
                  "warehouse": str(warehouse), "mode": "incremental" if incremental else "full",
                  "documents_loaded": len(load), "documents_removed": len(removed), "phases": phases})
    return stats


def _durable(path: Path) -> None:
    """fsync a file (its data on disk before it is renamed over the live warehouse) or a folder (the rename)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _EarlyFlush:
    """The copy of the live file flushed to disk by a thread while the build works on it (the disk is idle while the
    SQL runs): the flush before the swap (:func:`_durable`) then has only the build's own writes left. A failure of
    this flush fails the build (after a failed fsync a second one can report success for pages that were lost)."""

    def __init__(self, path: Path):
        self.error: OSError | None = None
        self.thread = threading.Thread(target=self._run, args=(path,), name="cnbudget-copy-flush", daemon=True)
        self.thread.start()

    def _run(self, path: Path):
        try:
            _durable(path)
        except OSError as e:
            self.error = e

    def wait(self):
        self.thread.join()
        if self.error is not None:
            raise self.error


def _insert_ids(con: duckdb.DuckDBPyConnection, table: str, ids: list[str]):
    """Fill one of the build's temp id tables (build_removed, build_load) from a list."""
    assert table in ("build_removed", "build_load"), table
    con.execute(f"INSERT INTO {table} SELECT unnest(CAST(? AS VARCHAR[]))", [list(ids)])


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
