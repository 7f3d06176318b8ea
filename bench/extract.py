"""Extraction benchmark on the shared real PDFs (not a test).

    python bench/extract.py [PDF_DIR] [--skip-plain]

Times, in one run over every document:
  (a) plain ``camelot.read_pdf(path, pages="all")`` (defaults: lattice, the
      default line engine) on every page,
  (b) camelot's render-free vector engine on every page
      (``flavor='lattice', engine='vector'``),
  (c) this project's ``pipelines.readers.pdf.read_pdf`` on every document
      (pypdfium2 text layer on every page, camelot vector engine only on
      pages with vector strokes).
and prints pages, tables found and seconds per document, the totals, and
the ratios c/a (target <= 0.1) and c/b (target <= 1.5).  ``--skip-plain``
leaves (a) out (about 90 s) for quick runs.

Then the parallel efficiency of the real extraction stage,
``pipelines.refresh.extract_all`` (one child process per worker), over the same
documents into a fresh staging folder: once with 1 worker, once with
``os.cpu_count()``; speedup = t1/tN, efficiency = speedup/N, and the peak RSS
of the stage (each configuration in its own process).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _common  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "real" / "jiangsu"


def compare_readers(files: list[Path], plain: bool = True) -> dict:
    """(a), (b), (c) above; ``plain=False`` skips (a)."""
    # imported here: the extract_all stage below imports this module in a small fresh process
    import camelot

    from pipelines.readers.pdf import read_pdf

    # warm imports / caches so the first document does not pay them
    read_pdf(files[0])
    camelot.read_pdf(str(files[0]), pages="1", flavor="lattice", engine="vector")
    tot = {"pages": 0, "a_t": 0.0, "b_t": 0.0, "c_t": 0.0, "a_n": 0, "b_n": 0, "c_n": 0}
    print(f"{'document':<44}{'pages':>6}{'a tbl':>7}{'a s':>8}{'b tbl':>7}{'b s':>7}{'c tbl':>7}{'c s':>7}")
    for f in files:
        a, ta = _common.timed(lambda: camelot.read_pdf(str(f), pages="all")) if plain else ([], 0.0)
        b, tb = _common.timed(lambda: camelot.read_pdf(str(f), pages="all", flavor="lattice", engine="vector"))
        c, tc = _common.timed(lambda: read_pdf(f))
        n = len(c.pages)
        name = f"{f.parent.name}/{f.name}"
        print(f"{name[:43]:<44}{n:>6}{len(a):>7}{ta:>8.2f}{len(b):>7}{tb:>7.2f}{c.table_count:>7}{tc:>7.2f}")
        tot["pages"] += n
        tot["a_t"] += ta
        tot["b_t"] += tb
        tot["c_t"] += tc
        tot["a_n"] += len(a)
        tot["b_n"] += len(b)
        tot["c_n"] += c.table_count
    print(
        f"{'TOTAL (' + str(len(files)) + ' documents)':<44}{tot['pages']:>6}{tot['a_n']:>7}{tot['a_t']:>8.2f}"
        f"{tot['b_n']:>7}{tot['b_t']:>7.2f}{tot['c_n']:>7}{tot['c_t']:>7.2f}"
    )
    p = tot["pages"]
    print(
        f"per page: a {tot['a_t'] / p:.4f} s, b {tot['b_t'] / p:.4f} s, c {tot['c_t'] / p:.4f} s"
    )
    ca = f"{tot['c_t'] / tot['a_t']:.3f}" if plain else "(a skipped)"
    print(f"c/a = {ca} (target <= 0.1)   c/b = {tot['c_t'] / tot['b_t']:.3f} (target <= 1.5)")
    return tot


def _stage(stage: str, a: dict) -> dict:
    """In a fresh process (see _common.child): extract_all with ``a["workers"]`` workers into a new staging
    folder; seconds, the workers' CPU seconds, staged pages and tables, peak RSS of this process and of the
    largest worker."""
    import resource

    import pyarrow.parquet as pq

    from pipelines.extract import discover, staged_path
    from pipelines.limits import Limits
    from pipelines.refresh import extract_all

    assert stage == "extract_all"
    docs = [d for d in discover(Path(a["pdf_dir"])) if d.file_type == "pdf"]
    staging = Path(a["staging"])
    t0 = time.perf_counter()
    res = extract_all(docs, staging, manifest={}, force=True, limits=Limits.from_env(workers=a["workers"]))
    seconds = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # CPU time of the workers, all cores
    pages = tables = 0
    for d in docs:  # what was staged: pages read and tables found
        target = staged_path(staging, d)
        pages += json.loads((target / "document.json").read_text(encoding="utf-8")).get("pages") or 0
        if (target / "tables.parquet").exists():
            tables += pq.read_metadata(target / "tables.parquet").num_rows
    return {"seconds": round(seconds, 3), "cpu_s": round(ru.ru_utime + ru.ru_stime, 3), "documents": len(docs),
            "pages": pages, "tables": tables, "statuses": sorted({r["status"] for r in res}),
            "parent_peak_mb": _common.peak_mb(), "worker_peak_mb": _common.children_peak_mb()}


def parallel_efficiency(pdf_dir: Path) -> dict:
    """extract_all with 1 worker and with one per core, each in its own process and staging folder."""
    n = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="cnbudget-bench-extract-"))
    runs = {}
    try:
        for w in dict.fromkeys((1, n)):
            runs[w] = _common.child("bench.extract", "extract_all",
                                    {"pdf_dir": str(pdf_dir), "staging": str(work / f"staging-{w}"), "workers": w})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    one, par = runs[1], runs[n]
    # the machine is shared: the load average hints at how many cores were really free
    print(f"\n== extraction stage (pipelines.refresh.extract_all, force) on {n} cores, "
          f"1-min load average {os.getloadavg()[0]:.2f} (these runs included)")
    print(f"{'workers':<10}{'docs':>6}{'pages':>7}{'tables':>8}{'seconds':>9}{'cpu s':>8}{'pages/s':>9}"
          f"{'p/s/core':>10}{'parent MB':>11}{'worker MB':>11}")
    for w, r in runs.items():
        pps = r["pages"] / r["seconds"]
        print(f"{w:<10}{r['documents']:>6}{r['pages']:>7}{r['tables']:>8}{r['seconds']:>9.2f}{r['cpu_s']:>8.2f}"
              f"{pps:>9.1f}{pps / w:>10.1f}{r['parent_peak_mb']:>11.1f}{r['worker_peak_mb']:>11.1f}")
    speedup = one["seconds"] / par["seconds"]
    print(f"speedup t1/t{n} = {speedup:.2f}   parallel efficiency = {speedup / n:.2f}")
    print(f"peak RSS of the stage with {n} workers: parent {par['parent_peak_mb']:.0f} MB + {n} x worker "
          f"<= {par['parent_peak_mb'] + n * par['worker_peak_mb']:.0f} MB")
    same = all(one[k] == par[k] for k in ("documents", "pages", "tables", "statuses"))
    print(f"sanity: staged tables {one['tables']} vs {par['tables']}, statuses {one['statuses']} vs "
          f"{par['statuses']}: {'same' if same else 'DIFFERENT'}")
    return runs


def main(argv: list[str] | None = None):
    ap = argparse.ArgumentParser()
    ap.add_argument("pdf_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--skip-plain", action="store_true", help="leave out (a), plain camelot (about 90 s)")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    files = sorted(a.pdf_dir.rglob("*.pdf"))
    if not files:
        raise SystemExit(f"no PDFs under {a.pdf_dir}")
    compare_readers(files, plain=not a.skip_plain)
    parallel_efficiency(a.pdf_dir)


if __name__ == "__main__":
    main()
