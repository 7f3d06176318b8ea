"""Warehouse benchmark (make bench): build from staged Parquet at >= 10 million fact rows, analyst queries,
and incremental refresh — ratios measured in one run against baselines measured in the same run.

  build ratio      = warehouse build (load + dimensions + marts, no checks) ÷ DuckDB scanning the same Parquet
  incremental load = 1 % new facts (new documents) built into that warehouse incrementally ÷ the same scan,
                     and ÷ scanning just the new facts (with and without the checks)
  queries          = seconds for three analyst queries on that warehouse
  incremental      = refresh with nothing new ÷ full refresh, and with one new document, on a forged corpus
  peak memory      = max RSS of each stage, each run in its own process

Usage: python bench/warehouse.py [--rows 10000000] [--docs 2000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _common  # noqa: E402


# The shape of a department's budget, as ../shared/real prints it (measured on its warehouse: 88,324 facts of 142
# documents): function-code rows printed in the revenue, expenditure and 一般公共预算 function tables, economic-code rows
# in the basic-expenditure tables, each row several measures (合计 the sum of the others), each code one name, parent
# rows (类, 款) the sums of their children; every row's code and name also staged as table cells. Per fact the real
# corpus has 0.17 subject rows, 0.055 code + name pairs per document, 1.78 cells, 47 % economic facts; at 10 M
# facts this has 0.29, 0.095, 1.58 and 20 % (the dictionary has 111 economic codes: a document prints them all).
# (Until 2026-12-03 the benchmark staged one subject row per fact, each with a name of its own, and no cells.)
_TABLES = [  # table_seq, table_type, classification, measures (the first the sum of the rest)
    (1, "revenue", "function", ["合计", "一般公共预算拨款收入", "政府性基金预算拨款收入", "事业收入", "其他收入"]),
    (2, "expenditure", "function", ["合计", "基本支出", "项目支出"]),
    (3, "gpb_expenditure", "function", ["合计", "基本支出", "项目支出"]),
    (4, "gpb_basic", "economic", ["合计", "人员经费", "公用经费"]),
    (5, "basic_expenditure", "economic", ["合计", "人员经费", "公用经费"]),
    (6, "gpb_economic", "economic", ["合计", "基本支出", "项目支出"]),
]


def stage_synthetic(staging: Path, rows: int, docs: int, first: int = 0) -> list[Path]:
    """Staged documents in the pipeline's own layout (document.json, budget.parquet, cells.parquet and
    tables.parquet per document), shaped like the real corpus (_TABLES), with exact DECIMAL amounts that add up,
    generated inside DuckDB. About ``rows`` facts in all."""
    import duckdb

    staging.mkdir(parents=True, exist_ok=True)
    per_doc = rows // docs
    # the subject rows every document prints: the first codes (by code, so each one's parents too) of the shipped
    # dictionary with their names; facts per function code 5 + 3 + 3 measures, per economic code 3 + 3 + 3
    from pipelines.config import SQL_DIR
    from pipelines.sqlfiles import run_sql_file, sql_text
    from pipelines.subjects import SUBJECTS_CSV

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    (economic_codes,) = con.execute(sql_text("synthetic_economic_codes.sql", "bench"),
                                    {"csv": str(SUBJECTS_CSV)}).fetchone()
    n_economic = min(economic_codes, round(per_doc * 0.4 / 9))
    n_function = max(1, round((per_doc - n_economic * 9) / 11))
    con.execute("CREATE TABLE tables (table_seq INTEGER, table_type VARCHAR, classification VARCHAR, measures VARCHAR[])")
    con.executemany("INSERT INTO tables VALUES (?, ?, ?, ?)", _TABLES)
    shape = {"first": first, "docs": docs, "f": n_function, "e": n_economic}
    # the codes each document prints, their amounts (that add up), the facts
    run_sql_file(con, SQL_DIR / "bench" / "synthetic_shape.sql", {"csv": str(SUBJECTS_CSV), **shape})
    tmp = staging / "_parts"
    tmp.mkdir(exist_ok=True)
    # the facts, the cells and the tables as Parquet partitioned by document
    run_sql_file(con, SQL_DIR / "bench" / "synthetic_staged.sql",
                 {"budget": str(tmp / "budget"), "cells": str(tmp / "cells"), "tables": str(tmp / "tables"), **shape})
    dirs = []
    for part in sorted((tmp / "budget").iterdir()):
        doc = part.name.split("=", 1)[1]
        d = staging / f"{doc}-vbench"
        d.mkdir(exist_ok=True)
        for name in ("budget", "cells", "tables"):
            files = sorted((tmp / name / part.name).glob("*.parquet"))
            # one file per document, as the extractor writes it
            con.execute("COPY (SELECT * FROM read_parquet(?, hive_partitioning = true)) TO ? (FORMAT parquet)",
                        [[str(f) for f in files], str(d / f"{name}.parquet")])
        (d / "document.json").write_text(json.dumps({
            "document_id": doc, "source_path": f"bench/{doc}.pdf", "sha256": doc * 4, "bytes": 1, "file_type": "pdf",
            "parser_version": "bench", "status": "loaded", "error_kind": None, "error": None, "hint": None,
            # five documents a county, one a year (2019-2023): year-on-year queries find their pairs
            "region_code": f"{110101 + int(doc, 16) // 5 % 2800}", "county": f"县{int(doc, 16) // 5 % 2800}",
            "region_level": "county", "province": "省", "prefecture": "市", "region_ref_year": 2022,
            "department": f"部门{int(doc, 16) // 5 % 60}", "department_code": "001",
            "fiscal_year": 2019 + int(doc, 16) % 5, "phase": "budget", "pages": 70, "n_tables": len(_TABLES),
            "unit": "万元", "seconds": 0.1}), encoding="utf-8")
        dirs.append(d)
    shutil.rmtree(tmp)
    return dirs


def child(stage: str, args: dict) -> dict:
    """Run one stage in a fresh process; report seconds and peak RSS."""
    return _common.child("bench.warehouse", stage, args)


def _stage(stage: str, a: dict) -> dict:
    import duckdb

    t0 = time.perf_counter()
    extra = {}
    if stage == "scan":
        con = duckdb.connect()
        files = [str(Path(d) / "budget.parquet") for d in a["dirs"]]
        n, s = con.execute("SELECT count(*), sum(amount) FROM read_parquet(?)", [files]).fetchone()
        extra = {"rows": n}
    elif stage == "scan_all":
        # every column decoded (the build has to read them all): count() of each one forces it
        con = duckdb.connect()
        files = [str(Path(d) / "budget.parquet") for d in a["dirs"]]
        cols = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [files[:1]]).fetchall()]
        con.execute("SELECT " + ", ".join(f'count("{c}")' for c in cols) + " FROM read_parquet(?)", [files]).fetchone()
        extra = {"columns": len(cols)}
    elif stage == "floor":
        # the publish floor: copy the live file, write the new rows into it (sql/bench/publish_floor.sql), checkpoint,
        # flush, rename over the live file (unlinking the old one) — the incremental build's I/O and nothing else
        from pipelines.config import SQL_DIR
        from pipelines.sqlfiles import run_sql_file
        from pipelines.warehouse import _durable  # (the build's own flush before its rename)

        live = Path(a["warehouse"])
        tmp = live.with_name(live.name + ".floor")
        shutil.copyfile(live, tmp)
        con = duckdb.connect(str(tmp))
        con.execute("SET fsync_mode = 'NONE'")
        run_sql_file(con, SQL_DIR / "bench" / "publish_floor.sql",
                     {"budget": [str(Path(d) / "budget.parquet") for d in a["dirs"]],
                      "cells": [str(Path(d) / "cells.parquet") for d in a["dirs"]]})
        con.execute("CHECKPOINT")
        con.close()
        _durable(tmp)
        os.replace(tmp, live)
    elif stage == "build":
        from pipelines.warehouse import build

        if a.get("warm_gx"):  # the GX process started and loaded before the clock, as `cnbudget refresh` starts it
            from pipelines import gxproc  # at its beginning (its import then overlaps the refresh's extraction)
            from pipelines.config import gx_dir

            gxproc.preload(gx_dir(Path(a["warehouse"])))
            time.sleep(a["warm_gx"])
            t0 = time.perf_counter()
        stats = build([Path(d) for d in a["dirs"]], Path(a["warehouse"]), checks=a.get("checks", False),
                      full=a.get("full", False))
        extra = {"rows": stats["budget_facts"], "mode": stats["mode"], "loaded": stats["documents_loaded"],
                 "phases": stats["phases"]}
        if a.get("warm_gx"):  # the clock stops at the build's end; the GX process's data docs are waited for after
            extra["seconds"] = round(time.perf_counter() - t0, 3)
            gxproc.discard()
    elif stage == "queries":
        from pipelines.sqlfiles import sql_text

        con = duckdb.connect(a["warehouse"], read_only=True)
        for q in ("rollup_by_lei.sql", "yoy_by_department.sql", "top_project_growth.sql"):
            t = time.perf_counter()
            rows = con.execute(sql_text(q, "bench"), {"year": 2021}).fetchall()
            extra[q] = round(time.perf_counter() - t, 3)
            extra[f"{q} rows"] = len(rows)
    elif stage == "refresh":
        from pipelines.refresh import refresh

        refresh(Path(a["raw"]), Path(a["warehouse"]))
    # (a stage that stopped its own clock says so in extra["seconds"])
    return {"seconds": round(time.perf_counter() - t0, 3), "peak_rss_mb": _common.peak_mb(), **extra}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--forged-docs", type=int, default=12)
    ap.add_argument("--keep", type=Path)
    a = ap.parse_args()
    work = a.keep or Path(tempfile.mkdtemp(prefix="cnbudget-bench-"))
    print(f"machine: {os.cpu_count()} cores; work dir {work}")
    t = time.perf_counter()
    dirs = stage_synthetic(work / "staging", a.rows, a.docs)
    print(f"staged {len(dirs)} synthetic documents in {time.perf_counter() - t:.1f}s")
    dl = [str(d) for d in dirs]
    wh = str(work / "wh" / "budget.duckdb")
    (work / "wh").mkdir(exist_ok=True)
    scan = child("scan", {"dirs": dl})
    scan_all = child("scan_all", {"dirs": dl})
    build = child("build", {"dirs": dl, "warehouse": wh})
    q = child("queries", {"warehouse": wh})
    print(f"\n== warehouse build at {build['rows']:,} fact rows")
    print(f"scan Parquet     {scan['seconds']:8.2f} s   peak {scan['peak_rss_mb']:8.1f} MB")
    print(f"build (no checks){build['seconds']:8.2f} s   peak {build['peak_rss_mb']:8.1f} MB")
    print(f"scan all {scan_all['columns']} cols{scan_all['seconds']:8.2f} s   peak {scan_all['peak_rss_mb']:8.1f} MB")
    print(f"ratio build/scan {build['seconds'] / scan['seconds']:8.2f}   (target <= 3; scan = count + sum(amount))")
    print(f"ratio build/scan of every column {build['seconds'] / scan_all['seconds']:8.2f}")
    print(f"peak memory of the build: {build['peak_rss_mb'] / 1024:.2f} GiB (target < 4)")
    # 1 % new facts: new documents built into that warehouse incrementally (a copy of the file, the new rows
    # loaded, the dimensions derived again), then the same with the reconciliation checks (scoped to the new
    # documents' departments; corpus-wide rules whole)
    new_docs = max(1, a.docs // 100)
    new_dirs = stage_synthetic(work / "staging", a.rows // a.docs * new_docs, new_docs, first=a.docs)
    nl = [str(d) for d in new_dirs]
    scan_new = child("scan", {"dirs": nl})
    inc_wh = str(work / "wh" / "incremental.duckdb")
    shutil.copyfile(wh, inc_wh)
    inc = child("build", {"dirs": dl + nl, "warehouse": inc_wh})
    shutil.copyfile(wh, inc_wh)
    inc_checks = child("build", {"dirs": dl + nl, "warehouse": inc_wh, "checks": True})
    shutil.copyfile(wh, inc_wh)
    inc_warm = child("build", {"dirs": dl + nl, "warehouse": inc_wh, "checks": True, "warm_gx": 10})
    shutil.copyfile(wh, inc_wh)
    floor = child("floor", {"dirs": nl, "warehouse": inc_wh})
    print(f"\n== incremental load of {new_docs} new documents ({scan_new['rows']:,} facts, 1 %) into that warehouse")
    print(f"scan of the new facts          {scan_new['seconds']:8.2f} s")
    print(f"incremental build (no checks)  {inc['seconds']:8.2f} s   peak {inc['peak_rss_mb']:8.1f} MB   mode {inc['mode']}, "
          f"{inc['loaded']} loaded; phases {inc['phases']}")
    print(f"incremental build with checks  {inc_checks['seconds']:8.2f} s   peak {inc_checks['peak_rss_mb']:8.1f} MB   "
          f"phases {inc_checks['phases']}")
    print(f"incremental build with checks, GX process started before the clock (as a refresh starts it) "
          f"{inc_warm['seconds']:8.2f} s   phases {inc_warm['phases']}")
    print(f"publish floor (copy the file, write the new facts and cells as they are, checkpoint, flush, rename) "
          f"{floor['seconds']:8.2f} s")
    print(f"ratio incremental/scan of all {build['rows']:,} facts {inc['seconds'] / scan['seconds']:8.2f}   "
          f"(target <= 3); with checks {inc_checks['seconds'] / scan['seconds']:.2f}, "
          f"GX started before {inc_warm['seconds'] / scan['seconds']:.2f}")
    print(f"ratio publish floor/scan {floor['seconds'] / scan['seconds']:8.2f}   "
          f"ratio incremental/publish floor {inc['seconds'] / floor['seconds']:.2f}")
    print(f"ratio incremental/scan of the new facts {inc['seconds'] / scan_new['seconds']:8.2f}")
    print("\n== analyst queries (target < 1 s each)")
    for k, v in q.items():
        if k.endswith(".sql"):
            print(f"{k:28s} {v:6.3f} s   {q[k + ' rows']} rows")

    # incremental refresh on a forged corpus, through the real refresh
    from pipelines.forge import forge

    raw = work / "forged"
    forge(raw, counties=max(1, a.forged_docs // 4), years=2, departments=2)
    for t_ in raw.glob("*.truth.json"):
        t_.unlink()
    extra_doc = sorted(raw.glob("*.pdf"))[-1]
    held = work / extra_doc.name
    shutil.move(extra_doc, held)
    fwh = str(work / "fwh" / "budget.duckdb")
    full = child("refresh", {"raw": str(raw), "warehouse": fwh})
    nothing = child("refresh", {"raw": str(raw), "warehouse": fwh})
    shutil.move(held, raw / held.name)
    one = child("refresh", {"raw": str(raw), "warehouse": fwh})
    print(f"\n== incremental refresh ({len(list(raw.glob('*.pdf')))} forged PDFs)")
    print(f"full refresh          {full['seconds']:8.2f} s   peak {full['peak_rss_mb']:8.1f} MB")
    print(f"nothing new           {nothing['seconds']:8.2f} s   ratio {nothing['seconds'] / full['seconds']:.3f} (target <= 0.05)")
    print(f"one new document      {one['seconds']:8.2f} s   ratio {one['seconds'] / full['seconds']:.3f}")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
